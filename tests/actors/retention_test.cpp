// Retention and DeleteRecords through the actors, deterministically: the log actor's retention
// timer fires only when the test clock is advanced; DeleteRecords goes through the replica.
#include "actors/log_actor.hpp"
#include "actors/partition_factory.hpp"
#include "actors/topic_config.hpp"
#include "fixture.hpp"

using namespace cafka;
using namespace cafka::test;
namespace fs = std::filesystem;

namespace {

constexpr int64_t old_ts = 1000; // 1970: expired under any finite retention.ms
const std::string payload(100, 'x');

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

size_t count_files(const fs::path& dir, const std::string& ext) {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext)
      ++n;
  return n;
}

struct retention_fixture : fixture {
  storage::log_config lcfg;
  log_actor log;

  retention_fixture() {
    lcfg.dir = dir.path / "p-0";
    lcfg.segment_bytes = 400; // two of our batches per segment
  }

  void open(log_retention r) {
    std::error_code ec;
    auto lg = open_partition_log(lcfg, "p-0", ec);
    REQUIRE(lg);
    log = sys.spawn(retaining_log_actor_impl, std::move(lg), std::string{"p-0"}, r);
    sched.run();
  }

  void append(int n, int64_t ts) {
    for (int i = 0; i < n; ++i)
      REQUIRE(call<append_reply>(log, append_atom::value, storage::record_bytes(make_batch({payload}, ts)),
                                 int32_t{0})
                .ec
              == errc::none);
  }

  int64_t earliest() {
    return call<offset_reply>(log, offset_for_ts_atom::value, int64_t{-2}).offset;
  }

  ~retention_fixture() {
    if (log)
      caf::anon_send_exit(log, caf::exit_reason::user_shutdown);
    sched.run();
  }
};

log_retention every_second(int64_t retention_ms, int64_t delay_ms = 0) {
  log_retention r;
  r.policy.retention_ms = retention_ms;
  r.policy.delete_delay_ms = delay_ms;
  r.check_interval_ms = 1000;
  return r;
}

} // namespace

TEST_CASE_METHOD(retention_fixture, "the retention timer deletes expired segments",
                 "[retention]") {
  open(every_second(3600000));
  append(6, old_ts);       // offsets 0..5 in segments 0, 2, 4 (the last is active)
  REQUIRE(count_files(lcfg.dir, ".log") == 3);
  sched.run();
  CHECK(earliest() == 0);  // nothing happens before the timer fires
  sched.advance_time(std::chrono::milliseconds(1000));
  sched.run();
  CHECK(earliest() == 4);  // the active segment stays
  CHECK(count_files(lcfg.dir, ".log") == 1);
  CHECK(call<read_reply>(log, read_atom::value, int64_t{3}, int32_t{1024}).ec
        == errc::offset_out_of_range);
  // The timer re-arms: later segments expire on a later tick; fresh records never do.
  append(2, old_ts);        // 6, 7: segment 4 closes
  append(2, wall_ms());     // 8, 9: segment 6 (old) closes
  append(1, wall_ms());     // 10: segment 8 (fresh) closes
  sched.advance_time(std::chrono::milliseconds(1000));
  sched.run();
  CHECK(earliest() == 8);
}

TEST_CASE_METHOD(retention_fixture, "deleted segments are removed after the delete delay",
                 "[retention]") {
  open(every_second(0, 5000));
  append(3, old_ts);
  sched.advance_time(std::chrono::milliseconds(1000));
  sched.run();
  CHECK(earliest() == 2);
  CHECK(count_files(lcfg.dir, ".deleted") == 3); // segment 0: .log, .index, .timeindex
  sched.advance_time(std::chrono::milliseconds(4000));
  sched.run();
  CHECK(count_files(lcfg.dir, ".deleted") > 0);
  sched.advance_time(std::chrono::milliseconds(1000));
  sched.run();
  CHECK(count_files(lcfg.dir, ".deleted") == 0);
}

TEST_CASE_METHOD(retention_fixture, "no timer without a check interval", "[retention]") {
  log_retention r = every_second(0);
  r.check_interval_ms = 0;
  open(r);
  append(3, old_ts);
  sched.advance_time(std::chrono::hours(1));
  sched.run();
  CHECK(earliest() == 0);
}

TEST_CASE_METHOD(fixture, "DeleteRecords through the replica moves the low watermark",
                 "[retention]") {
  bcfg.log_segment_bytes = 400;
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  const std::string payload(100, 'x');
  for (int i = 0; i < 5; ++i) // offsets 0..9, two records per batch, one batch per segment
    REQUIRE(produce(r, make_batch({payload, payload})).ec == errc::none);
  auto del = [&](int64_t offset) {
    return call<offset_reply>(r, delete_records_atom::value, offset);
  };
  CHECK(del(11).ec == errc::offset_out_of_range); // beyond the HW (10)
  CHECK(del(-2).ec == errc::offset_out_of_range);
  auto d = del(5);
  CHECK(d.ec == errc::none);
  CHECK(d.offset == 5);
  CHECK(del(3).offset == 5); // never backwards
  auto dir = partition_dir(bcfg, "t", 0);
  CHECK_FALSE(fs::exists(dir / "00000000000000000000.log")); // wholly below 5
  CHECK(fs::exists(dir / "00000000000000000004.log"));       // holds 4 and 5
  CHECK(fetch(r, 4).ec == errc::offset_out_of_range);
  auto f = fetch(r, 5);
  CHECK(f.ec == errc::none);
  CHECK(f.log_start_offset == 5);
  CHECK(call<offset_reply>(r, list_offsets_atom::value, int64_t{-2}).offset == 5);
  CHECK(produce(r, make_batch({"a"})).log_start_offset == 5);
  CHECK(call<replica_status>(r, status_atom::value).log_start_offset == 5);
  // -1: up to the high watermark.
  auto all = del(-1);
  CHECK(all.ec == errc::none);
  CHECK(all.offset == 11);
  CHECK(fetch(r, 11).ec == errc::none);
  CHECK(fetch(r, 10).ec == errc::offset_out_of_range);
  // The start offset survives a restart.
  stop_node();
  start_node();
  auto again = replica("t");
  CHECK(call<offset_reply>(again, list_offsets_atom::value, int64_t{-2}).offset == 11);
  CHECK(fetch(again, 10).ec == errc::offset_out_of_range);
}

TEST_CASE_METHOD(fixture, "topic retention configs are validated and applied", "[retention]") {
  start_node();
  create_topic_args bad;
  bad.name = "bad";
  bad.configs["retention.ms"] = "soon";
  auto res = call<topic_result>(node, create_topic_atom::value, bad);
  CHECK(res.ec == errc::invalid_config);
  CHECK(res.message.find("retention.ms") != std::string::npos);
  bad.configs = {{"retention.bytes", "-2"}};
  CHECK(call<topic_result>(node, create_topic_atom::value, bad).ec == errc::invalid_config);
  bad.configs = {{"retention.ms", "60000"}, {"retention.bytes", "-1"}, {"x.y", "z"}};
  res = call<topic_result>(node, create_topic_atom::value, bad);
  CHECK(res.ec == errc::invalid_config);
  CHECK(res.message == "Unknown topic config name: x.y");
  bad.configs = {{"retention.ms", "60000"}, {"retention.bytes", "-1"}};
  CHECK(call<topic_result>(node, create_topic_atom::value, bad).ec == errc::none);

  broker_config cfg;
  cfg.log_retention_minutes = 5;
  cfg.log_retention_bytes = 1000;
  cfg.log_segment_delete_delay_ms = 0;
  auto p = resolve_log_settings(cfg, {}).retention;
  CHECK(p.retention_ms == 300000);
  CHECK(p.retention_bytes == 1000);
  CHECK(p.delete_delay_ms == 0);
  cfg.log_retention_ms = -1; // ms wins
  CHECK(resolve_log_settings(cfg, {}).retention.retention_ms == -1);
  p = resolve_log_settings(cfg, {{"retention.ms", "10"}, {"retention.bytes", "20"}}).retention;
  CHECK(p.retention_ms == 10);
  CHECK(p.retention_bytes == 20);
  CHECK(broker_config{}.retention_ms() == 168LL * 3600000);
}
