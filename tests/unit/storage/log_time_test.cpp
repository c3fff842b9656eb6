// Time in the log: rolling by segment.ms (Kafka's LogSegment.shouldRoll) and
// message.timestamp.type=LogAppendTime (Kafka's LogValidator).
#include "storage/compression.hpp"
#include "storage/log.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <type_traits>

using namespace cafka;
using namespace cafka::storage;
using test::bytes_of;
using test::make_batch;
using test::open_log;

namespace {

constexpr int64_t t0 = 1'700'000'000'000;

struct time_fixture {
  test::temp_dir tmp;
  log_config cfg;
  time_fixture() {
    cfg.dir = tmp.path / "t-0";
    cfg.segment_ms = 5000;
  }
  append_result append(storage::log& l, int64_t ts, int64_t now, int n = 2) {
    auto b = make_batch(n, ts);
    auto r = test::append_patched(l, b, 0, now);
    REQUIRE_FALSE(r.ec);
    return r;
  }
};

// A batch whose records carry no timestamp (-1), like old producers.
std::vector<char> untimed_batch() {
  batch_builder b;
  b.add(std::string_view{"k"}, std::string_view{"v"}, -1);
  return b.build();
}

} // namespace

TEST_CASE_METHOD(time_fixture, "segments roll once the records span more than segment.ms",
                 "[time]") {
  auto l = open_log(cfg);
  append(*l, t0, t0);
  append(*l, t0 + 3000, t0 + 3000);
  append(*l, t0 + 5000, t0 + 5000); // exactly segment.ms: Kafka rolls only when it is exceeded
  CHECK(l->segment_count() == 1);
  auto r = append(*l, t0 + 5001, t0 + 5001);
  CHECK(l->segment_count() == 2);
  CHECK(r.base_offset == 6);
  // The new segment measures from its own first batch.
  append(*l, t0 + 9000, t0 + 9000);
  CHECK(l->segment_count() == 2);
  append(*l, t0 + 10002, t0 + 10002);
  CHECK(l->segment_count() == 3);
}

TEST_CASE_METHOD(time_fixture, "old record timestamps do not roll a segment per batch",
                 "[time]") {
  // Record time, not the broker clock, decides: a producer replaying last year's data with a
  // current broker clock still fills segments.
  auto l = open_log(cfg);
  for (int i = 0; i < 10; ++i)
    append(*l, 1000 + i, t0 + i);
  CHECK(l->segment_count() == 1);
}

TEST_CASE_METHOD(time_fixture, "without record timestamps the segment's age counts", "[time]") {
  auto l = open_log(cfg);
  auto b = untimed_batch();
  REQUIRE_FALSE(test::append_patched(*l, b, 0, t0).ec);
  b = untimed_batch();
  REQUIRE_FALSE(test::append_patched(*l, b, 0, t0 + 5000).ec);
  CHECK(l->segment_count() == 1);
  b = untimed_batch();
  REQUIRE_FALSE(test::append_patched(*l, b, 0, t0 + 5001).ec);
  CHECK(l->segment_count() == 2);
}

TEST_CASE_METHOD(time_fixture, "an empty segment never rolls by time", "[time]") {
  {
    auto l = open_log(cfg); // created long before its first append
    auto b = untimed_batch();
    REQUIRE_FALSE(test::append_patched(*l, b, 0, t0).ec);
    REQUIRE_FALSE(test::append_patched(*l, b, 0, t0 + 60'000).ec);
    CHECK(l->segment_count() == 2);
  }
  // A crash during a roll leaves an empty active segment: it takes the next batch, however old
  // the clock says it is.
  test::write_file(cfg.dir / "00000000000000000002.log", {});
  auto l = open_log(cfg);
  REQUIRE(l->segment_count() == 3);
  append(*l, t0 + 120'000, t0 + 120'000);
  CHECK(l->segment_count() == 3);
  CHECK(l->log_end_offset() == 4); // offsets 0, 1, then this 2-record batch
}

TEST_CASE_METHOD(time_fixture, "a reopened log measures from the first batch on disk",
                 "[time]") {
  {
    auto l = open_log(cfg);
    append(*l, t0, t0);
    append(*l, t0 + 1000, t0 + 1000);
    bool clean = GENERATE(true, false);
    if (clean)
      REQUIRE_FALSE(l->close());
  }
  auto l = open_log(cfg);
  append(*l, t0 + 4000, t0 + 4000);
  CHECK(l->segment_count() == 1);
  append(*l, t0 + 5001, t0 + 5001);
  CHECK(l->segment_count() == 2);
}

TEST_CASE_METHOD(time_fixture, "segment.ms changes apply to the active segment", "[time]") {
  auto l = open_log(cfg);
  append(*l, t0, t0);
  append(*l, t0 + 2000, t0 + 2000);
  CHECK(l->segment_count() == 1);
  auto c = l->config();
  c.segment_ms = 1000;
  l->reconfigure(c);
  append(*l, t0 + 2001, t0 + 2001);
  CHECK(l->segment_count() == 2);
}

TEST_CASE_METHOD(time_fixture, "LogAppendTime stamps batches with the broker time", "[time]") {
  cfg.timestamp = timestamp_type::log_append_time;
  cfg.segment_ms = 604800000;
  auto l = open_log(cfg);
  bool compressed = GENERATE(false, true);
  batch_builder bb;
  if (compressed)
    bb.compression(codec::gzip);
  for (int i = 0; i < 3; ++i)
    bb.add(std::string_view{"k"}, std::string_view{"value"}, 1000 + i);
  auto sent = bb.build();
  auto original = sent;
  auto r = test::append_patched(*l, sent, 7, t0 + 42);
  REQUIRE_FALSE(r.ec);
  CHECK(r.log_append_time == t0 + 42);
  CHECK(r.max_timestamp == t0 + 42);

  auto stored = bytes_of(l->read(0, 1 << 20).records);
  batch_header h;
  REQUIRE_FALSE(validate_batch(stored.data(), stored.size(), h)); // CRC recomputed
  CHECK(h.is_log_append_time());
  CHECK(h.compression() == (compressed ? codec::gzip : codec::none));
  CHECK(h.max_timestamp == t0 + 42);
  CHECK(h.base_timestamp == 1000); // firstTimestamp and the record deltas stay
  batch_header before;
  REQUIRE_FALSE(parse_batch_header(original.data(), original.size(), before));
  CHECK(std::equal(stored.begin() + 61, stored.end(), original.begin() + 61));
  record_reader records{stored.data(), stored.size()};
  record_view rec;
  int n = 0;
  while (records.next(rec)) {
    CHECK(rec.timestamp == t0 + 42); // consumers see the broker time on every record
    ++n;
  }
  CHECK(n == 3);

  // Indexed and looked up by the new time.
  CHECK(l->offset_for_timestamp(1001).offset == 0);
  CHECK(l->offset_for_timestamp(t0 + 42).offset == 0);
  CHECK(l->offset_for_timestamp(t0 + 43).offset == -1);
  auto next = make_batch(1, 5);
  auto r2 = test::append_patched(*l, next, 7, t0 + 100);
  CHECK(l->offset_for_timestamp(t0 + 43).offset == r2.base_offset);
}

TEST_CASE_METHOD(time_fixture, "CreateTime keeps the producer's bytes", "[time]") {
  auto l = open_log(cfg);
  auto b = make_batch(3, t0);
  auto original = b;
  auto r = test::append_patched(*l, b, 0, t0 + 999);
  CHECK(r.log_append_time == -1);
  CHECK(r.max_timestamp == t0 + 2);
  auto stored = bytes_of(l->read(0, 1 << 20).records);
  CHECK(std::equal(stored.begin() + 17, stored.end(), original.begin() + 17));
}
