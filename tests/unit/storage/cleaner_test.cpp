// Log compaction: the cleaner's rules, the rewritten batches, the checkpoint and the crash-safe
// swap (storage/cleaner.hpp, batch_filter.hpp, cleaned_segment.hpp, log_clean.cpp).
#include "storage/batch_filter.hpp"
#include "storage/cleaner.hpp"
#include "storage/cleaner_checkpoint.hpp"
#include "storage/compression.hpp"
#include "storage/crc32c.hpp"
#include "storage/fault_injection.hpp"
#include "storage/log.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <string>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;
namespace fi = cafka::storage::fault_injection;
using test::open_log;

namespace {

struct stored_record {
  int64_t offset;
  int64_t timestamp;
  std::string key;
  std::optional<std::string> value;
};

struct log_contents {
  std::vector<stored_record> records;
  std::vector<batch_header> batches;
  bool crcs_ok = true;
};

// Everything readable from the log start, batch by batch, with each batch's CRC checked.
log_contents read_all(const storage::log& l) {
  log_contents out;
  auto offset = l.log_start_offset();
  while (offset < l.log_end_offset()) {
    auto r = l.read(offset, 1 << 20);
    REQUIRE_FALSE(r.ec);
    auto bytes = r.records.flatten();
    REQUIRE_FALSE(bytes.empty());
    batch_iterator it{bytes.data(), bytes.size()};
    batch_header h;
    const char* p;
    size_t n;
    while (it.next(h, p, n)) {
      out.crcs_ok = out.crcs_ok && crc32c(p + 21, n - 21) == h.crc;
      out.batches.push_back(h);
      record_reader rr{p, n};
      record_view v;
      while (rr.next(v))
        out.records.push_back({v.offset, v.timestamp, std::string{v.key.value_or("")},
                               v.value ? std::optional<std::string>{std::string{*v.value}}
                                       : std::nullopt});
      REQUIRE_FALSE(rr.error());
      offset = h.last_offset() + 1;
    }
  }
  return out;
}

// The last value seen per key (what a consumer reading from the start ends up with).
std::map<std::string, std::optional<std::string>> latest(const std::vector<stored_record>& rs) {
  std::map<std::string, std::optional<std::string>> out;
  for (auto& r : rs)
    out[r.key] = r.value;
  return out;
}

bool strictly_increasing(const std::vector<stored_record>& rs) {
  for (size_t i = 1; i < rs.size(); ++i)
    if (rs[i].offset <= rs[i - 1].offset)
      return false;
  return true;
}

struct fixture {
  test::temp_dir tmp;
  log_config cfg;
  cleaner_options opt;
  std::vector<stored_record> written; // everything appended, in offset order
  int64_t now = wall_clock_ms();

  fixture() {
    cfg.dir = tmp.path / "compacted-0";
    cfg.segment_bytes = 1000;
    cfg.index_interval_bytes = 100;
    cfg.cleanup.compact = true;
    cfg.cleanup.delete_enabled = false;
    cfg.cleanup.min_cleanable_dirty_ratio = 0.01;
    cfg.cleanup.delete_retention_ms = 3600000;
    opt.delete_delay_ms = 0;
  }

  // One batch of (key, value) records, codec as given; a null value is a tombstone.
  void append(storage::log& l,
              const std::vector<std::pair<std::string, std::optional<std::string>>>& recs,
              int codec = codec::none, int64_t ts = -2) {
    batch_builder b;
    b.compression(codec);
    auto t = ts == -2 ? now : ts;
    for (auto& [k, v] : recs)
      b.add(std::string_view{k},
            v ? std::optional<std::string_view>{*v} : std::nullopt, t);
    auto bytes = b.build();
    auto r = test::append_patched(l, bytes, 0, now);
    REQUIRE_FALSE(r.ec);
    for (size_t i = 0; i < recs.size(); ++i)
      written.push_back({r.base_offset + static_cast<int64_t>(i), t, recs[i].first,
                         recs[i].second});
  }

  // `rounds` overwrites of keys k0..k<keys-1>, batches of `per_batch` records.
  void overwrite(storage::log& l, int keys, int rounds, int per_batch = 5, int codec = 0) {
    for (int round = 0; round < rounds; ++round)
      for (int k = 0; k < keys; k += per_batch) {
        std::vector<std::pair<std::string, std::optional<std::string>>> recs;
        for (int i = k; i < std::min(keys, k + per_batch); ++i)
          recs.push_back({"k" + std::to_string(i),
                          "v" + std::to_string(round) + "-" + std::to_string(i)});
        append(l, recs, codec);
      }
  }

  // Runs passes until the log is not due any more; returns how many passes completed.
  int clean_fully(storage::log& l, int64_t at = -1) {
    int passes = 0;
    for (int guard = 0; guard < 10000; ++guard) {
      auto r = l.clean_step(opt, at < 0 ? now : at);
      REQUIRE_FALSE(r.ec);
      if (r.done)
        ++passes;
      if (!r.more && !r.done && !r.started)
        return passes;
    }
    FAIL("cleaning did not settle");
    return passes;
  }

  // The records of `written` still live once compacted up to `clean_to`: the latest per key
  // (tombstones only when keep_tombstones), everything at or after clean_to.
  std::map<std::string, std::optional<std::string>> expected_latest(bool keep_tombstones) {
    auto all = latest(written);
    std::map<std::string, std::optional<std::string>> out;
    for (auto& [k, v] : all)
      if (v || keep_tombstones)
        out[k] = v;
    return out;
  }
};

size_t count_files(const fs::path& dir, const std::string& suffix) {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    auto name = e.path().filename().string();
    if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      ++n;
  }
  return n;
}

} // namespace

TEST_CASE_METHOD(fixture, "the cleaner keeps the latest record per key, offsets untouched",
                 "[cleaner]") {
  auto l = open_log(cfg);
  overwrite(*l, 40, 4);
  overwrite(*l, 3, 1); // k0..k2 once more: their round-3 batch loses 3 of its 5 records
  append(*l, {{"filler", std::string(900, 'f')}});
  REQUIRE(l->segment_count() > 4);
  auto end = l->log_end_offset();
  REQUIRE(clean_fully(*l) == 1);
  auto after = read_all(*l);
  CHECK(after.crcs_ok);
  CHECK(strictly_increasing(after.records));
  CHECK(l->log_end_offset() == end);
  CHECK(l->log_start_offset() == 0);
  // Every record that survived is byte-for-byte the one written at that offset.
  std::map<int64_t, stored_record> by_offset;
  for (auto& r : written)
    by_offset[r.offset] = r;
  for (auto& r : after.records) {
    auto& w = by_offset.at(r.offset);
    CHECK(r.key == w.key);
    CHECK(r.value == w.value);
    CHECK(r.timestamp == w.timestamp);
  }
  CHECK(latest(after.records) == expected_latest(true));
  // Only the active segment may still hold superseded records: the rest has one per key.
  CHECK(after.records.size() < written.size() / 2);
  CHECK(l->cleaner_checkpoint() > 0);
  CHECK(l->cleaner_checkpoint() <= l->log_end_offset());
  // Reads at offsets inside gaps land on the next surviving batch.
  auto gap = l->read(1, 1 << 20);
  REQUIRE_FALSE(gap.ec);
  auto first = read_all(*l).batches.front();
  batch_header h;
  auto bytes = gap.records.flatten();
  REQUIRE_FALSE(parse_batch_header(bytes.data(), bytes.size(), h));
  CHECK(h.last_offset() >= 1);
  CHECK(h.base_offset == first.base_offset);
  // A rebuilt batch keeps its base offset and last offset delta (gaps inside the batch).
  bool any_gappy = false;
  for (auto& b : after.batches)
    any_gappy = any_gappy || b.record_count < b.last_offset_delta + 1;
  CHECK(any_gappy);
  // Time lookups still answer.
  CHECK(l->offset_for_timestamp(now).offset >= 0);
  CHECK(l->recovery_notices().empty()); // the cleaned segments' indexes passed recovery's check
  // Reopening: the same records, nothing to repair.
  REQUIRE_FALSE(l->close());
  auto again = open_log(cfg);
  CHECK(again->recovery_notices().empty());
  CHECK(read_all(*again).records.size() == after.records.size());
  // A second pass groups the now small cleaned segments into one.
  auto first_checkpoint = again->cleaner_checkpoint();
  auto logs_below = [&] {
    size_t n = 0;
    for (auto& e : fs::directory_iterator(cfg.dir))
      if (e.path().extension() == ".log" && std::stoll(e.path().stem().string()) < first_checkpoint)
        ++n;
    return n;
  };
  auto before_second = logs_below();
  REQUIRE(before_second > 2);
  overwrite(*again, 40, 1);
  append(*again, {{"filler", std::string(900, 'g')}});
  REQUIRE(clean_fully(*again) == 1);
  CHECK(logs_below() < before_second);
  CHECK(latest(read_all(*again).records) == expected_latest(true));
}

TEST_CASE_METHOD(fixture, "cleaned indexes equal the ones recovery would rebuild", "[cleaner]") {
  auto l = open_log(cfg);
  overwrite(*l, 60, 3, 3);
  clean_fully(*l);
  REQUIRE_FALSE(l->close());
  std::map<fs::path, std::vector<char>> written_indexes;
  for (auto& e : fs::directory_iterator(cfg.dir)) {
    auto ext = e.path().extension();
    if (ext == ".index" || ext == ".timeindex") {
      written_indexes[e.path()] = test::read_file(e.path());
      fs::remove(e.path());
    }
  }
  REQUIRE(written_indexes.size() >= 4);
  auto reopened = open_log(cfg); // rebuilds all of them from the .log files
  REQUIRE_FALSE(reopened->close());
  for (auto& [path, bytes] : written_indexes) {
    INFO(path.filename().string());
    CHECK(test::read_file(path) == bytes);
  }
}

TEST_CASE_METHOD(fixture, "tombstones stay for delete.retention.ms, then go", "[cleaner]") {
  auto l = open_log(cfg);
  overwrite(*l, 20, 2);
  for (int k = 0; k < 10; ++k)
    append(*l, {{"k" + std::to_string(k), std::nullopt}});
  overwrite(*l, 5, 1); // rolls the tombstones out of the active segment... and more keys
  append(*l, {{"filler", std::string(900, 'f')}});
  clean_fully(*l);
  auto kept = read_all(*l);
  auto with_tombstones = latest(kept.records);
  for (int k = 5; k < 10; ++k) { // tombstoned and not rewritten: the tombstone is the latest
    auto key = "k" + std::to_string(k);
    REQUIRE(with_tombstones.count(key) == 1);
    CHECK_FALSE(with_tombstones[key].has_value());
  }
  size_t tombstones = 0;
  for (auto& r : kept.records)
    tombstones += r.value ? 0 : 1;
  CHECK(tombstones == 5); // k0..k4's tombstones were superseded by the round after them
  // Past delete.retention.ms (segment modification time): the tombstones are dropped.
  append(*l, {{"filler", std::string(900, 'g')}}); // something dirty, so a pass is due
  clean_fully(*l, now + cfg.cleanup.delete_retention_ms + 60000);
  auto gone = read_all(*l);
  CHECK(gone.crcs_ok);
  for (auto& r : gone.records)
    CHECK(r.value.has_value());
  auto live = latest(gone.records);
  CHECK(live == expected_latest(false));
}

TEST_CASE_METHOD(fixture, "records younger than min.compaction.lag.ms are not compacted",
                 "[cleaner]") {
  cfg.cleanup.min_compaction_lag_ms = 3600000;
  auto l = open_log(cfg);
  overwrite(*l, 20, 3); // timestamps = now: all younger than the lag
  CHECK_FALSE(due_for_cleaning(l->cleanable(now), 0.01));
  CHECK(clean_fully(*l) == 0);
  CHECK(read_all(*l).records.size() == written.size());
  // An hour later they are old enough.
  CHECK(clean_fully(*l, now + 3600000 + 1000) == 1);
  CHECK(read_all(*l).records.size() < written.size());
}

TEST_CASE_METHOD(fixture, "the lag keeps young segments out of the key map", "[cleaner]") {
  cfg.cleanup.min_compaction_lag_ms = 3600000;
  auto l = open_log(cfg);
  now -= 2 * 3600000; // old records
  overwrite(*l, 20, 2);
  append(*l, {{"filler", std::string(900, 'f')}}); // the young records start a segment
  auto old_count = written.size();
  now += 2 * 3600000; // young overwrites of the same keys
  overwrite(*l, 20, 2);
  clean_fully(*l);
  auto after = read_all(*l);
  // The old section is compacted among itself (one per key), the young section untouched.
  size_t old_survivors = 0;
  for (auto& r : after.records)
    old_survivors += r.offset < static_cast<int64_t>(old_count) ? 1 : 0;
  CHECK(old_survivors == 21);
  CHECK(after.records.size() - old_survivors == written.size() - old_count);
}

TEST_CASE_METHOD(fixture, "the dirty ratio decides when a pass is due", "[cleaner]") {
  cfg.cleanup.min_cleanable_dirty_ratio = 0.5;
  auto l = open_log(cfg);
  overwrite(*l, 40, 4);
  auto first = l->cleanable(now);
  CHECK(first.dirty_ratio() == 1.0);
  REQUIRE(clean_fully(*l) == 1);
  // A little more dirty data: below the ratio, nothing happens.
  overwrite(*l, 10, 1);
  append(*l, {{"filler", std::string(900, 'f')}});
  auto small = l->cleanable(now);
  CHECK(small.dirty_bytes > 0);
  CHECK(small.dirty_ratio() < 0.5);
  CHECK(clean_fully(*l) == 0);
  // Enough of it: the pass runs.
  overwrite(*l, 40, 6);
  CHECK(l->cleanable(now).dirty_ratio() >= 0.5);
  CHECK(clean_fully(*l) == 1);
  // A log without cleanup.compact is never cleaned, whatever its ratio.
  auto plain_cfg = cfg;
  plain_cfg.cleanup.compact = false;
  l->reconfigure(plain_cfg);
  overwrite(*l, 40, 6);
  CHECK(clean_fully(*l) == 0);
}

TEST_CASE_METHOD(fixture, "a tiny dedupe buffer cleans over several passes", "[cleaner]") {
  opt.dedupe_buffer_bytes = 24 * 16; // 14 keys per pass
  auto l = open_log(cfg);
  overwrite(*l, 60, 3);
  append(*l, {{"filler", std::string(900, 'f')}});
  int64_t previous = l->cleaner_checkpoint();
  int passes = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = l->clean_step(opt, now);
    REQUIRE_FALSE(r.ec);
    if (r.done) {
      ++passes;
      CHECK(r.stats.clean_offset > previous);
      previous = r.stats.clean_offset;
    }
    if (!r.started && !r.more && !r.done)
      break;
  }
  CHECK(passes > 3);
  auto after = read_all(*l);
  CHECK(after.crcs_ok);
  CHECK(latest(after.records) == expected_latest(true));
  // Once everything was mapped, each key is left once (the filler in the active segment aside).
  CHECK(after.records.size() == 61);
}

TEST_CASE_METHOD(fixture, "compressed batches are rebuilt with their codec", "[cleaner]") {
  for (int codec : {codec::gzip, codec::snappy, codec::lz4, codec::zstd}) {
    DYNAMIC_SECTION("codec " << codec) {
      auto l = open_log(cfg);
      // Batches of 10 records over 5 keys: each batch loses half its records.
      for (int round = 0; round < 6; ++round) {
        std::vector<std::pair<std::string, std::optional<std::string>>> recs;
        for (int i = 0; i < 10; ++i)
          recs.push_back({"k" + std::to_string((round * 10 + i) % 15),
                          "value-" + std::to_string(round * 10 + i) + std::string(30, 'z')});
        append(*l, recs, codec);
      }
      append(*l, {{"filler", std::string(900, 'f')}});
      clean_fully(*l);
      auto after = read_all(*l);
      CHECK(after.crcs_ok);
      CHECK(latest(after.records) == expected_latest(true));
      for (auto& b : after.batches)
        if (b.record_count > 1)
          CHECK(b.compression() == codec);
      CHECK(after.records.size() < written.size());
    }
  }
}

TEST_CASE_METHOD(fixture, "a batch that keeps all its records is kept byte for byte",
                 "[cleaner]") {
  auto l = open_log(cfg);
  overwrite(*l, 10, 1);
  append(*l, {{"filler", std::string(900, 'f')}});
  auto before = l->read(0, 1 << 20).records.flatten();
  clean_fully(*l);
  CHECK(l->read(0, 1 << 20).records.flatten() == before);
}

TEST_CASE_METHOD(fixture, "control batches and keyless records", "[cleaner]") {
  auto l = open_log(cfg);
  // Keyless records are refused by a compacted log, compressed or not; other logs take them.
  for (int c : {codec::none, codec::lz4}) {
    batch_builder b;
    b.compression(c).add("k", std::string_view{"v"}, now).add(std::nullopt, std::string_view{"v"}, now);
    auto bytes = b.build();
    CHECK(test::append_patched(*l, bytes, 0).ec == errc::invalid_record);
  }
  auto plain_cfg = cfg;
  plain_cfg.cleanup.compact = false;
  l->reconfigure(plain_cfg);
  batch_builder keyless;
  keyless.add(std::nullopt, std::string_view{"old"}, now);
  auto bytes = keyless.build();
  REQUIRE_FALSE(test::append_patched(*l, bytes, 0).ec);
  // A control batch (a transaction marker's shape) is kept whole by the cleaner.
  batch_builder marker;
  marker.attributes(0x20 | 0x10).add(std::string_view{"\0\0\0\0", 4}, std::string_view{"x"}, now);
  auto mbytes = marker.build();
  REQUIRE_FALSE(test::append_patched(*l, mbytes, 0).ec);
  l->reconfigure(cfg);
  overwrite(*l, 10, 3);
  append(*l, {{"filler", std::string(900, 'f')}});
  clean_fully(*l);
  auto after = read_all(*l);
  CHECK(after.records.front().offset == 1); // the keyless record (offset 0) was dropped
  CHECK(after.batches.front().is_control());
}

TEST_CASE_METHOD(fixture, "the checkpoint persists and a restart resumes from it", "[cleaner]") {
  auto l = open_log(cfg);
  overwrite(*l, 30, 3);
  clean_fully(*l);
  auto checkpoint = l->cleaner_checkpoint();
  REQUIRE(checkpoint > 0);
  std::error_code ec;
  CHECK(read_cleaner_checkpoint(cfg.dir, ec) == checkpoint);
  auto text = "0\n" + std::to_string(checkpoint) + "\n";
  CHECK(test::read_file(cfg.dir / "cleaner-offset-checkpoint")
        == std::vector<char>(text.begin(), text.end()));
  REQUIRE_FALSE(l->close());
  auto again = open_log(cfg);
  CHECK(again->cleaner_checkpoint() == checkpoint);
  CHECK_FALSE(due_for_cleaning(again->cleanable(now), 0.01)); // nothing dirty yet
  CHECK(clean_fully(*again) == 0);
  overwrite(*again, 30, 2);
  auto r = again->cleanable(now);
  CHECK(r.first_dirty == checkpoint);
  CHECK(clean_fully(*again) == 1);
  CHECK(again->cleaner_checkpoint() > checkpoint);
}

TEST_CASE_METHOD(fixture, "appends between the steps of a pass", "[cleaner]") {
  auto l = open_log(cfg);
  cfg.segment_bytes = 400; // small groups: many steps
  l->reconfigure(cfg);
  overwrite(*l, 30, 4);
  auto r = l->clean_step(opt, now);
  REQUIRE(r.started);
  REQUIRE(r.more);
  int steps = 1;
  while (r.more) {
    overwrite(*l, 3, 1); // the owner interleaves appends
    r = l->clean_step(opt, now);
    REQUIRE_FALSE(r.ec);
    ++steps;
  }
  CHECK(r.done);
  CHECK(steps > 2);
  auto after = read_all(*l);
  CHECK(after.crcs_ok);
  CHECK(strictly_increasing(after.records));
  CHECK(latest(after.records) == expected_latest(true));
}

TEST_CASE("cleaner rules: grouping and ratio", "[cleaner]") {
  std::vector<cleaner_segment> segs{{0, 10, 300, 5, 8}, {10, 20, 300, 5, 8}, {20, 30, 500, 5, 8},
                                    {30, 40, 100, 5, 8}, {40, 50, 100, 5, 8}};
  auto groups = group_by_size(segs, 1000, 1 << 20);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0] == std::pair<size_t, size_t>{0, 1});
  CHECK(groups[1] == std::pair<size_t, size_t>{2, 4});
  CHECK(group_by_size(segs, 1000, 16).size() == 3); // index sizes bound the groups too
  // Offsets too far apart for 32-bit relative offsets are never grouped.
  std::vector<cleaner_segment> far{{0, 10, 1, -1, 0}, {int64_t{1} << 32, (int64_t{1} << 32) + 1, 1, -1, 0}};
  CHECK(group_by_size(far, 1000, 1000).size() == 2);
  // The ratio counts a segment straddling the checkpoint on both sides, as Kafka does.
  std::vector<cleaner_segment> log{{0, 10, 100, 5, 0}, {10, 20, 100, 5, 0}, {20, 30, 100, 5, 0}};
  auto r = find_cleanable(log, 15, 0, 1000, 0);
  CHECK(r.first_dirty == 15);
  CHECK(r.first_uncleanable == 20);
  CHECK(r.clean_bytes == 200);
  CHECK(r.dirty_bytes == 100);
  auto lagged = find_cleanable(log, 0, 0, 1000, 996); // segment timestamps 5 > 1000 - 996
  CHECK(lagged.first_uncleanable == 0);
  CHECK_FALSE(due_for_cleaning(lagged, 0.0));
}

TEST_CASE("offset_map keeps the latest offset per key within its memory", "[cleaner]") {
  offset_map m{24 * 1024};
  CHECK(m.max_entries() == 921);
  for (int i = 0; i < 900; ++i)
    m.put("key-" + std::to_string(i % 300), i);
  CHECK(m.size() == 300);
  CHECK(m.get("key-0") == 600);
  CHECK(m.get("key-299") == 899);
  CHECK(m.get("missing") == -1);
  CHECK(m.has_room_for(621));
  CHECK_FALSE(m.has_room_for(622));
  CHECK(m.memory_bytes() <= 24 * 1024);
}

namespace {

struct disarm_on_exit {
  ~disarm_on_exit() { fi::disarm(); }
};

} // namespace

// Every file mutation of a cleaning pass (writing the .cleaned files, the renames to .swap,
// the old segments' rename to .deleted, the final renames, the checkpoint) is made the point
// where the process dies; the reopened log must be valid, hold every key's latest record and
// clean to the same result.
TEST_CASE_METHOD(fixture, "a crash at any point of a clean loses nothing", "[cleaner][crash]") {
  auto torn = GENERATE(false, true);
  // The log before the clean, built once and copied for every crash point.
  auto prepared = cfg.dir.string() + "-prepared";
  {
    auto base_cfg = cfg;
    base_cfg.dir = prepared;
    auto l = open_log(base_cfg);
    overwrite(*l, 20, 3);
    for (int k = 0; k < 20; k += 4)
      append(*l, {{"k" + std::to_string(k), std::nullopt}});
    overwrite(*l, 6, 1);
    append(*l, {{"filler", std::string(900, 'f')}});
    REQUIRE_FALSE(l->close());
  }
  int points = 0;
  for (int64_t n = 0; n < 5000; ++n) {
    INFO("crash at mutation " << n << (torn ? " (torn writes)" : ""));
    cfg.dir = prepared + "-" + std::to_string(n);
    fs::copy(prepared, cfg.dir, fs::copy_options::recursive);
    now = wall_clock_ms(); // segment modification times are real: tombstone age is relative
    bool completed = false;
    {
      auto l = open_log(cfg);
      disarm_on_exit guard;
      fi::arm(n, torn);
      for (int i = 0; i < 1000; ++i) {
        auto r = l->clean_step(opt, now + cfg.cleanup.delete_retention_ms + 600000);
        if (r.ec || (!r.more && !r.started && !r.done))
          break;
      }
      completed = !fi::tripped();
      fi::disarm();
    } // abandoned without close, as a kill -9 leaves it
    auto l = open_log(cfg);
    CHECK(count_files(cfg.dir, ".cleaned") == 0);
    CHECK(count_files(cfg.dir, ".swap") == 0);
    auto contents = read_all(*l);
    REQUIRE(contents.crcs_ok);
    REQUIRE(strictly_increasing(contents.records));
    auto live = latest(contents.records);
    // Tombstones may or may not have been dropped; every other key reads its latest value.
    for (auto& [key, value] : expected_latest(true)) {
      if (!value) {
        CHECK((live.count(key) == 0 || !live[key]));
        continue;
      }
      REQUIRE(live.count(key) == 1);
      CHECK(live[key] == value);
    }
    // Cleaning after the restart reaches the same end state.
    clean_fully(*l, now + cfg.cleanup.delete_retention_ms + 600000);
    CHECK(latest(read_all(*l).records) == expected_latest(false));
    REQUIRE_FALSE(l->close());
    fs::remove_all(cfg.dir);
    ++points;
    if (completed)
      break;
  }
  fs::remove_all(prepared);
  CHECK(points > 20); // the pass really went through many mutations
}
