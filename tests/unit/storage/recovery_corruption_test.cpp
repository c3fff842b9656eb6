// Corruption in the middle of the active segment after a crash: a batch with a bad CRC or a bad
// length, followed by valid batches. Recovery names the batch (offset, file position), keeps
// everything before it, cuts the rest, and the log serves and appends as usual. Opening again
// finds nothing more to repair (never a crash loop).
#include "storage/bytes.hpp"
#include "storage/log.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <type_traits>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;
using test::bytes_of;
using test::make_batch;
using test::open_log;

namespace {

struct corruption_fixture {
  test::temp_dir tmp;
  log_config cfg;
  std::vector<std::vector<char>> batches; // as stored
  std::vector<uint64_t> positions;
  fs::path log_file;

  // 30 batches of 3 records (offsets 0..89) in one segment, indexed every ~4 batches, then a
  // crash (no close).
  corruption_fixture() {
    cfg.dir = tmp.path / "orders-0";
    cfg.index_interval_bytes = 512;
    auto l = open_log(cfg);
    uint64_t pos = 0;
    for (int i = 0; i < 30; ++i) {
      auto b = make_batch(3, 1000 + i, i * 3, 30);
      REQUIRE_FALSE(test::append_patched(*l, b, 1, 5000).ec);
      positions.push_back(pos);
      pos += b.size();
      batches.push_back(b);
    }
    log_file = cfg.dir / "00000000000000000000.log";
  }

  void damage(const std::function<void(std::vector<char>&)>& f) {
    auto data = test::read_file(log_file);
    f(data);
    test::write_file(log_file, data);
  }

  // Everything before batch `bad` is served; the log ends there and appends go on.
  void check_kept_before(storage::log& l, size_t bad) {
    CHECK(l.log_end_offset() == static_cast<int64_t>(bad * 3));
    for (size_t i = 0; i < bad; ++i) {
      auto r = l.read(static_cast<int64_t>(i * 3), 1);
      REQUIRE_FALSE(r.ec);
      REQUIRE(bytes_of(r.records) == batches[i]);
    }
    CHECK(fs::file_size(log_file) == positions[bad]);
    auto b = make_batch(2, 9999);
    auto r = test::append_patched(l, b, 2, 9999);
    REQUIRE_FALSE(r.ec);
    CHECK(r.base_offset == static_cast<int64_t>(bad * 3));
    CHECK(l.offset_for_timestamp(9999).offset == r.base_offset);
    if (bad > 0)
      CHECK(l.offset_for_timestamp(1000).offset == 0);
  }

  uint64_t file_size_after_damage() const { return positions.back() + batches.back().size(); }
};

} // namespace

TEST_CASE_METHOD(corruption_fixture, "a bad CRC in the middle of the active segment",
                 "[recovery][corruption]") {
  // Batch 7 (offsets 21..23) lies before the last index entries: recovery CRC-checks every
  // batch of the active segment, not just those after the last index entry.
  damage([&](std::vector<char>& d) { d[positions[7] + batch_header_size + 3] ^= 0x01; });
  auto l = open_log(cfg);
  auto cut = file_size_after_damage() - positions[7];
  CHECK(l->recovery_notices()
        == std::vector<std::string>{"corrupt batch at offset 21 (position "
                                    + std::to_string(positions[7])
                                    + ") in 00000000000000000000.log: CRC mismatch; truncated "
                                    + std::to_string(cut) + " bytes"});
  check_kept_before(*l, 7);
  l.reset(); // crash again: nothing left to repair
  auto again = open_log(cfg);
  CHECK(again->recovery_notices().empty());
  CHECK(again->log_end_offset() == 23);
}

TEST_CASE_METHOD(corruption_fixture, "a bad batch length in the middle of the active segment",
                 "[recovery][corruption]") {
  auto delta = GENERATE(-7, 5, -40);
  damage([&](std::vector<char>& d) {
    auto p = d.data() + positions[12] + 8;
    store_be<int32_t>(p, load_be<int32_t>(p) + delta);
  });
  auto l = open_log(cfg);
  REQUIRE(l->recovery_notices().size() == 1);
  auto& notice = l->recovery_notices()[0];
  INFO(notice);
  // The header still parses: the CRC, computed over the wrong length, fails.
  CHECK(notice.find("corrupt batch at offset 36 (position " + std::to_string(positions[12]) + ")")
        == 0);
  CHECK(notice.find("CRC mismatch") != std::string::npos);
  check_kept_before(*l, 12);
}

TEST_CASE_METHOD(corruption_fixture, "a garbled header in the middle of the active segment",
                 "[recovery][corruption]") {
  damage([&](std::vector<char>& d) { d[positions[20] + 16] = 7; }); // magic
  auto l = open_log(cfg);
  REQUIRE(l->recovery_notices().size() == 1);
  CHECK(l->recovery_notices()[0]
        == "corrupt batch at position " + std::to_string(positions[20])
             + " (after offset 59) in 00000000000000000000.log: corrupt batch header; truncated "
             + std::to_string(file_size_after_damage() - positions[20]) + " bytes");
  check_kept_before(*l, 20);
}

TEST_CASE_METHOD(corruption_fixture, "a bad first batch leaves an empty, working log",
                 "[recovery][corruption]") {
  damage([&](std::vector<char>& d) { d[positions[0] + 30] ^= 0x10; }); // baseTimestamp
  auto l = open_log(cfg);
  REQUIRE(l->recovery_notices().size() == 1);
  CHECK(l->recovery_notices()[0].find("corrupt batch at offset 0 (position 0)") == 0);
  check_kept_before(*l, 0);
}
