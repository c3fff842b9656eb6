// Follower appends (log::append_replicated): batches copied from a leader's log keep their
// offsets, epochs and timestamps; overlaps and damaged batches are refused whole; and a crash
// at any file mutation of "truncate to the divergence point, then append the leader's
// batches" leaves a log whose epoch cache matches its batches.
#include "storage/fault_injection.hpp"
#include "storage/log.hpp"
#include "storage/record_batch.hpp"
#include "storage/record_reader.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;
namespace fi = cafka::storage::fault_injection;
using test::bytes_of;
using test::make_batch;
using test::open_log;

namespace {

using entries = std::vector<epoch_entry>;

struct stored_batch {
  int64_t base;
  int32_t epoch;
  std::vector<char> bytes;
};

// Every batch of the log from its start, as stored (a read stops at a segment's end).
std::vector<stored_batch> batches_of(const storage::log& l) {
  std::vector<stored_batch> out;
  for (int64_t next = l.log_start_offset(); next < l.log_end_offset();) {
    auto r = l.read(next, 1u << 30);
    REQUIRE_FALSE(r.ec);
    auto all = bytes_of(r.records);
    REQUIRE_FALSE(all.empty());
    batch_iterator it{all.data(), all.size()};
    batch_header h;
    const char* p;
    size_t n;
    while (it.next(h, p, n)) {
      out.push_back({h.base_offset, h.partition_leader_epoch, {p, p + n}});
      next = h.last_offset() + 1;
    }
    REQUIRE_FALSE(it.error());
  }
  return out;
}

std::vector<char> concat(const std::vector<stored_batch>& bs, size_t from = 0) {
  std::vector<char> out;
  for (size_t i = from; i < bs.size(); ++i)
    out.insert(out.end(), bs[i].bytes.begin(), bs[i].bytes.end());
  return out;
}

// What the epoch cache must say for these batches (one entry per newer epoch).
entries epochs_of(const std::vector<stored_batch>& bs) {
  leader_epoch_cache c;
  for (auto& b : bs)
    c.assign(b.epoch, b.base);
  return c.entries();
}

log_config small_segments(const fs::path& dir) {
  log_config cfg;
  cfg.dir = dir;
  cfg.segment_bytes = 1000; // four of the tests' batches
  cfg.index_interval_bytes = 300;
  cfg.max_index_bytes = 4096;
  return cfg;
}

constexpr int64_t t0 = 1'700'000'000'000;

// A leader log of `n` batches (3 records each): epoch 1 for the first half, 3 after.
std::unique_ptr<storage::log> leader_log(const fs::path& dir, int n = 12) {
  auto l = open_log(small_segments(dir));
  for (int i = 0; i < n; ++i) {
    auto b = make_batch(3, t0 + i, i * 10, 40);
    REQUIRE_FALSE(test::append_patched(*l, b, i < n / 2 ? 1 : 3, t0 + i).ec);
  }
  return l;
}

append_result replicate(storage::log& follower, const std::vector<char>& bytes) {
  return follower.append_replicated(bytes.data(), bytes.size(), t0 + 1000);
}

struct fixture {
  test::temp_dir tmp;
  std::unique_ptr<storage::log> leader = leader_log(tmp.path / "leader");
  std::vector<stored_batch> lb = batches_of(*leader);
  std::unique_ptr<storage::log> follower = open_log(small_segments(tmp.path / "follower"));
};

} // namespace

TEST_CASE_METHOD(fixture, "append_replicated stores the leader's batches byte for byte",
                 "[replicate]") {
  REQUIRE(lb.size() == 12);
  REQUIRE(leader->segment_count() >= 3);
  // In three pieces, the middle one spanning several batches and a roll.
  auto r = replicate(*follower, lb[0].bytes);
  REQUIRE_FALSE(r.ec);
  CHECK(r.base_offset == 0);
  CHECK(r.last_offset == 2);
  std::vector<stored_batch> middle(lb.begin() + 1, lb.begin() + 9);
  r = replicate(*follower, concat(middle));
  REQUIRE_FALSE(r.ec);
  CHECK(r.base_offset == 3);
  CHECK(r.last_offset == 26);
  REQUIRE_FALSE(replicate(*follower, concat(lb, 9)).ec);
  CHECK(follower->log_end_offset() == leader->log_end_offset());
  CHECK(follower->segment_count() >= 3);
  auto fb = batches_of(*follower);
  REQUIRE(fb.size() == lb.size());
  for (size_t i = 0; i < fb.size(); ++i)
    CHECK(fb[i].bytes == lb[i].bytes);
  CHECK(follower->epoch_entries() == leader->epoch_entries());
  CHECK(follower->epoch_entries() == entries{{1, 0}, {3, 18}});
  // Indexes work after a clean reopen: every offset reads its batch.
  REQUIRE_FALSE(follower->close());
  follower = open_log(small_segments(tmp.path / "follower"));
  CHECK(follower->recovery_notices().empty());
  for (int64_t o = 0; o < follower->log_end_offset(); ++o) {
    auto rd = follower->read(o, 1);
    REQUIRE_FALSE(rd.ec);
    CHECK(bytes_of(rd.records) == lb[static_cast<size_t>(o / 3)].bytes);
  }
  // Batch i holds timestamps t0 + i .. t0 + i + 2: the first record at t0 + 5 is batch 3's last.
  CHECK(follower->offset_for_timestamp(t0 + 5).offset == 11);
}

TEST_CASE("append_replicated keeps LogAppendTime stamps instead of re-stamping",
          "[replicate]") {
  test::temp_dir tmp;
  auto cfg = small_segments(tmp.path / "leader");
  cfg.timestamp = timestamp_type::log_append_time;
  auto leader = open_log(cfg);
  auto b = make_batch(2, 5);
  REQUIRE_FALSE(test::append_patched(*leader, b, 7, t0).ec);
  auto lb = batches_of(*leader);
  cfg.dir = tmp.path / "follower";
  auto follower = open_log(cfg);
  REQUIRE_FALSE(follower->append_replicated(lb[0].bytes.data(), lb[0].bytes.size(), t0 + 999).ec);
  auto fb = batches_of(*follower);
  REQUIRE(fb.size() == 1);
  CHECK(fb[0].bytes == lb[0].bytes);
  batch_header h;
  REQUIRE_FALSE(parse_batch_header(fb[0].bytes.data(), fb[0].bytes.size(), h));
  CHECK(h.max_timestamp == t0);
}

TEST_CASE_METHOD(fixture, "append_replicated refuses overlaps and damaged batches whole",
                 "[replicate]") {
  REQUIRE_FALSE(replicate(*follower, concat({lb[0], lb[1]})).ec);
  auto end = follower->log_end_offset();
  SECTION("a batch the follower already has") {
    CHECK(replicate(*follower, lb[1].bytes).ec == errc::offset_out_of_range);
    CHECK(replicate(*follower, concat({lb[0], lb[1], lb[2]})).ec == errc::offset_out_of_range);
  }
  SECTION("a later batch overlapping the one before it") {
    CHECK(replicate(*follower, concat({lb[2], lb[2]})).ec == errc::offset_out_of_range);
  }
  SECTION("a CRC mismatch in the second batch") {
    auto bytes = concat({lb[2], lb[3]});
    bytes.back() ^= 0x5a;
    CHECK(replicate(*follower, bytes).ec == errc::corrupt_message);
  }
  SECTION("a partial batch") {
    auto bytes = concat({lb[2], lb[3]});
    bytes.resize(bytes.size() - 10);
    CHECK(replicate(*follower, bytes).ec == errc::corrupt_message);
  }
  SECTION("nothing") {
    CHECK(follower->append_replicated(nullptr, 0, t0).ec == errc::invalid_record);
  }
  CHECK(follower->log_end_offset() == end);
  CHECK(batches_of(*follower).size() == 2);
  REQUIRE_FALSE(replicate(*follower, lb[2].bytes).ec); // still appends where it left off
}

TEST_CASE_METHOD(fixture, "append_replicated accepts a compacted leader's offset gaps",
                 "[replicate]") {
  // Batches 1 and 3 cleaned away on the leader: the follower's fetch at 3 gets batch 2 (6..8).
  REQUIRE_FALSE(replicate(*follower, lb[0].bytes).ec);
  auto r = replicate(*follower, concat({lb[2], lb[4], lb[5]}));
  REQUIRE_FALSE(r.ec);
  CHECK(r.base_offset == 6);
  CHECK(r.last_offset == 17);
  CHECK(follower->log_end_offset() == 18);
  auto rd = follower->read(3, 1); // a read in the gap lands on the next batch
  REQUIRE_FALSE(rd.ec);
  CHECK(bytes_of(rd.records) == lb[2].bytes);
}

TEST_CASE_METHOD(fixture, "a diverged follower truncates, then catches up", "[replicate]") {
  // The follower had epoch 1's first six batches, then wrote epoch 2 batches the leader (now
  // at epoch 3) never had: OffsetsForLeaderEpoch(2) on the leader says epoch 1 ended at 18.
  REQUIRE_FALSE(replicate(*follower, concat({lb.begin(), lb.begin() + 6})).ec);
  for (int i = 0; i < 4; ++i) {
    auto b = make_batch(3, t0 + 50 + i, 500 + i, 40);
    REQUIRE_FALSE(test::append_patched(*follower, b, 2, t0 + 50).ec);
  }
  CHECK(follower->epoch_entries() == entries{{1, 0}, {2, 18}});
  auto diverged = leader->end_offset_for(follower->latest_epoch());
  CHECK(diverged.epoch == 1);
  CHECK(diverged.end_offset == 18);
  REQUIRE_FALSE(follower->truncate_to(diverged.end_offset));
  CHECK(follower->epoch_entries() == entries{{1, 0}});
  REQUIRE_FALSE(replicate(*follower, concat(lb, 6)).ec);
  CHECK(concat(batches_of(*follower)) == concat(lb));
  CHECK(follower->epoch_entries() == entries{{1, 0}, {3, 18}});
}

namespace {

struct disarm_on_exit {
  ~disarm_on_exit() { fi::disarm(); }
};

// The follower's batches after a crash are a prefix of its batches before the operation,
// followed by a prefix of the leader's batches from the cut on; its epoch cache matches them.
void verify_after_crash(const log_config& cfg, const storage::log& leader_log,
                        const std::vector<stored_batch>& before,
                        const std::vector<stored_batch>& leader, size_t cut, bool completed) {
  auto l = open_log(cfg);
  auto now = batches_of(*l);
  size_t i = 0;
  while (i < now.size() && i < before.size() && now[i].bytes == before[i].bytes)
    ++i;
  REQUIRE(i >= cut); // the common prefix always survives
  if (i < now.size()) {
    i = cut; // past the old batches: the leader's, in order
    for (; i < now.size(); ++i) {
      REQUIRE(i < leader.size());
      REQUIRE(now[i].bytes == leader[i].bytes);
    }
  }
  if (completed)
    REQUIRE(concat(now) == concat(leader));
  CHECK(l->epoch_entries() == epochs_of(now));
  // The file written at open (or kept) says the same.
  l.reset();
  l = open_log(cfg);
  CHECK(l->epoch_entries() == epochs_of(now));
  CHECK_FALSE(test::any_notice_contains(*l, leader_epoch_file));
  // Replication continues: the follower asks the leader where its latest epoch ends,
  // truncates there (the cache must be right for that) and appends the rest.
  auto to = leader_log.end_offset_for(l->latest_epoch()).end_offset;
  if (to >= 0 && to < l->log_end_offset())
    REQUIRE_FALSE(l->truncate_to(to));
  auto end = l->log_end_offset();
  std::vector<stored_batch> rest;
  for (auto& b : leader)
    if (b.base >= end)
      rest.push_back(b);
  auto bytes = concat(rest);
  if (!rest.empty())
    REQUIRE_FALSE(l->append_replicated(bytes.data(), bytes.size(), t0).ec);
  CHECK(concat(batches_of(*l)) == concat(leader));
  CHECK(l->epoch_entries() == epochs_of(leader));
}

} // namespace

TEST_CASE("crash points of a follower's truncation and catch-up", "[replicate][crash]") {
  disarm_on_exit guard;
  test::temp_dir ltmp;
  auto leader = leader_log(ltmp.path / "leader");
  auto lb = batches_of(*leader);
  const size_t cut = 6; // batches 0..5 shared, then the follower diverged
  auto torn = GENERATE(false, true);
  int points = 0;
  for (int64_t n = 0; n < 500; ++n) {
    test::temp_dir tmp;
    auto cfg = small_segments(tmp.path / "follower");
    std::vector<stored_batch> before;
    {
      auto f = open_log(cfg);
      REQUIRE_FALSE(replicate(*f, concat({lb.begin(), lb.begin() + cut})).ec);
      for (int i = 0; i < 5; ++i) {
        auto b = make_batch(3, t0 + 50 + i, 500 + i, 40);
        REQUIRE_FALSE(test::append_patched(*f, b, 2, t0 + 50).ec);
      }
      REQUIRE(f->segment_count() >= 3);
      before = batches_of(*f);
      fi::arm(n, torn);
      auto to = leader->end_offset_for(f->latest_epoch()).end_offset;
      if (!f->truncate_to(to))
        replicate(*f, concat(lb, cut));
    } // abandoned without close, like a kill -9
    bool completed = !fi::tripped();
    auto where = completed ? std::string{"none"} : fi::to_string(fi::tripped_at());
    fi::disarm();
    INFO("crash point " << n << " (" << where << "), torn writes " << torn);
    verify_after_crash(cfg, *leader, before, lb, cut, completed);
    if (completed)
      break;
    ++points;
  }
  CHECK(points >= 10);
}
