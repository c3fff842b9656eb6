// Byte-level checks of the on-disk formats (Kafka's .log/.index/.timeindex layouts).
#include "storage/bytes.hpp"
#include "storage/log.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

using namespace cafka::storage;
namespace fs = std::filesystem;

TEST_CASE("segment files use Kafka's layout", "[format]") {
  test::temp_dir tmp;
  log_config cfg;
  cfg.dir = tmp.path / "t-0";
  cfg.index_interval_bytes = 300;
  std::vector<std::vector<char>> batches;
  for (int i = 0; i < 6; ++i) // batch i: 2 records, timestamps 1000+10i and 1001+10i
    batches.push_back(test::make_batch(2, 1000 + 10 * i, 0, 30));
  auto batch_size = batches[0].size();
  cfg.segment_bytes = 5 * batch_size; // the 6th batch rolls
  {
    auto l = test::open_log(cfg);
    for (auto& b : batches)
      REQUIRE_FALSE(test::append_patched(*l, b, 3).ec);
    REQUIRE(l->segment_count() == 2);
    REQUIRE_FALSE(l->close());
  }
  // .log: the patched batches back to back.
  std::vector<char> expected;
  for (int i = 0; i < 5; ++i)
    expected.insert(expected.end(), batches[i].begin(), batches[i].end());
  CHECK(test::read_file(tmp.path / "t-0" / "00000000000000000000.log") == expected);
  CHECK(test::read_file(tmp.path / "t-0" / "00000000000000000010.log") == batches[5]);
  // .index: one entry once more than 300 bytes were appended: batch 3 (offsets 6-7).
  auto index = test::read_file(tmp.path / "t-0" / "00000000000000000000.index");
  REQUIRE(index.size() == 8);
  CHECK(load_be<uint32_t>(index.data()) == 7);
  CHECK(load_be<uint32_t>(index.data() + 4) == 3 * batch_size);
  // .timeindex: the entry written with it, plus the final entry added when the segment rolled.
  auto tindex = test::read_file(tmp.path / "t-0" / "00000000000000000000.timeindex");
  REQUIRE(tindex.size() == 24);
  CHECK(load_be<int64_t>(tindex.data()) == 1031);
  CHECK(load_be<uint32_t>(tindex.data() + 8) == 7);
  CHECK(load_be<int64_t>(tindex.data() + 12) == 1041);
  CHECK(load_be<uint32_t>(tindex.data() + 20) == 9);
  // The active segment's indexes are trimmed on close; no entries yet.
  CHECK(fs::file_size(tmp.path / "t-0" / "00000000000000000010.index") == 0);
  CHECK(fs::file_size(tmp.path / "t-0" / "00000000000000000010.timeindex") == 0);
}

TEST_CASE("the active segment's indexes are preallocated while open", "[format]") {
  test::temp_dir tmp;
  log_config cfg;
  cfg.dir = tmp.path / "t-0";
  cfg.max_index_bytes = 4096;
  auto l = test::open_log(cfg);
  CHECK(fs::file_size(cfg.dir / "00000000000000000000.index") == 4096);
  CHECK(fs::file_size(cfg.dir / "00000000000000000000.timeindex") == 4092); // 341 entries
  REQUIRE_FALSE(l->close());
  CHECK(fs::file_size(cfg.dir / "00000000000000000000.index") == 0);
}

TEST_CASE("a full index rolls the segment", "[format]") {
  test::temp_dir tmp;
  log_config cfg;
  cfg.dir = tmp.path / "t-0";
  cfg.max_index_bytes = 24; // 3 offset entries, 2 time entries
  cfg.index_interval_bytes = 0;
  auto l = test::open_log(cfg);
  for (int i = 0; i < 10; ++i) {
    auto b = test::make_batch(1, 1000 + i);
    REQUIRE_FALSE(test::append_patched(*l, b, 0).ec);
  }
  // Each segment holds 3 batches: the first is never indexed, the time index fills after 2.
  CHECK(l->segment_count() == 4);
  for (int64_t o = 0; o < 10; ++o)
    REQUIRE(test::batch_bases(l->read(o, 1).records) == std::vector<int64_t>{o});
  CHECK(l->offset_for_timestamp(1005).offset == 5);
  REQUIRE_FALSE(l->close());
  l = test::open_log(cfg);
  CHECK(l->recovery_notices().empty());
  CHECK(l->log_end_offset() == 10);
  CHECK(l->offset_for_timestamp(1005).offset == 5);
}
