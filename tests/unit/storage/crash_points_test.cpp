// Crash points: every file-mutating step of append, roll (by size and by segment_ms), retention,
// DeleteRecords and close is made the place where the process dies (fault_injection.hpp). For
// n = 0, 1, 2, ... until the operation completes: run it with the n-th mutation failing (and
// every later one), abandon the log without close (what kill -9 leaves), reopen and check
// - it opens, every batch acknowledged before the operation is readable byte-exact,
// - the batch in flight is wholly there or absent, offsets continue,
// - every .log holds only whole, CRC-valid batches (no garbage after the last one),
// - the indexes on disk equal indexes computed from the .log files by Kafka's policy.
#include "storage/bytes.hpp"
#include "storage/fault_injection.hpp"
#include "storage/log.hpp"
#include "storage/segment.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <type_traits>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;
namespace fi = cafka::storage::fault_injection;
using test::bytes_of;
using test::make_batch;
using test::open_log;

namespace {

struct acked_batch {
  int64_t base;
  std::vector<char> bytes; // as stored: base offset and leader epoch patched
};

// Indexes of one .log computed independently by Kafka's LogSegment.append policy (an entry
// before a batch once more than index_interval bytes were appended since the last one; the
// time index follows the running maximum; sealing adds a final time entry).
struct expected_indexes {
  std::vector<char> index, timeindex;
};

expected_indexes indexes_for(const std::vector<char>& log, int64_t base, uint32_t interval,
                             bool sealed) {
  expected_indexes out;
  int64_t max_ts = -1, offset_of_max = base, last_time_entry = -1;
  uint64_t since = 0;
  auto time_entry = [&] {
    if (max_ts <= last_time_entry)
      return;
    char e[12];
    store_be(e, max_ts);
    store_be(e + 8, static_cast<uint32_t>(offset_of_max - base));
    out.timeindex.insert(out.timeindex.end(), e, e + 12);
    last_time_entry = max_ts;
  };
  batch_header h;
  for (size_t pos = 0; pos < log.size(); pos += h.total_size()) {
    REQUIRE_FALSE(parse_batch_header(log.data() + pos, log.size() - pos, h));
    if (h.max_timestamp > max_ts) {
      max_ts = h.max_timestamp;
      offset_of_max = h.last_offset();
    }
    if (since > interval) {
      char e[8];
      store_be(e, static_cast<uint32_t>(h.last_offset() - base));
      store_be(e + 4, static_cast<uint32_t>(pos));
      out.index.insert(out.index.end(), e, e + 8);
      time_entry();
      since = 0;
    }
    since += h.total_size();
  }
  if (sealed)
    time_entry();
  return out;
}

std::vector<fs::path> files_with(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ext)
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Every .log is a sequence of whole, valid batches with increasing offsets up to its last byte.
void check_no_garbage(const fs::path& dir) {
  int64_t next = -1;
  for (auto& p : files_with(dir, ".log")) {
    auto data = test::read_file(p);
    batch_header h;
    for (size_t pos = 0; pos < data.size(); pos += h.total_size()) {
      INFO(p.filename().string() << " position " << pos);
      REQUIRE_FALSE(parse_batch_header(data.data() + pos, data.size() - pos, h));
      REQUIRE(h.total_size() <= data.size() - pos);
      batch_header v;
      REQUIRE_FALSE(validate_batch(data.data() + pos, h.total_size(), v));
      REQUIRE(h.base_offset > next);
      next = h.last_offset();
    }
  }
}

// After a clean close every index file equals the one computed from its .log.
void check_indexes(const log_config& cfg) {
  auto logs = files_with(cfg.dir, ".log");
  for (size_t i = 0; i < logs.size(); ++i) {
    auto base = std::stoll(logs[i].stem().string());
    INFO(logs[i].filename().string());
    auto want = indexes_for(test::read_file(logs[i]), base, cfg.index_interval_bytes,
                            i + 1 < logs.size());
    CHECK(test::read_file(fs::path{logs[i]}.replace_extension(".index")) == want.index);
    CHECK(test::read_file(fs::path{logs[i]}.replace_extension(".timeindex")) == want.timeindex);
  }
}

struct scenario {
  log_config cfg;
  // Builds the state before the operation (unarmed); returns the acknowledged batches.
  std::function<void(storage::log&, std::vector<acked_batch>&)> setup;
  // The operation under test. May set `inflight` to the batch it tries to append.
  std::function<void(storage::log&, std::vector<char>& inflight)> operation;
  // Log start offsets acceptable after the crash, given the segment bases after setup (any
  // start, when unset).
  std::function<std::vector<int64_t>(const std::vector<int64_t>& bases)> allowed_starts;
};

constexpr int32_t epoch = 4;
constexpr int64_t t0 = 1'700'000'000'000;

void append_acked(storage::log& l, std::vector<acked_batch>& acked, int records, int64_t ts,
                  int64_t now = t0) {
  auto b = make_batch(records, ts, static_cast<int>(acked.size()) * 10, 40);
  auto r = test::append_patched(l, b, epoch, now);
  REQUIRE_FALSE(r.ec);
  acked.push_back({r.base_offset, b});
}

// Reopens after the crash and checks everything; returns the reopened log's end offset.
void verify(const scenario& sc, const std::vector<acked_batch>& acked,
            const std::vector<char>& inflight, bool completed,
            const std::vector<int64_t>& allowed_starts) {
  auto l = open_log(sc.cfg); // must open: never a crash loop
  int64_t acked_end = acked.empty() ? 0 : test::last_offset_in(acked.back().bytes) + 1;
  auto start = l->log_start_offset();
  if (!allowed_starts.empty())
    CHECK(std::find(allowed_starts.begin(), allowed_starts.end(), start)
          != allowed_starts.end());
  for (auto& b : acked) {
    if (b.base < start)
      continue;
    auto r = l->read(b.base, 1);
    REQUIRE_FALSE(r.ec);
    REQUIRE(bytes_of(r.records) == b.bytes);
  }
  auto end = l->log_end_offset();
  if (inflight.empty()) {
    CHECK(end == acked_end);
  } else {
    batch_header h;
    REQUIRE_FALSE(parse_batch_header(inflight.data(), inflight.size(), h));
    if (completed)
      REQUIRE(end == acked_end + h.last_offset_delta + 1);
    if (end != acked_end) { // wholly there
      REQUIRE(end == acked_end + h.last_offset_delta + 1);
      auto r = l->read(acked_end, 1);
      REQUIRE_FALSE(r.ec);
      auto stored = bytes_of(r.records);
      auto want = inflight;
      patch_batch(want.data(), acked_end, epoch);
      REQUIRE(stored == want);
    }
  }
  // Offsets continue.
  auto next = make_batch(2, t0 + 50);
  auto r = test::append_patched(*l, next, epoch, t0 + 50);
  REQUIRE_FALSE(r.ec);
  CHECK(r.base_offset == end);
  REQUIRE_FALSE(l->close());
  check_no_garbage(sc.cfg.dir);
  check_indexes(sc.cfg);
}

// Runs the scenario once per crash point; returns how many crash points there were.
int run_crash_points(scenario sc, bool torn_writes) {
  int points = 0;
  for (int64_t n = 0; n < 500; ++n) {
    test::temp_dir tmp;
    sc.cfg.dir = tmp.path / "orders-0";
    std::vector<acked_batch> acked;
    std::vector<char> inflight;
    std::vector<int64_t> allowed;
    {
      auto l = open_log(sc.cfg);
      sc.setup(*l, acked);
      if (sc.allowed_starts) {
        std::vector<int64_t> bases;
        for (auto& p : files_with(sc.cfg.dir, ".log"))
          bases.push_back(std::stoll(p.stem().string()));
        allowed = sc.allowed_starts(bases);
      }
      fi::arm(n, torn_writes);
      sc.operation(*l, inflight);
    } // abandoned: destroyed without close(), like a kill -9
    bool completed = !fi::tripped();
    auto where = completed ? std::string{"none"} : fi::to_string(fi::tripped_at());
    fi::disarm();
    INFO("crash point " << n << " (" << where << "), torn writes " << torn_writes);
    verify(sc, acked, inflight, completed, allowed);
    if (completed)
      return points;
    ++points;
  }
  FAIL("the operation never completed");
  return points;
}

constexpr uint64_t segment_bytes = 1400;

// Batches of append_acked() all have this size, so per_segment() of them fill a segment.
size_t batch_size() {
  return make_batch(3, t0, 0, 40).size();
}
size_t per_segment() {
  return segment_bytes / batch_size();
}

log_config small_segments() {
  log_config cfg;
  cfg.segment_bytes = segment_bytes;
  cfg.index_interval_bytes = 300;
  cfg.max_index_bytes = 4096;
  return cfg;
}

struct disarm_on_exit {
  ~disarm_on_exit() { fi::disarm(); }
};

} // namespace

TEST_CASE("crash points of an append", "[crash]") {
  disarm_on_exit guard;
  scenario sc;
  sc.cfg = small_segments();
  sc.setup = [](storage::log& l, std::vector<acked_batch>& acked) {
    for (int i = 0; i < 4; ++i)
      append_acked(l, acked, 3, t0 + i * 10);
  };
  sc.operation = [](storage::log& l, std::vector<char>& inflight) {
    inflight = make_batch(3, t0 + 100, 900, 40);
    auto copy = inflight;
    test::append_patched(l, copy, epoch, t0 + 100);
  };
  auto torn = GENERATE(false, true);
  CHECK(run_crash_points(sc, torn) >= 1); // the pwrite
}

TEST_CASE("crash points of an append that rolls by size", "[crash]") {
  disarm_on_exit guard;
  scenario sc;
  sc.cfg = small_segments();
  sc.setup = [](storage::log& l, std::vector<acked_batch>& acked) {
    // two sealed segments and a full third one: the next batch rolls
    for (size_t i = 0; i < 3 * per_segment(); ++i)
      append_acked(l, acked, 3, t0 + static_cast<int64_t>(i) * 10);
    REQUIRE(l.segment_count() == 3);
  };
  sc.operation = [](storage::log& l, std::vector<char>& inflight) {
    auto before = l.segment_count();
    inflight = make_batch(3, t0 + 400, 900, 40);
    auto copy = inflight;
    test::append_patched(l, copy, epoch, t0 + 400);
    if (!fi::tripped())
      REQUIRE(l.segment_count() == before + 1); // the scenario really rolls
  };
  auto torn = GENERATE(false, true);
  CHECK(run_crash_points(sc, torn) >= 5); // seal (syncs, trims), new files, dir fsync, pwrite
}

TEST_CASE("crash points of an append that rolls by segment.ms", "[crash]") {
  disarm_on_exit guard;
  scenario sc;
  sc.cfg = small_segments();
  sc.cfg.segment_bytes = 1 << 20;
  sc.cfg.segment_ms = 60000;
  auto log_append_time = GENERATE(false, true);
  if (log_append_time)
    sc.cfg.timestamp = timestamp_type::log_append_time;
  sc.setup = [](storage::log& l, std::vector<acked_batch>& acked) {
    for (int i = 0; i < 5; ++i) {
      append_acked(l, acked, 3, t0 + i * 1000, t0 + i * 1000);
      // LogAppendTime rewrote the stored batch: keep what the log holds
      acked.back().bytes = bytes_of(l.read(acked.back().base, 1).records);
    }
    REQUIRE(l.segment_count() == 1);
  };
  sc.operation = [log_append_time](storage::log& l, std::vector<char>& inflight) {
    auto now = t0 + 61'000;
    inflight = make_batch(3, log_append_time ? t0 : now, 900, 40);
    auto copy = inflight;
    if (log_append_time) { // what the log will store
      batch_header h;
      REQUIRE_FALSE(parse_batch_header(inflight.data(), inflight.size(), h));
      set_log_append_time(inflight.data(), inflight.size(), now, h);
    }
    auto r = test::append_patched(l, copy, epoch, now);
    if (!fi::tripped()) {
      REQUIRE_FALSE(r.ec);
      REQUIRE(l.segment_count() == 2);
    }
  };
  CHECK(run_crash_points(sc, false) >= 5);
}

TEST_CASE("crash points of retention", "[crash]") {
  disarm_on_exit guard;
  scenario sc;
  sc.cfg = small_segments();
  sc.setup = [](storage::log& l, std::vector<acked_batch>& acked) {
    for (size_t i = 0; i < 4 * per_segment(); ++i) // two old segments, two recent ones
      append_acked(l, acked, 3, i < 2 * per_segment() ? t0 - 100'000 : t0);
    REQUIRE(l.segment_count() == 4);
  };
  // Both old segments, one, or none went.
  sc.allowed_starts = [](const std::vector<int64_t>& bases) {
    return std::vector<int64_t>{bases[0], bases[1], bases[2]};
  };
  sc.operation = [](storage::log& l, std::vector<char>&) {
    retention_policy p;
    p.retention_ms = 50'000;
    p.delete_delay_ms = 0; // rename, then remove at once
    std::error_code ec;
    auto n = l.apply_retention(p, t0, ec);
    if (!fi::tripped()) {
      REQUIRE_FALSE(ec);
      REQUIRE(n == 2);
      REQUIRE(l.log_start_offset() == static_cast<int64_t>(2 * per_segment() * 3));
    }
  };
  CHECK(run_crash_points(sc, false) >= 8); // 2 x (3 renames, dir fsync) + 6 unlinks
}

TEST_CASE("crash points of DeleteRecords", "[crash]") {
  disarm_on_exit guard;
  scenario sc;
  sc.cfg = small_segments();
  sc.setup = [](storage::log& l, std::vector<acked_batch>& acked) {
    for (size_t i = 0; i < 3 * per_segment(); ++i)
      append_acked(l, acked, 3, t0 + static_cast<int64_t>(i));
  };
  // The checkpoint is durable first: either nothing happened or the start offset is the new
  // one, inside the second segment (the segment below may still be there, but unreadable).
  static const int64_t target = static_cast<int64_t>(per_segment() * 3 + 4);
  sc.allowed_starts = [](const std::vector<int64_t>& bases) {
    return std::vector<int64_t>{bases[0], target};
  };
  sc.operation = [](storage::log& l, std::vector<char>&) {
    auto ec = l.advance_start_offset(target, t0, 0);
    if (!fi::tripped()) {
      REQUIRE_FALSE(ec);
      REQUIRE(l.log_start_offset() == target);
    }
  };
  CHECK(run_crash_points(sc, false) >= 6); // tmp create, truncate, write, sync, rename, dir
}

TEST_CASE("crash points of close", "[crash]") {
  disarm_on_exit guard;
  scenario sc;
  sc.cfg = small_segments();
  sc.setup = [](storage::log& l, std::vector<acked_batch>& acked) {
    for (int i = 0; i < 10; ++i)
      append_acked(l, acked, 3, t0 + i);
  };
  sc.operation = [](storage::log& l, std::vector<char>&) { l.close(); };
  CHECK(run_crash_points(sc, false) >= 5); // syncs, trims, marker create + sync, dir fsync
}
