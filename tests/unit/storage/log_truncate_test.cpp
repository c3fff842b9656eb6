// storage::log::truncate_to and reset_to (log_truncate.cpp): the cut, indexes after it, live
// read slices across it, reopening, and a crash at every file mutation of a truncation.
#include "storage/fault_injection.hpp"
#include "storage/record_batch.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace cafka;
using namespace cafka::storage;
using storage::test::make_batch;
using storage::test::open_log;

namespace fi = cafka::storage::fault_injection;

namespace {

constexpr int64_t t0 = 1'700'000'000'000;
constexpr int32_t epoch = 3;

log_config small_segments(const std::filesystem::path& dir) {
  log_config cfg;
  cfg.dir = dir;
  cfg.segment_bytes = 1400;
  cfg.index_interval_bytes = 300;
  cfg.max_index_bytes = 4096;
  return cfg;
}

std::vector<char> bytes_of(const record_bytes& r) {
  return r.flatten();
}

// base offset -> stored bytes of each batch appended
using stored_batches = std::map<int64_t, std::vector<char>>;

stored_batches fill(storage::log& l, int batches) {
  stored_batches out;
  for (int i = 0; i < batches; ++i) {
    auto b = make_batch(3, t0 + i, i * 3, 40);
    auto r = test::append_patched(l, b, epoch, t0 + i);
    REQUIRE_FALSE(r.ec);
    patch_batch(b.data(), r.base_offset, epoch);
    out[r.base_offset] = b;
  }
  return out;
}

// Every batch in `want` below `end` reads back byte-exact, by its base and by its last offset
// (which goes through the offset index), and nothing else is there.
void check_contents(const storage::log& l, const stored_batches& want, int64_t end) {
  REQUIRE(l.log_end_offset() == end);
  for (auto& [base, bytes] : want) {
    if (base >= end)
      break;
    for (int64_t o : {base, base + 2}) {
      auto r = l.read(o, 1);
      REQUIRE_FALSE(r.ec);
      auto got = bytes_of(r.records);
      REQUIRE(got.size() >= bytes.size());
      got.resize(bytes.size());
      REQUIRE(got == bytes);
    }
  }
  auto past = l.read(end, 1 << 20);
  CHECK_FALSE(past.ec);
  CHECK(past.records.empty());
}

} // namespace

TEST_CASE("truncate_to cuts at a batch boundary inside an earlier segment", "[truncate]") {
  test::temp_dir tmp;
  auto cfg = small_segments(tmp.path / "t-0");
  auto l = open_log(cfg);
  auto batches = fill(*l, 20);
  REQUIRE(l->segment_count() >= 4);
  auto segments_before = l->segment_count();
  int64_t cut = 3 * 7; // the 8th batch, in the second or third segment
  REQUIRE_FALSE(l->truncate_to(cut));
  CHECK(l->segment_count() < segments_before);
  check_contents(*l, batches, cut);

  // Appends continue at the cut, and everything survives a clean reopen and a crash reopen.
  auto more = fill(*l, 6);
  for (auto& [base, bytes] : more)
    batches[base] = bytes;
  CHECK(more.begin()->first == cut);
  auto end = l->log_end_offset();
  REQUIRE_FALSE(l->close());
  l = open_log(cfg);
  CHECK(l->recovery_notices().empty());
  check_contents(*l, batches, end);
  l.reset(); // no close: recovery rebuilds the active segment
  l = open_log(cfg);
  check_contents(*l, batches, end);
}

TEST_CASE("truncate_to rejects offsets that are not batch boundaries or outside the log",
          "[truncate]") {
  test::temp_dir tmp;
  auto l = open_log(small_segments(tmp.path / "t-0"));
  auto batches = fill(*l, 5);
  CHECK(l->truncate_to(4) == errc::invalid_request);   // inside the second batch
  CHECK(l->truncate_to(16) == errc::offset_out_of_range);
  CHECK_FALSE(l->truncate_to(15));                     // the end: nothing to do
  REQUIRE_FALSE(l->advance_start_offset(6, t0, 0));
  CHECK(l->truncate_to(3) == errc::offset_out_of_range); // below the start
  CHECK_FALSE(l->truncate_to(6));
  CHECK(l->log_start_offset() == 6);
  CHECK(l->log_end_offset() == 6);
}

TEST_CASE("truncate_to the log start empties the log, truncate at a segment base", "[truncate]") {
  test::temp_dir tmp;
  auto cfg = small_segments(tmp.path / "t-0");
  auto l = open_log(cfg);
  auto batches = fill(*l, 12);
  REQUIRE_FALSE(l->truncate_to(0));
  check_contents(*l, batches, 0);
  CHECK(l->segment_count() == 1);
  batches = fill(*l, 12);
  auto r = l->read(0, 1 << 30);
  REQUIRE_FALSE(r.ec);
  // Find a segment base: the first batch of the second segment is where a roll happened.
  std::error_code ec;
  std::vector<int64_t> bases;
  for (auto& e : std::filesystem::directory_iterator(cfg.dir))
    if (e.path().extension() == ".log")
      bases.push_back(std::stoll(e.path().stem().string()));
  std::sort(bases.begin(), bases.end());
  REQUIRE(bases.size() >= 2);
  REQUIRE_FALSE(l->truncate_to(bases[1]));
  check_contents(*l, batches, bases[1]);
  REQUIRE_FALSE(l->close());
  l = open_log(cfg);
  check_contents(*l, batches, bases[1]);
}

TEST_CASE("read slices from before a truncation keep their bytes", "[truncate]") {
  test::temp_dir tmp;
  auto l = open_log(small_segments(tmp.path / "t-0"));
  auto batches = fill(*l, 4); // one segment
  REQUIRE(l->segment_count() == 1);
  auto before = l->read(0, 1 << 20); // slices of the mapping, reaching past the cut
  REQUIRE_FALSE(before.ec);
  REQUIRE(before.records.has_slices());
  auto expected = bytes_of(before.records);
  REQUIRE_FALSE(l->truncate_to(3));
  fill(*l, 3); // new bytes where the old ones were
  CHECK(bytes_of(before.records) == expected); // no SIGBUS, no overwritten bytes
}

TEST_CASE("reset_to empties the log and continues at a later offset", "[truncate]") {
  test::temp_dir tmp;
  auto cfg = small_segments(tmp.path / "t-0");
  auto l = open_log(cfg);
  fill(*l, 10);
  CHECK(l->reset_to(5) == errc::offset_out_of_range);
  REQUIRE_FALSE(l->reset_to(1000));
  CHECK(l->log_start_offset() == 1000);
  CHECK(l->log_end_offset() == 1000);
  CHECK(l->segment_count() == 1);
  auto more = fill(*l, 2);
  CHECK(more.begin()->first == 1000);
  l.reset();
  l = open_log(cfg);
  CHECK(l->log_start_offset() == 1000);
  check_contents(*l, more, 1006);
}

TEST_CASE("crash points of truncate_to", "[truncate][crash]") {
  struct disarm_on_exit {
    ~disarm_on_exit() { fi::disarm(); }
  } guard;
  int points = 0;
  for (int64_t n = 0; n < 200; ++n) {
    test::temp_dir tmp;
    auto cfg = small_segments(tmp.path / "t-0");
    stored_batches batches;
    int64_t end_before = 0;
    const int64_t cut = 3 * 5;
    std::vector<int64_t> bases;
    {
      auto l = open_log(cfg);
      batches = fill(*l, 16);
      end_before = l->log_end_offset();
      for (auto& e : std::filesystem::directory_iterator(cfg.dir))
        if (e.path().extension() == ".log")
          bases.push_back(std::stoll(e.path().stem().string()));
      fi::arm(n, true);
      auto ec = l->truncate_to(cut);
      if (!fi::tripped())
        REQUIRE_FALSE(ec);
    } // abandoned without close, like a kill -9
    bool completed = !fi::tripped();
    fi::disarm();
    INFO("crash point " << n);
    auto l = open_log(cfg);
    auto end = l->log_end_offset();
    // Before, after, or with some of the later segments gone (a prefix of the log remains).
    bool allowed = end == cut || end == end_before
                   || std::find(bases.begin(), bases.end(), end) != bases.end();
    CHECK(allowed);
    CHECK(end >= cut);
    if (completed)
      CHECK(end == cut);
    check_contents(*l, batches, end);
    auto more = fill(*l, 2);
    CHECK(more.begin()->first == end);
    for (auto& [base, bytes] : more)
      batches[base] = bytes;
    auto new_end = l->log_end_offset();
    REQUIRE_FALSE(l->close());
    l = open_log(cfg);
    CHECK(l->recovery_notices().empty());
    check_contents(*l, batches, new_end);
    for (auto& e : std::filesystem::directory_iterator(cfg.dir))
      CHECK(e.path().extension() != ".deleted");
    if (completed)
      break;
    ++points;
  }
  CHECK(points >= 6);
}
