// The leader epoch cache on its own (rules, queries, checkpoint file) and as storage::log keeps
// it: appends, reopen, rebuild after a lost or bad checkpoint, truncation, retention,
// DeleteRecords and reset.
#include "storage/leader_epoch_cache.hpp"
#include "storage/log.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;
using test::make_batch;
using test::open_log;

namespace {

using entries = std::vector<epoch_entry>;

std::string file_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream{p, std::ios::trunc} << text;
}

// Appends one batch of n records with the given epoch; returns its base offset.
int64_t append(storage::log& l, int32_t epoch, int n = 2, size_t value_size = 0) {
  auto b = make_batch(n, 1000, 0, value_size);
  auto r = test::append_patched(l, b, epoch, 1000);
  REQUIRE_FALSE(r.ec);
  return r.base_offset;
}

bool same(const epoch_end& a, int32_t epoch, int64_t end) {
  return a.epoch == epoch && a.end_offset == end;
}

struct log_fixture {
  test::temp_dir tmp;
  log_config cfg;
  log_fixture() { cfg.dir = tmp.path / "p-0"; }
  fs::path checkpoint() const { return cfg.dir / leader_epoch_file; }
};

} // namespace

TEST_CASE("epoch cache: only newer epochs add entries", "[epochs]") {
  leader_epoch_cache c;
  CHECK(c.latest_epoch() == -1);
  CHECK(c.assign(0, 0));
  CHECK_FALSE(c.assign(0, 5));  // same epoch
  CHECK(c.assign(3, 10));
  CHECK_FALSE(c.assign(2, 20)); // older epoch
  CHECK_FALSE(c.assign(-1, 30)); // no epoch
  CHECK_FALSE(c.assign(4, 9));  // starts before the latest
  CHECK(c.entries() == entries{{0, 0}, {3, 10}});
  // A newer epoch at the same start: the latest wrote nothing, the new one takes its place.
  CHECK(c.assign(4, 10));
  CHECK(c.entries() == entries{{0, 0}, {4, 10}});
  CHECK(c.latest_epoch() == 4);
}

TEST_CASE("epoch cache: end offsets follow Kafka's OffsetsForLeaderEpoch", "[epochs]") {
  leader_epoch_cache c;
  CHECK(same(c.end_offset_for(0, 7), -1, -1)); // empty
  c.assign(2, 5);
  c.assign(4, 20);
  c.assign(7, 30);
  CHECK(same(c.end_offset_for(1, 50), -1, -1)); // below the first epoch: UNDEFINED
  CHECK(same(c.end_offset_for(2, 50), 2, 20));
  CHECK(same(c.end_offset_for(3, 50), 2, 20));  // largest epoch <= 3 is 2
  CHECK(same(c.end_offset_for(4, 50), 4, 30));
  CHECK(same(c.end_offset_for(6, 50), 4, 30));
  CHECK(same(c.end_offset_for(7, 50), 7, 50));  // the latest ends at the log end
  CHECK(same(c.end_offset_for(9, 50), 7, 50));
}

TEST_CASE("epoch cache: truncation from the end and from the start", "[epochs]") {
  leader_epoch_cache c;
  c.assign(1, 0);
  c.assign(2, 10);
  c.assign(3, 20);
  SECTION("from the end drops entries starting at or after the offset") {
    CHECK_FALSE(c.truncate_from_end(21));
    CHECK(c.truncate_from_end(20));
    CHECK(c.entries() == entries{{1, 0}, {2, 10}});
    CHECK(c.truncate_from_end(0));
    CHECK(c.empty());
  }
  SECTION("from the start keeps the last entry below, moved to the new start") {
    CHECK_FALSE(c.truncate_from_start(0));
    CHECK(c.truncate_from_start(15));
    CHECK(c.entries() == entries{{2, 15}, {3, 20}});
    CHECK(c.truncate_from_start(20)); // 2 ends where 3 starts: 3 covers the start
    CHECK(c.entries() == entries{{3, 20}});
    CHECK(c.truncate_from_start(40));
    CHECK(c.entries() == entries{{3, 40}});
    CHECK_FALSE(c.truncate_from_start(40));
  }
}

TEST_CASE("epoch cache: checkpoint round trip in Kafka's text format", "[epochs]") {
  test::temp_dir tmp;
  leader_epoch_cache c;
  c.assign(0, 0);
  c.assign(3, 17);
  REQUIRE_FALSE(c.write(tmp.path));
  CHECK(file_text(tmp.path / leader_epoch_file) == "0\n2\n0 0\n3 17\n");
  CHECK_FALSE(fs::exists(tmp.path / (std::string{leader_epoch_file} + ".tmp")));
  leader_epoch_cache back;
  bool malformed = true;
  REQUIRE(back.read(tmp.path, malformed));
  CHECK_FALSE(malformed);
  CHECK(back.entries() == c.entries());
  leader_epoch_cache empty;
  REQUIRE_FALSE(empty.write(tmp.path));
  CHECK(file_text(tmp.path / leader_epoch_file) == "0\n0\n");
  REQUIRE(back.read(tmp.path, malformed));
  CHECK(back.empty());
}

TEST_CASE("epoch cache: a malformed checkpoint is refused", "[epochs]") {
  test::temp_dir tmp;
  auto bad = GENERATE(as<std::string>{}, "", "1\n0\n", "0\n2\n0 0\n", "0\n2\n3 0\n2 5\n",
                      "0\n2\n0 5\n1 5\n", "0\n1\n0 0\n1 5\n", "0\n1\nx y\n", "0\n1\n-1 0\n");
  INFO("file: " << bad);
  write_text(tmp.path / leader_epoch_file, bad);
  leader_epoch_cache c;
  c.assign(9, 9);
  bool malformed = false;
  CHECK_FALSE(c.read(tmp.path, malformed));
  CHECK(malformed);
  CHECK(c.entries() == entries{{9, 9}}); // untouched
  fs::remove(tmp.path / leader_epoch_file);
  CHECK_FALSE(c.read(tmp.path, malformed));
  CHECK_FALSE(malformed); // absent is not malformed
}

TEST_CASE_METHOD(log_fixture, "log: appends with newer epochs add entries that survive reopen",
                 "[epochs][log]") {
  auto l = open_log(cfg);
  CHECK(l->latest_epoch() == -1);
  CHECK(same(l->end_offset_for(0), -1, -1));
  CHECK(same(l->end_offset_for(-1), -1, 0));
  CHECK_FALSE(fs::exists(checkpoint())); // nothing to say yet
  append(*l, 0);      // 0..1
  append(*l, 0);      // 2..3
  append(*l, 2);      // 4..5
  append(*l, 2);      // 6..7
  append(*l, 5);      // 8..9
  CHECK(l->epoch_entries() == entries{{0, 0}, {2, 4}, {5, 8}});
  CHECK(file_text(checkpoint()) == "0\n3\n0 0\n2 4\n5 8\n");
  CHECK(same(l->end_offset_for(0), 0, 4));
  CHECK(same(l->end_offset_for(3), 2, 8));
  CHECK(same(l->end_offset_for(5), 5, 10));
  CHECK(same(l->end_offset_for(-1), 5, 10));
  REQUIRE_FALSE(l->close());
  l = open_log(cfg);
  CHECK(l->epoch_entries() == entries{{0, 0}, {2, 4}, {5, 8}});
  for (auto& n : l->recovery_notices())
    FAIL_CHECK(n);
  // Also after a crash (no close): the checkpoint agrees with the log, nothing is rebuilt.
  append(*l, 6);
  l.reset();
  l = open_log(cfg);
  CHECK(l->epoch_entries() == entries{{0, 0}, {2, 4}, {5, 8}, {6, 10}});
  CHECK_FALSE(test::any_notice_contains(*l, leader_epoch_file));
}

TEST_CASE_METHOD(log_fixture, "log: a lost or wrong checkpoint is rebuilt from the batch headers",
                 "[epochs][log]") {
  cfg.segment_bytes = 600; // several segments, epoch changes inside and between them
  auto l = open_log(cfg);
  int32_t epoch = 0;
  for (int i = 0; i < 30; ++i) {
    if (i % 7 == 3)
      epoch += 2;
    append(*l, epoch, 2, 20);
  }
  REQUIRE(l->segment_count() >= 4);
  auto want = l->epoch_entries();
  REQUIRE(want.size() == 5);
  REQUIRE_FALSE(l->close());

  auto [damage, reason] = GENERATE(table<std::string, std::string>({
    {"delete", "missing"},
    {"0\n3\nzz", "malformed"},
    {"0\n1\n0 0\n", "did not match the log"},                       // lost the later epochs
    {"0\n2\n0 0\n4 20\n", "did not match the log"},                 // an epoch in between lost
    {"0\n5\n0 0\n2 8\n4 20\n6 34\n8 48\n", "did not match the log"}, // a start moved
    {"0\n1\n3 0\n", "did not match the log"},                       // wrong epoch
  }));
  INFO(damage);
  if (damage == "delete")
    fs::remove(checkpoint());
  else
    write_text(checkpoint(), damage);
  l = open_log(cfg);
  CHECK(l->epoch_entries() == want);
  CHECK(test::any_notice_contains(*l, "rebuilt leader-epoch-checkpoint from the batch headers ("
                                        + reason + ")"));
  // Rewritten: the next open finds it right.
  l.reset();
  l = open_log(cfg);
  CHECK(l->epoch_entries() == want);
  CHECK_FALSE(test::any_notice_contains(*l, leader_epoch_file));
}

TEST_CASE_METHOD(log_fixture, "log: checkpoint entries past the log end are dropped at open",
                 "[epochs][log]") {
  auto l = open_log(cfg);
  append(*l, 1);
  append(*l, 3);
  l.reset();
  // What a crash after the checkpoint write but before the segment write would leave.
  write_text(checkpoint(), "0\n3\n1 0\n3 2\n4 4\n");
  l = open_log(cfg);
  CHECK(l->epoch_entries() == entries{{1, 0}, {3, 2}});
  CHECK_FALSE(test::any_notice_contains(*l, leader_epoch_file));
  CHECK(file_text(checkpoint()) == "0\n2\n1 0\n3 2\n");
}

TEST_CASE_METHOD(log_fixture, "log: truncate_to drops the epochs at and after the cut",
                 "[epochs][log][truncate]") {
  auto l = open_log(cfg);
  append(*l, 1); // 0
  append(*l, 2); // 2
  append(*l, 2); // 4
  append(*l, 4); // 6
  REQUIRE_FALSE(l->truncate_to(6));
  CHECK(l->epoch_entries() == entries{{1, 0}, {2, 2}});
  CHECK(same(l->end_offset_for(4), 2, 6));
  REQUIRE_FALSE(l->truncate_to(4));
  CHECK(l->epoch_entries() == entries{{1, 0}, {2, 2}}); // epoch 2 still has 2..3
  append(*l, 5);                                        // the new leader's batch at 4
  CHECK(l->epoch_entries() == entries{{1, 0}, {2, 2}, {5, 4}});
  REQUIRE_FALSE(l->truncate_to(2));
  CHECK(l->epoch_entries() == entries{{1, 0}});
  l.reset();
  l = open_log(cfg);
  CHECK(l->epoch_entries() == entries{{1, 0}});
  CHECK_FALSE(test::any_notice_contains(*l, leader_epoch_file));
  REQUIRE_FALSE(l->truncate_to(0));
  CHECK(l->epoch_entries().empty());
  CHECK(same(l->end_offset_for(1), -1, -1));
}

TEST_CASE_METHOD(log_fixture, "log: retention, DeleteRecords and reset move the first epoch",
                 "[epochs][log][retention]") {
  cfg.segment_bytes = 400;
  auto l = open_log(cfg);
  for (int32_t e = 0; e < 6; ++e)
    for (int i = 0; i < 3; ++i)
      append(*l, e, 2, 20);
  REQUIRE(l->segment_count() >= 4);
  REQUIRE(l->epoch_entries().size() == 6);

  retention_policy p;
  p.retention_bytes = static_cast<int64_t>(l->size_bytes() / 2);
  std::error_code ec;
  REQUIRE(l->apply_retention(p, 1000, ec) > 0);
  REQUIRE_FALSE(ec);
  auto start = l->log_start_offset();
  auto& es = l->epoch_entries();
  REQUIRE_FALSE(es.empty());
  CHECK(es.front().start_offset == start);
  CHECK(es.front().epoch == (start / 6)); // six offsets per epoch
  CHECK(same(l->end_offset_for(0), -1, -1) == (start >= 6));

  // DeleteRecords in the middle of a batch: the first entry starts exactly there.
  auto mid = start + 7;
  REQUIRE_FALSE(l->advance_start_offset(mid, 1000, 0));
  CHECK(l->epoch_entries().front().start_offset == mid);
  CHECK(l->epoch_entries().front().epoch == mid / 6);
  auto before = l->epoch_entries();
  l.reset();
  l = open_log(cfg);
  CHECK(l->epoch_entries() == before);
  CHECK_FALSE(test::any_notice_contains(*l, leader_epoch_file));

  // A lost checkpoint is rebuilt with the same clamped first entry.
  fs::remove(checkpoint());
  l.reset();
  l = open_log(cfg);
  CHECK(l->epoch_entries() == before);

  REQUIRE_FALSE(l->reset_to(l->log_end_offset() + 100));
  CHECK(l->epoch_entries().empty());
  append(*l, 9);
  CHECK(l->epoch_entries() == entries{{9, l->log_start_offset()}});
}
