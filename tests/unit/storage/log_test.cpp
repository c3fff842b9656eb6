#include "storage/log.hpp"

#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace cafka;
using namespace cafka::storage;
using test::batch_bases;
using test::make_batch;
using test::open_log;

namespace {

struct fixture {
  test::temp_dir tmp;
  log_config cfg;
  std::vector<std::vector<char>> batches; // as stored (patched)
  std::vector<int64_t> bases;

  fixture() {
    cfg.dir = tmp.path / "topic-0";
    cfg.segment_bytes = 1000;
    cfg.index_interval_bytes = 100;
  }

  // Appends n batches of 3 records (~190 bytes each), timestamps 1000 + 10 * i.
  void fill(storage::log& l, int n) {
    for (int i = 0; i < n; ++i) {
      auto b = make_batch(3, 1000 + 10 * static_cast<int64_t>(batches.size()),
                          static_cast<int>(batches.size()) * 3, 20);
      auto r = test::append_patched(l, b, 5);
      REQUIRE_FALSE(r.ec);
      bases.push_back(r.base_offset);
      batches.push_back(b);
    }
  }

  std::vector<char> concat(size_t from, size_t to) const {
    std::vector<char> out;
    for (size_t i = from; i < to; ++i)
      out.insert(out.end(), batches[i].begin(), batches[i].end());
    return out;
  }

  // Reads everything from the start in max_bytes steps.
  std::vector<char> read_all(const storage::log& l, size_t max_bytes) const {
    std::vector<char> out;
    auto offset = l.log_start_offset();
    while (offset < l.log_end_offset()) {
      auto r = l.read(offset, max_bytes);
      REQUIRE_FALSE(r.ec);
      REQUIRE_FALSE(r.records.empty());
      offset = test::last_offset_in(r.records) + 1;
      auto bytes = r.records.flatten();
      out.insert(out.end(), bytes.begin(), bytes.end());
    }
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(fixture, "an empty directory opens as a new log at offset 0", "[log]") {
  auto l = open_log(cfg);
  CHECK(l->log_start_offset() == 0);
  CHECK(l->log_end_offset() == 0);
  CHECK(l->segment_count() == 1);
  CHECK(l->recovery_notices().empty());
  CHECK(std::filesystem::exists(cfg.dir / "00000000000000000000.log"));
  auto r = l->read(0, 100);
  CHECK_FALSE(r.ec);
  CHECK(r.records.empty());
  CHECK(l->offset_for_timestamp(0).offset == -1);
}

TEST_CASE_METHOD(fixture, "append assigns offsets and stores them in the batch, not in the input",
                 "[log]") {
  auto l = open_log(cfg);
  auto b = make_batch(3, 777);
  auto r = l->append(b.data(), b.size(), 9);
  REQUIRE_FALSE(r.ec);
  CHECK(r.base_offset == 0);
  CHECK(r.last_offset == 2);
  CHECK(r.max_timestamp == 779);
  const auto b2 = make_batch(1);
  r = l->append(b2.data(), b2.size(), 9);
  CHECK(r.base_offset == 3);
  CHECK(r.last_offset == 3);
  CHECK(b2 == make_batch(1)); // the caller's bytes (a request frame) stay untouched
  auto stored = l->read(3, 1).records.flatten();
  batch_header h;
  REQUIRE_FALSE(validate_batch(stored.data(), stored.size(), h));
  CHECK(h.base_offset == 3);
  CHECK(h.partition_leader_epoch == 9);
  CHECK(stored.size() == b2.size());
  CHECK(std::equal(stored.begin() + batch_header_size, stored.end(),
                   b2.begin() + batch_header_size));
  CHECK(l->log_end_offset() == 4);
}

TEST_CASE_METHOD(fixture, "append and read round-trip across segment rolls", "[log]") {
  auto l = open_log(cfg);
  fill(*l, 40);
  CHECK(l->segment_count() >= 5);
  CHECK(l->log_end_offset() == 120);
  for (size_t i = 0; i < bases.size(); ++i)
    REQUIRE(bases[i] == static_cast<int64_t>(3 * i));
  for (size_t i = 0; i < batches.size(); ++i) {
    auto r = l->read(bases[i], 1);
    REQUIRE_FALSE(r.ec);
    REQUIRE(r.records == batches[i]);
  }
  CHECK(read_all(*l, 4096) == concat(0, batches.size()));
  CHECK(read_all(*l, 1) == concat(0, batches.size()));
  // Segment files carry Kafka's names and never exceed segment_bytes.
  size_t logs = 0;
  for (auto& e : std::filesystem::directory_iterator(cfg.dir))
    if (e.path().extension() == ".log") {
      ++logs;
      CHECK(e.file_size() <= cfg.segment_bytes);
      auto stem = e.path().stem().string();
      REQUIRE(stem.size() == 20);
      CHECK(std::count(bases.begin(), bases.end(), std::stoll(stem)) == 1);
    }
  CHECK(logs == l->segment_count());
}

TEST_CASE_METHOD(fixture, "reading an offset inside a batch returns that whole batch", "[log]") {
  auto l = open_log(cfg);
  fill(*l, 20);
  for (size_t i = 0; i < batches.size(); ++i)
    for (int d = 1; d < 3; ++d) {
      auto r = l->read(bases[i] + d, 1);
      REQUIRE_FALSE(r.ec);
      REQUIRE(r.records == batches[i]);
    }
}

TEST_CASE_METHOD(fixture, "read honours max_bytes but returns at least one batch", "[log]") {
  auto l = open_log(cfg);
  fill(*l, 4); // all in the first segment
  auto one = batches[0].size();
  CHECK(l->read(0, 0).records == batches[0]);
  CHECK(l->read(0, one).records == batches[0]);
  CHECK(l->read(0, 2 * one - 1).records == batches[0]);
  CHECK(l->read(0, 2 * one).records == concat(0, 2));
  CHECK(l->read(4, 1 << 20).records == concat(1, 4));
}

TEST_CASE_METHOD(fixture, "reads outside the log fail with offset_out_of_range", "[log]") {
  auto l = open_log(cfg);
  fill(*l, 2);
  CHECK(l->read(-1, 100).ec == errc::offset_out_of_range);
  CHECK(l->read(7, 100).ec == errc::offset_out_of_range);
  auto at_end = l->read(6, 100);
  CHECK_FALSE(at_end.ec);
  CHECK(at_end.records.empty());
}

TEST_CASE_METHOD(fixture, "batches above max_message_bytes are rejected", "[log]") {
  cfg.max_message_bytes = 200;
  auto l = open_log(cfg);
  auto big = make_batch(3, 0, 0, 100);
  CHECK(test::append_patched(*l, big, 0).ec == errc::record_too_large);
  CHECK(l->log_end_offset() == 0);
  auto small = make_batch(1);
  CHECK_FALSE(test::append_patched(*l, small, 0).ec);
}

TEST_CASE_METHOD(fixture, "a batch larger than a segment still gets its own segment", "[log]") {
  cfg.segment_bytes = 300;
  auto l = open_log(cfg);
  auto a = make_batch(1);
  auto big = make_batch(5, 0, 0, 100);
  REQUIRE(big.size() > cfg.segment_bytes);
  REQUIRE_FALSE(test::append_patched(*l, a, 0).ec);
  REQUIRE_FALSE(test::append_patched(*l, big, 0).ec);
  REQUIRE_FALSE(test::append_patched(*l, a, 0).ec);
  CHECK(l->segment_count() == 3);
  CHECK(l->read(3, 1).records == big);
}

TEST_CASE_METHOD(fixture, "offset_for_timestamp finds the first record reaching it", "[log]") {
  auto l = open_log(cfg);
  fill(*l, 30); // batch i holds offsets 3i..3i+2 with timestamps 1000+10i .. 1002+10i
  REQUIRE(l->segment_count() > 3);
  CHECK(l->offset_for_timestamp(0).offset == 0);
  CHECK(l->offset_for_timestamp(1000).timestamp == 1000);
  for (int i = 0; i < 30; ++i) {
    auto mid = l->offset_for_timestamp(1000 + 10 * i + 1);
    REQUIRE(mid.offset == 3 * i + 1);
    REQUIRE(mid.timestamp == 1000 + 10 * i + 1);
    REQUIRE(l->offset_for_timestamp(1000 + 10 * i + 2).offset == 3 * i + 2);
    if (i < 29) {
      auto next = l->offset_for_timestamp(1000 + 10 * i + 3);
      REQUIRE(next.offset == 3 * (i + 1));
      REQUIRE(next.timestamp == 1000 + 10 * (i + 1));
    }
  }
  auto none = l->offset_for_timestamp(1000 + 10 * 29 + 3);
  CHECK(none.offset == -1);
  CHECK(none.timestamp == -1);
}

TEST_CASE_METHOD(fixture, "offset_for_timestamp with timestamps out of order", "[log]") {
  auto l = open_log(cfg);
  for (int64_t ts : {5000, 100, 200, 9000, 300, 400, 8000, 50}) {
    auto b = make_batch(1, ts, 0, 150);
    REQUIRE_FALSE(test::append_patched(*l, b, 0).ec);
  }
  CHECK(l->offset_for_timestamp(150).offset == 0);
  CHECK(l->offset_for_timestamp(6000).offset == 3);
  CHECK(l->offset_for_timestamp(8500).timestamp == 9000);
  CHECK(l->offset_for_timestamp(9001).offset == -1);
}

TEST_CASE_METHOD(fixture, "a cleanly closed log reopens with everything", "[log]") {
  std::vector<char> before;
  int64_t ts_offset;
  {
    auto l = open_log(cfg);
    fill(*l, 25);
    before = read_all(*l, 4096);
    ts_offset = l->offset_for_timestamp(1123).offset;
    REQUIRE_FALSE(l->close());
    CHECK(std::filesystem::exists(cfg.dir / ".cafka_clean_shutdown"));
  }
  auto l = open_log(cfg);
  CHECK_FALSE(std::filesystem::exists(cfg.dir / ".cafka_clean_shutdown"));
  CHECK(l->recovery_notices().empty());
  CHECK(l->log_end_offset() == 75);
  CHECK(read_all(*l, 4096) == before);
  CHECK(l->offset_for_timestamp(1123).offset == ts_offset);
  fill(*l, 10);
  CHECK(bases.back() == 102);
  CHECK(read_all(*l, 4096) == concat(0, batches.size()));
}

TEST_CASE_METHOD(fixture, "flush keeps the log usable and remove deletes it", "[log]") {
  auto l = open_log(cfg);
  fill(*l, 3);
  CHECK_FALSE(l->flush());
  fill(*l, 1);
  CHECK(l->read(9, 1).records == batches[3]);
  CHECK_FALSE(l->remove());
  CHECK_FALSE(std::filesystem::exists(cfg.dir));
}

TEST_CASE_METHOD(fixture, "open rejects impossible configurations", "[log]") {
  cfg.segment_bytes = uint64_t{1} << 32;
  std::error_code ec;
  CHECK(storage::log::open(cfg, ec) == nullptr);
  CHECK(ec == errc::invalid_config);
}
