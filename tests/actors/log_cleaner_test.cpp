// The log actor's cleaner: a timer every log.cleaner.backoff.ms runs cleaning passes on a
// compacted log, step by step; reconfiguring a log to compact starts it; compacted logs refuse
// keyless records. Deterministic: the timer fires only when the test clock advances.
#include "actors/log_actor.hpp"
#include "fixture.hpp"

#include <map>

using namespace cafka;
using namespace cafka::test;
namespace fs = std::filesystem;

namespace {

std::vector<char> keyed_batch(const std::vector<std::pair<std::string, std::string>>& recs) {
  storage::batch_builder b;
  for (auto& [k, v] : recs)
    b.add(std::string_view{k}, std::string_view{v}, 1000);
  return b.build();
}

struct cleaner_fixture : fixture {
  storage::log_config lcfg;
  log_actor log;

  cleaner_fixture() {
    lcfg.dir = dir.path / "compacted-0";
    lcfg.segment_bytes = 400;
    lcfg.cleanup.compact = true;
    lcfg.cleanup.delete_enabled = false;
    lcfg.cleanup.min_cleanable_dirty_ratio = 0.01;
  }

  void open() {
    std::error_code ec;
    auto lg = open_partition_log(lcfg, "compacted-0", ec);
    REQUIRE(lg);
    log_retention r;
    r.policy.delete_delay_ms = 0;
    r.cleaner.enabled = true;
    r.cleaner.backoff_ms = 1000;
    r.cleaner.dedupe_buffer_bytes = 1 << 20;
    log = sys.spawn(retaining_log_actor_impl, std::move(lg), std::string{"compacted-0"}, r);
    sched.run();
  }

  // Three rounds of values for keys k0..k9, one batch of two records each.
  void overwrite_rounds(int rounds) {
    for (int round = 0; round < rounds; ++round)
      for (int k = 0; k < 10; k += 2) {
        auto b = keyed_batch({{"k" + std::to_string(k), "r" + std::to_string(round)},
                              {"k" + std::to_string(k + 1), "r" + std::to_string(round)}});
        REQUIRE(call<append_reply>(log, append_atom::value, storage::record_bytes(b), int32_t{0}).ec == errc::none);
      }
  }

  // Every record from the log start, reading segment by segment.
  std::vector<decoded_record> read_all() {
    std::vector<decoded_record> out;
    int64_t offset = 0;
    for (;;) {
      auto r = call<read_reply>(log, read_atom::value, offset, int32_t{1 << 20});
      REQUIRE(r.ec == errc::none);
      if (r.records.empty())
        return out;
      auto recs = decode(r.records);
      if (recs.empty())
        return out;
      out.insert(out.end(), recs.begin(), recs.end());
      offset = recs.back().offset + 1;
      if (offset >= r.log_end_offset)
        return out;
    }
  }

  ~cleaner_fixture() {
    if (log)
      caf::anon_send_exit(log, caf::exit_reason::user_shutdown);
    sched.run();
  }
};

} // namespace

TEST_CASE_METHOD(cleaner_fixture, "the cleaner timer compacts a compacted log", "[cleaner]") {
  open();
  overwrite_rounds(3);
  auto before = read_all();
  REQUIRE(before.size() == 30);
  sched.advance_time(std::chrono::milliseconds(999));
  sched.run();
  CHECK(read_all().size() == 30); // nothing before the timer fires
  CHECK_FALSE(fs::exists(lcfg.dir / "cleaner-offset-checkpoint"));
  sched.advance_time(std::chrono::milliseconds(1));
  sched.run(); // the timer's pass runs all its steps
  auto after = read_all();
  CHECK(after.size() < 30);
  CHECK(after.size() >= 10);
  for (size_t i = 1; i < after.size(); ++i)
    CHECK(after[i].offset > after[i - 1].offset);
  // Each key's latest value survives: the last round is at offsets 20..29.
  size_t last_round = 0;
  for (auto& r : after)
    last_round += r.value == "r2" ? 1 : 0;
  CHECK(last_round == 10);
  CHECK(fs::exists(lcfg.dir / "cleaner-offset-checkpoint"));
  // The timer re-arms: more overwrites are cleaned on a later tick.
  overwrite_rounds(3);
  sched.advance_time(std::chrono::milliseconds(1000));
  sched.run();
  auto later = read_all();
  size_t old_values = 0;
  for (auto& r : later)
    old_values += r.value == "r0" || r.value == "r1" ? 1 : 0;
  CHECK(old_values < 10); // the second r0/r1 rounds in sealed segments are gone
}

TEST_CASE_METHOD(cleaner_fixture, "reconfiguring a log to compact starts cleaning",
                 "[cleaner]") {
  lcfg.cleanup.compact = false;
  open();
  overwrite_rounds(3);
  sched.advance_time(std::chrono::hours(1));
  sched.run();
  CHECK(read_all().size() == 30); // not compacted: the cleaner leaves it alone
  log_settings settings;
  settings.log = lcfg;
  settings.log.cleanup.compact = true;
  settings.retention.delete_delay_ms = 0;
  CHECK(call<errc>(log, configure_atom::value, settings) == errc::none);
  sched.run(); // no need to wait for a timer: the change triggers a check
  CHECK(read_all().size() < 30);
}

TEST_CASE_METHOD(cleaner_fixture, "a compacted log refuses keyless records", "[cleaner]") {
  open();
  auto reply = call<append_reply>(log, append_atom::value, storage::record_bytes(make_batch({"no key"})), int32_t{0});
  CHECK(reply.ec == errc::invalid_record);
  auto ok = call<append_reply>(log, append_atom::value, storage::record_bytes(keyed_batch({{"k", "v"}})), int32_t{0});
  CHECK(ok.ec == errc::none);
  CHECK(ok.base_offset == 0);
}
