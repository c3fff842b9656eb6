// The log actor's flush policy with group commit (actors/log_flush.hpp), driven through a
// manual flusher: a sync "runs" only when the test says so, so a held reply is observable.
#include "actors/log_actor.hpp"
#include "fixture.hpp"

using namespace cafka;
using namespace cafka::test;
using namespace std::chrono_literals;

namespace {

struct flush_fixture : fixture {
  storage::log_config lcfg;
  std::shared_ptr<storage::manual_flusher> flusher
    = std::make_shared<storage::manual_flusher>();
  log_actor log;
  int next_value = 0;

  flush_fixture() {
    lcfg.dir = dir.path / "p-0";
  }

  void open() {
    std::error_code ec;
    auto lg = open_partition_log(lcfg, "p-0", ec);
    REQUIRE(lg);
    log = sys.spawn(flushing_log_actor_impl, std::move(lg), std::string{"p-0"}, log_retention{},
                    std::shared_ptr<storage::flusher>{flusher});
    sched.run();
  }

  auto append() {
    auto slot = ask<append_reply>(log, append_atom::value,
                                  storage::record_bytes(make_batch({"v" + std::to_string(next_value++)})), int32_t{0});
    sched.run();
    return slot;
  }

  // Runs the oldest flusher job (optionally failing it) and delivers its completion.
  void complete_flush(std::error_code fail = {}) {
    REQUIRE(flusher->run_next(fail));
    sched.run();
  }

  void configure(int64_t flush_messages, int64_t flush_ms) {
    log_settings s;
    s.log = lcfg;
    s.log.flush_messages = flush_messages;
    s.log.flush_ms = flush_ms;
    CHECK(call<errc>(log, configure_atom::value, s) == errc::none);
  }
};

} // namespace

TEST_CASE_METHOD(flush_fixture, "flush.messages=1 holds the append reply until the flush",
                 "[log_flush]") {
  lcfg.flush_messages = 1;
  open();
  auto a = append();
  CHECK_FALSE(a->done()); // appended, but not acknowledged before the sync
  REQUIRE(flusher->pending() == 1);
  complete_flush();
  REQUIRE(a->done());
  REQUIRE(a->value);
  CHECK(a->value->ec == errc::none);
  CHECK(a->value->base_offset == 0);
  // The data was readable before the flush too: only the acknowledgement waits.
  auto r = call<read_reply>(log, read_atom::value, int64_t{0}, int32_t{1 << 20});
  CHECK(r.log_end_offset == 1);
}

TEST_CASE_METHOD(flush_fixture, "appends queued behind a flush share the next single flush",
                 "[log_flush]") {
  lcfg.flush_messages = 1;
  open();
  auto first = append();
  REQUIRE(flusher->pending() == 1);
  std::vector<std::shared_ptr<reply_slot<append_reply>>> queued;
  for (int i = 0; i < 4; ++i)
    queued.push_back(append());
  CHECK(flusher->pending() == 1); // no second flush while the first runs
  complete_flush();
  REQUIRE(first->done());
  for (auto& q : queued)
    CHECK_FALSE(q->done());
  REQUIRE(flusher->pending() == 1); // one flush for all four
  complete_flush();
  for (size_t i = 0; i < queued.size(); ++i) {
    REQUIRE(queued[i]->value);
    CHECK(queued[i]->value->ec == errc::none);
    CHECK(queued[i]->value->base_offset == static_cast<int64_t>(i + 1));
  }
  CHECK(flusher->pending() == 0);
}

TEST_CASE_METHOD(flush_fixture, "a failed flush answers its appends with a storage error",
                 "[log_flush]") {
  lcfg.flush_messages = 1;
  open();
  auto a = append();
  complete_flush(std::make_error_code(std::errc::io_error));
  REQUIRE(a->value);
  CHECK(a->value->ec == errc::storage_error);
  // The next append waits for a flush of its own, which works again.
  auto b = append();
  complete_flush();
  REQUIRE(b->value);
  CHECK(b->value->ec == errc::none);
}

TEST_CASE_METHOD(flush_fixture, "flush.ms flushes in the background, appends never wait",
                 "[log_flush]") {
  lcfg.flush_ms = 1000;
  open();
  auto a = append();
  REQUIRE(a->done()); // acknowledged at once
  CHECK(flusher->pending() == 0);
  sched.advance_time(999ms);
  sched.run();
  CHECK(flusher->pending() == 0);
  sched.advance_time(1ms);
  sched.run();
  REQUIRE(flusher->pending() == 1);
  complete_flush();
  // Nothing unflushed: no further timer.
  sched.advance_time(5000ms);
  sched.run();
  CHECK(flusher->pending() == 0);
}

TEST_CASE_METHOD(flush_fixture, "the defaults never flush an append", "[log_flush]") {
  open();
  for (int i = 0; i < 5; ++i)
    CHECK(append()->done());
  sched.advance_time(std::chrono::hours(24));
  sched.run();
  CHECK(flusher->pending() == 0);
}

TEST_CASE_METHOD(flush_fixture, "reconfigure switches the flush policy live", "[log_flush]") {
  open();
  CHECK(append()->done());
  configure(1, INT64_MAX);
  auto held = append();
  CHECK_FALSE(held->done());
  configure(INT64_MAX, INT64_MAX);
  // Still waiting for its flush, and the next append queues behind it (replies stay in order).
  auto behind = append();
  CHECK_FALSE(held->done());
  CHECK_FALSE(behind->done());
  complete_flush();
  CHECK(held->done());
  if (!behind->done())
    complete_flush();
  CHECK(behind->done());
  CHECK(append()->done()); // the default policy again
  CHECK(flusher->pending() == 0);
  // flush.ms switched on live arms its timer.
  configure(INT64_MAX, 100);
  CHECK(append()->done());
  sched.advance_time(100ms);
  sched.run();
  REQUIRE(flusher->pending() == 1);
  complete_flush();
  CHECK(flusher->pending() == 0);
}

TEST_CASE_METHOD(flush_fixture, "appends waiting at shutdown are answered after the close",
                 "[log_flush]") {
  lcfg.flush_messages = 1;
  open();
  auto a = append();
  CHECK_FALSE(a->done());
  caf::anon_send_exit(log, caf::exit_reason::user_shutdown);
  sched.run();
  log = nullptr;
  REQUIRE(a->done());
  REQUIRE(a->value);
  CHECK(a->value->ec == errc::none); // close() synced it
  CHECK(std::filesystem::exists(lcfg.dir / ".cafka_clean_shutdown"));
}
