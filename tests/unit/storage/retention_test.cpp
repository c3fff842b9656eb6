// Retention and DeleteRecords on real temp dirs: the rules (segments_to_delete), time and size
// retention, the log start offset and its checkpoint, the two-step delete and crash recovery.
#include "storage/log.hpp"
#include "storage/retention.hpp"
#include "storage/start_offset_checkpoint.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;

namespace {

constexpr int64_t old_ts = 1000;            // 1970: long expired
constexpr int64_t new_ts = 1700000000000;   // "now" in these tests is new_ts + 1000
constexpr int64_t now = new_ts + 1000;

struct fixture {
  test::temp_dir tmp;
  log_config cfg;

  fixture() {
    cfg.dir = tmp.path / "topic-0";
    cfg.segment_bytes = 800; // 5 batches of 148 bytes: 15 offsets per segment
    cfg.index_interval_bytes = 100;
  }

  // Appends n batches of 3 records with timestamps ts, ts+1, ts+2.
  static void fill(storage::log& l, int n, int64_t ts) {
    for (int i = 0; i < n; ++i) {
      auto b = test::make_batch(3, ts, i * 3, 20);
      REQUIRE_FALSE(test::append_patched(l, b, 0).ec);
    }
  }

  size_t count_files(const std::string& suffix) const {
    size_t n = 0;
    for (auto& e : fs::directory_iterator(cfg.dir)) {
      auto name = e.path().filename().string();
      if (name.size() >= suffix.size()
          && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        ++n;
    }
    return n;
  }
};

retention_policy policy(int64_t ms, int64_t bytes, int64_t delay = 0) {
  retention_policy p;
  p.retention_ms = ms;
  p.retention_bytes = bytes;
  p.delete_delay_ms = delay;
  return p;
}

} // namespace

TEST_CASE("segments_to_delete: time, size and start offset rules, never the active segment",
          "[retention]") {
  std::vector<segment_summary> segs{{0, 10, 100, 50}, {10, 20, 100, 60}, {20, 30, 100, 500},
                                    {30, 35, 50, 40}};
  CHECK(segments_to_delete(segs, policy(-1, -1), 1000, 0) == 0);
  // Time: older than 1000 - 900 = 100 → the first two; the third (500) stops the rule.
  CHECK(segments_to_delete(segs, policy(900, -1), 1000, 0) == 2);
  // The active segment (max ts 40) never goes, however old.
  CHECK(segments_to_delete(segs, policy(0, -1), 100000, 0) == 3);
  // Size: total 350; drop the oldest while the rest is still >= 150.
  CHECK(segments_to_delete(segs, policy(-1, 150), 0, 0) == 2);
  CHECK(segments_to_delete(segs, policy(-1, 350), 0, 0) == 0);
  CHECK(segments_to_delete(segs, policy(-1, 0), 0, 0) == 3);
  // Start offset: segments whose successor starts at or below it.
  CHECK(segments_to_delete(segs, policy(-1, -1), 0, 19) == 1);
  CHECK(segments_to_delete(segs, policy(-1, -1), 0, 20) == 2);
  CHECK(segments_to_delete(segs, policy(-1, -1), 0, 35) == 3);
  // No timestamps: never expires by time.
  CHECK(segments_to_delete({{0, 10, 100, -1}, {10, 20, 1, -1}}, policy(0, -1), 1000, 0) == 0);
  CHECK(segments_to_delete({{0, 10, 100, 50}}, policy(0, 0), 1000, 0) == 0);
}

TEST_CASE_METHOD(fixture, "time retention deletes old segments and moves the start offset",
                 "[retention]") {
  auto l = test::open_log(cfg);
  fill(*l, 10, old_ts); // offsets 0..29: two segments
  fill(*l, 10, new_ts); // offsets 30..59, the last segment is the active one
  REQUIRE(l->segment_count() == 4);
  std::error_code ec;
  CHECK(l->apply_retention(policy(60000, -1), now, ec) == 2);
  CHECK_FALSE(ec);
  CHECK(l->segment_count() == 2);
  CHECK(l->log_start_offset() == 30);
  CHECK(l->log_end_offset() == 60);
  CHECK(l->read(29, 1000).ec == errc::offset_out_of_range);
  CHECK(l->read(0, 1000).ec == errc::offset_out_of_range);
  auto r = l->read(30, 1000);
  REQUIRE_FALSE(r.ec);
  CHECK(test::batch_bases(r.records).front() == 30);
  // Delay 0: nothing lingers, neither the live files nor `.deleted` ones.
  CHECK_FALSE(fs::exists(cfg.dir / "00000000000000000000.log"));
  CHECK(count_files(".deleted") == 0);
  CHECK(count_files(".log") == 2);
  // Earliest by time now maps into the live log.
  CHECK(l->offset_for_timestamp(0).offset == 30);
  // Nothing else has expired.
  CHECK(l->apply_retention(policy(60000, -1), now, ec) == 0);
}

TEST_CASE_METHOD(fixture, "retention never deletes the active segment", "[retention]") {
  auto l = test::open_log(cfg);
  fill(*l, 12, old_ts);
  auto end = l->log_end_offset();
  std::error_code ec;
  l->apply_retention(policy(0, 0), now, ec);
  CHECK_FALSE(ec);
  REQUIRE(l->segment_count() == 1);
  CHECK(l->log_start_offset() == 30);
  CHECK(l->log_end_offset() == end);
  fill(*l, 1, new_ts); // still appendable
  CHECK(l->log_end_offset() == end + 3);
}

TEST_CASE_METHOD(fixture, "size retention keeps at least retention.bytes", "[retention]") {
  auto l = test::open_log(cfg);
  fill(*l, 20, new_ts); // 4 full segments of 5 batches
  REQUIRE(l->segment_count() == 4);
  auto total = l->size_bytes();
  auto batch = total / 20;
  std::error_code ec;
  // One batch more than three segments: only the first segment may go.
  CHECK(l->apply_retention(policy(-1, static_cast<int64_t>(total - 5 * batch)), now, ec) == 1);
  CHECK(l->log_start_offset() == 15);
  CHECK(l->size_bytes() == total - 5 * batch);
  CHECK(l->apply_retention(policy(-1, static_cast<int64_t>(6 * batch)), now, ec) == 1);
  CHECK(l->log_start_offset() == 30);
  CHECK(l->size_bytes() >= 6 * batch);
}

TEST_CASE_METHOD(fixture, "advancing the start offset is checkpointed and survives reopen",
                 "[retention]") {
  {
    auto l = test::open_log(cfg);
    fill(*l, 12, new_ts); // offsets 0..35, segments at 0, 15, 30
    CHECK(l->advance_start_offset(7, now, 0) == std::error_code{});
    CHECK(l->log_start_offset() == 7);
    CHECK(l->segment_count() == 3); // segment 0 still holds 7..14
    CHECK(l->read(6, 100).ec == errc::offset_out_of_range);
    auto r = l->read(7, 100);
    REQUIRE_FALSE(r.ec);
    CHECK(test::batch_bases(r.records).front() == 6); // the batch that contains 7
    CHECK(l->advance_start_offset(3, now, 0) == std::error_code{}); // never backwards
    CHECK(l->log_start_offset() == 7);
    CHECK(l->advance_start_offset(37, now, 0) == make_error_code(errc::offset_out_of_range));
    REQUIRE(l->close() == std::error_code{});
  }
  std::error_code ec;
  CHECK(read_start_offset(cfg.dir, ec) == 7);
  {
    auto l = test::open_log(cfg);
    CHECK(l->log_start_offset() == 7);
    CHECK(l->advance_start_offset(20, now, 0) == std::error_code{});
    CHECK(l->segment_count() == 2);
    CHECK(l->log_start_offset() == 20);
    // No close: reopening after a crash keeps it too.
  }
  auto l = test::open_log(cfg);
  CHECK(l->log_start_offset() == 20);
  CHECK(l->read(19, 100).ec == errc::offset_out_of_range);
  CHECK_FALSE(l->read(20, 100).ec);
  // Up to the log end: everything gone but the active segment.
  CHECK(l->advance_start_offset(36, now, 0) == std::error_code{});
  CHECK(l->segment_count() == 1);
  CHECK(l->log_start_offset() == 36);
  CHECK(l->read(36, 100).records.empty());
}

TEST_CASE_METHOD(fixture, "deleted segments linger for the delay, then are removed",
                 "[retention]") {
  auto l = test::open_log(cfg);
  fill(*l, 12, old_ts);
  std::error_code ec;
  CHECK(l->apply_retention(policy(0, -1, 60000), now, ec) == 2);
  CHECK(count_files(".log.deleted") == 2);
  CHECK(count_files(".index.deleted") == 2);
  CHECK(l->next_purge_due() == now + 60000);
  CHECK(l->purge_deleted(now + 59999, ec) == 0);
  CHECK(count_files(".deleted") == 6);
  CHECK(l->purge_deleted(now + 60000, ec) == 2);
  CHECK(count_files(".deleted") == 0);
  CHECK(l->next_purge_due() == -1);
}

TEST_CASE_METHOD(fixture, "a crash between rename and removal leaves a valid log",
                 "[retention]") {
  {
    auto l = test::open_log(cfg);
    fill(*l, 12, new_ts);
    CHECK(l->advance_start_offset(16, now, 60000) == std::error_code{});
    CHECK(count_files(".deleted") == 3);
  } // destroyed without close(): a crash
  {
    auto l = test::open_log(cfg);
    CHECK(count_files(".deleted") == 0);
    CHECK(test::any_notice_contains(*l, "removed 00000000000000000000.log.deleted"));
    CHECK(l->log_start_offset() == 16);
    CHECK(l->segment_count() == 2);
    CHECK_FALSE(l->read(16, 10000).ec);
    REQUIRE(l->close() == std::error_code{});
  }
  // A crash after only the .log was renamed: its indexes are orphans, the rest stays valid.
  fs::rename(cfg.dir / "00000000000000000015.log", cfg.dir / "00000000000000000015.log.deleted");
  auto l = test::open_log(cfg);
  CHECK(count_files(".deleted") == 0);
  CHECK_FALSE(fs::exists(cfg.dir / "00000000000000000015.index"));
  CHECK(l->segment_count() == 1);
  CHECK(l->log_start_offset() == 30);
  CHECK(l->log_end_offset() == 36);
  CHECK(l->read(16, 100).ec == errc::offset_out_of_range);
  CHECK_FALSE(l->read(30, 100).ec);
}

TEST_CASE_METHOD(fixture, "start offset checkpoint: format and malformed files", "[retention]") {
  fs::create_directories(cfg.dir);
  std::error_code ec;
  CHECK(read_start_offset(cfg.dir, ec) == -1);
  CHECK_FALSE(ec);
  REQUIRE(write_start_offset(cfg.dir, 42) == std::error_code{});
  auto bytes = test::read_file(cfg.dir / start_offset_file);
  CHECK(std::string(bytes.begin(), bytes.end()) == "0\n42\n");
  CHECK(read_start_offset(cfg.dir, ec) == 42);
  test::write_file(cfg.dir / start_offset_file, {'x'});
  read_start_offset(cfg.dir, ec);
  CHECK(ec == make_error_code(errc::storage_error));
}
