// Simulated crash points: the log is dropped without close() (no clean-shutdown marker), its
// files are damaged the way a crash or a bad disk would, and open() must repair them.
#include "storage/bytes.hpp"
#include "storage/log.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace cafka;
using namespace cafka::storage;
namespace fs = std::filesystem;
using test::any_notice_contains;
using test::make_batch;
using test::open_log;

namespace {

struct crash_fixture {
  test::temp_dir tmp;
  log_config cfg;
  std::vector<std::vector<char>> batches;
  std::vector<int64_t> bases;
  std::vector<uint64_t> positions; // of each batch inside its segment

  crash_fixture() {
    cfg.dir = tmp.path / "t-0";
    cfg.segment_bytes = 1150; // 139-byte batches: segments of 8, 8 and 4 batches
    cfg.index_interval_bytes = 100;
  }

  void fill(storage::log& l, int n) {
    for (int i = 0; i < n; ++i) {
      auto b = make_batch(2, 1000 + 10 * static_cast<int64_t>(batches.size()), 0, 30);
      auto segs = l.segment_count();
      auto r = test::append_patched(l, b, 1);
      REQUIRE_FALSE(r.ec);
      auto pos = l.segment_count() != segs || positions.empty()
                   ? 0
                   : positions.back() + batches.back().size();
      positions.push_back(pos);
      bases.push_back(r.base_offset);
      batches.push_back(b);
    }
  }

  // 20 batches of 2 records over several segments, then a crash (no close).
  void crash_with_data() {
    auto l = open_log(cfg);
    fill(*l, 20);
    REQUIRE(l->segment_count() >= 3);
  }

  fs::path active(const char* ext) const {
    fs::path last;
    for (auto& e : fs::directory_iterator(cfg.dir))
      if (e.path().extension() == ".log" && e.path() > last)
        last = e.path();
    return last.replace_extension(ext);
  }

  fs::path first(const char* ext) const {
    return cfg.dir / ("00000000000000000000" + std::string{ext});
  }

  std::vector<char> everything(size_t n) const {
    std::vector<char> out;
    for (size_t i = 0; i < n; ++i)
      out.insert(out.end(), batches[i].begin(), batches[i].end());
    return out;
  }

  // Reads the whole log batch by batch; every batch must be valid.
  std::vector<char> read_all(const storage::log& l) const {
    std::vector<char> out;
    for (auto o = l.log_start_offset(); o < l.log_end_offset();) {
      auto r = l.read(o, 1 << 20);
      REQUIRE_FALSE(r.ec);
      REQUIRE_FALSE(r.records.empty());
      bool valid = false;
      test::batch_bases(r.records, &valid);
      REQUIRE(valid);
      o = test::last_offset_in(r.records) + 1;
      auto bytes = r.records.flatten();
      out.insert(out.end(), bytes.begin(), bytes.end());
    }
    return out;
  }

  // After repair: appends go on at end and are readable.
  void check_appends_continue(storage::log& l, int64_t expected_next) {
    auto b = make_batch(2, 99999);
    auto r = test::append_patched(l, b, 2);
    REQUIRE_FALSE(r.ec);
    CHECK(r.base_offset == expected_next);
    CHECK(l.read(expected_next + 1, 1).records == b);
    CHECK(l.offset_for_timestamp(99999).offset == expected_next);
  }
};

} // namespace

TEST_CASE_METHOD(crash_fixture, "a crash without damage loses nothing and says nothing",
                 "[recovery]") {
  crash_with_data();
  auto l = open_log(cfg);
  CHECK(l->recovery_notices().empty());
  CHECK(l->log_end_offset() == 40);
  CHECK(read_all(*l) == everything(20));
  check_appends_continue(*l, 40);
}

TEST_CASE_METHOD(crash_fixture, "a torn last batch is truncated", "[recovery]") {
  crash_with_data();
  auto log_file = active(".log");
  auto size = fs::file_size(log_file);
  fs::resize_file(log_file, size - 10);
  auto l = open_log(cfg);
  auto cut = batches.back().size() - 10;
  auto expected = "truncated " + std::to_string(cut) + " bytes after offset 37 in "
                  + log_file.filename().string() + " (torn batch)";
  REQUIRE(l->recovery_notices().size() == 1);
  CHECK(l->recovery_notices()[0] == expected);
  CHECK(fs::file_size(log_file) == size - batches.back().size());
  CHECK(l->log_end_offset() == 38);
  CHECK(read_all(*l) == everything(19));
  check_appends_continue(*l, 38);
}

TEST_CASE_METHOD(crash_fixture, "a batch torn inside its header is truncated", "[recovery]") {
  crash_with_data();
  auto log_file = active(".log");
  fs::resize_file(log_file, positions.back() + 20);
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "truncated 20 bytes after offset 37"));
  CHECK(l->log_end_offset() == 38);
  check_appends_continue(*l, 38);
}

TEST_CASE_METHOD(crash_fixture, "garbage after the last batch is truncated", "[recovery]") {
  crash_with_data();
  auto log_file = active(".log");
  auto data = test::read_file(log_file);
  auto good = data.size();
  for (int i = 0; i < 200; ++i)
    data.push_back(static_cast<char>(i * 37 + 11));
  test::write_file(log_file, data);
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "(after offset 39) in " + log_file.filename().string()
                                    + ": corrupt batch header; truncated 200 bytes"));
  CHECK(fs::file_size(log_file) == good);
  CHECK(l->log_end_offset() == 40);
  CHECK(read_all(*l) == everything(20));
  check_appends_continue(*l, 40);
}

TEST_CASE_METHOD(crash_fixture, "a bad crc in the last batch truncates it", "[recovery]") {
  crash_with_data();
  auto log_file = active(".log");
  auto data = test::read_file(log_file);
  data[positions.back() + batch_header_size + 5] ^= 0x40; // inside the records
  test::write_file(log_file, data);
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "corrupt batch at offset 38 (position "
                                    + std::to_string(positions.back()) + ") in "
                                    + log_file.filename().string() + ": CRC mismatch; truncated "
                                    + std::to_string(batches.back().size()) + " bytes"));
  CHECK(l->log_end_offset() == 38);
  CHECK(read_all(*l) == everything(19));
  check_appends_continue(*l, 38);
}

TEST_CASE_METHOD(crash_fixture, "a garbage-only log becomes an empty log", "[recovery]") {
  fs::create_directories(cfg.dir);
  std::vector<char> junk(5000);
  for (size_t i = 0; i < junk.size(); ++i)
    junk[i] = static_cast<char>(i * 131 + 7);
  test::write_file(first(".log"), junk);
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "corrupt batch at position 0 in 00000000000000000000.log: "
                                    "corrupt batch header; truncated 5000 bytes"));
  CHECK(l->log_end_offset() == 0);
  check_appends_continue(*l, 0);
}

TEST_CASE_METHOD(crash_fixture, "damaged active indexes are rebuilt identically", "[recovery]") {
  std::vector<char> index, timeindex;
  {
    auto l = open_log(cfg);
    fill(*l, 20);
    REQUIRE_FALSE(l->close());
    index = test::read_file(active(".index"));
    timeindex = test::read_file(active(".timeindex"));
    REQUIRE(index.size() >= 16); // the test needs real entries to lose
  }
  { // reopen and crash so that the marker is gone
    auto l = open_log(cfg);
  }
  SECTION("deleted .index") {
    fs::remove(active(".index"));
  }
  SECTION("zeroed .index") {
    auto size = fs::file_size(active(".index"));
    test::write_file(active(".index"), std::vector<char>(size, 0));
  }
  SECTION("truncated .timeindex") {
    fs::resize_file(active(".timeindex"), 5);
  }
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "rebuilt " + active(".index").filename().string()));
  CHECK(l->log_end_offset() == 40);
  CHECK(read_all(*l) == everything(20));
  for (int i = 0; i < 20; ++i)
    REQUIRE(l->offset_for_timestamp(1000 + 10 * i + 1).offset == 2 * i + 1);
  REQUIRE_FALSE(l->close());
  CHECK(test::read_file(active(".index")) == index);
  CHECK(test::read_file(active(".timeindex")) == timeindex);
}

TEST_CASE_METHOD(crash_fixture, "damaged indexes of older segments are rebuilt", "[recovery]") {
  std::vector<char> index, timeindex;
  {
    auto l = open_log(cfg);
    fill(*l, 20);
    index = test::read_file(first(".index"));
    timeindex = test::read_file(first(".timeindex"));
    REQUIRE(index.size() >= 16);
    REQUIRE(timeindex.size() >= 24);
    bool clean = GENERATE(true, false);
    if (clean)
      REQUIRE_FALSE(l->close());
  }
  SECTION("deleted") {
    fs::remove(first(".index"));
    fs::remove(first(".timeindex"));
  }
  SECTION("zeroed") {
    test::write_file(first(".index"), std::vector<char>(index.size(), 0));
  }
  SECTION("truncated to a partial entry") {
    fs::resize_file(first(".timeindex"), timeindex.size() - 5);
  }
  SECTION("index emptied") {
    fs::resize_file(first(".index"), 0);
  }
  SECTION("time index emptied") {
    fs::resize_file(first(".timeindex"), 0);
  }
  SECTION("an entry pointing past the log") {
    auto bad = index;
    store_be<uint32_t>(bad.data() + bad.size() - 4, 1u << 30);
    test::write_file(first(".index"), bad);
  }
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "rebuilt 00000000000000000000.index"));
  CHECK(test::read_file(first(".index")) == index);
  CHECK(test::read_file(first(".timeindex")) == timeindex);
  CHECK(read_all(*l) == everything(20));
  CHECK(l->offset_for_timestamp(1011).offset == 3);
  check_appends_continue(*l, 40);
}

TEST_CASE_METHOD(crash_fixture, "a corrupt batch in an older segment does not break open",
                 "[recovery]") {
  crash_with_data();
  // Smash the header of the 3rd batch of the first segment and lose its index.
  auto data = test::read_file(first(".log"));
  for (size_t i = 8; i < batch_header_size; ++i)
    data[positions[2] + i] = static_cast<char>(0xee);
  test::write_file(first(".log"), data);
  fs::remove(first(".index"));
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "rebuilt 00000000000000000000.index"));
  CHECK(any_notice_contains(*l, "unreadable (corrupt batch header)"));
  CHECK(l->log_end_offset() == 40);
  CHECK(l->read(0, 1).records == batches[0]);
  CHECK(l->read(3, 1).records == batches[1]);
  // Offsets in the damaged part skip ahead to the next readable data.
  auto r = l->read(4, 1);
  CHECK_FALSE(r.ec);
  REQUIRE_FALSE(r.records.empty());
  CHECK(test::batch_bases(r.records).front() > 4);
  check_appends_continue(*l, 40);
}

TEST_CASE_METHOD(crash_fixture, "stray files are handled", "[recovery]") {
  crash_with_data();
  test::write_file(cfg.dir / "00000000000099999999.index", std::vector<char>(16, 1));
  test::write_file(cfg.dir / "notes.txt", std::vector<char>(3, 'x'));
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "deleted 00000000000099999999.index"));
  CHECK_FALSE(fs::exists(cfg.dir / "00000000000099999999.index"));
  CHECK(fs::exists(cfg.dir / "notes.txt"));
  CHECK(l->log_end_offset() == 40);
}

TEST_CASE_METHOD(crash_fixture, "a new empty active segment after a crash during roll",
                 "[recovery]") {
  crash_with_data();
  std::string next = "00000000000000000040.log";
  test::write_file(cfg.dir / next, {});
  auto l = open_log(cfg);
  CHECK(l->log_end_offset() == 40);
  CHECK(read_all(*l) == everything(20));
  check_appends_continue(*l, 40);
}

TEST_CASE_METHOD(crash_fixture, "a damaged tail is cut even when the marker says clean",
                 "[recovery]") {
  {
    auto l = open_log(cfg);
    fill(*l, 20);
    REQUIRE_FALSE(l->close());
  }
  auto log_file = active(".log");
  auto data = test::read_file(log_file);
  data.insert(data.end(), 70, 'g');
  test::write_file(log_file, data);
  bool also_bad_timeindex = GENERATE(false, true);
  if (also_bad_timeindex) // an entry beyond the log end forces a full rebuild as well
    test::write_file(active(".timeindex"), {0, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0, 0, 50});
  auto l = open_log(cfg);
  CHECK(any_notice_contains(*l, "(after offset 39) in " + log_file.filename().string()
                                    + ": corrupt batch header; truncated 70 bytes"));
  CHECK(fs::file_size(log_file) == data.size() - 70);
  CHECK(read_all(*l) == everything(20));
  check_appends_continue(*l, 40);
}
