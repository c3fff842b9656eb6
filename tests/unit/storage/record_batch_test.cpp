#include "storage/record_batch.hpp"

#include "storage/batch_builder.hpp"
#include "storage/bytes.hpp"
#include "storage/record_reader.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

using namespace cafka;
using namespace cafka::storage;

TEST_CASE("validate_batch accepts a built batch", "[record_batch]") {
  auto b = test::make_batch(3, 5000);
  batch_header h;
  REQUIRE_FALSE(validate_batch(b.data(), b.size(), h));
  CHECK(h.magic == 2);
  CHECK(h.record_count == 3);
  CHECK(h.last_offset_delta == 2);
  CHECK(h.base_timestamp == 5000);
  CHECK(h.max_timestamp == 5002);
  CHECK(h.total_size() == b.size());
  CHECK(h.producer_id == -1);
  CHECK(h.compression() == 0);
}

TEST_CASE("validate_batch rejects broken batches", "[record_batch]") {
  auto b = test::make_batch(3);
  batch_header h;
  SECTION("bad crc") {
    b.back() ^= 1;
    CHECK(validate_batch(b.data(), b.size(), h) == errc::corrupt_message);
  }
  SECTION("bad magic") {
    b[16] = 1;
    CHECK(validate_batch(b.data(), b.size(), h) == errc::invalid_record);
  }
  SECTION("count mismatch with a correct crc") {
    store_be<int32_t>(b.data() + 57, 4);
    set_batch_crc(b.data(), b.size());
    CHECK(validate_batch(b.data(), b.size(), h) == errc::invalid_record);
  }
  SECTION("trailing bytes") {
    b.push_back(0);
    CHECK(validate_batch(b.data(), b.size(), h) == errc::invalid_record);
  }
  SECTION("two batches") {
    auto second = test::make_batch(1);
    b.insert(b.end(), second.begin(), second.end());
    CHECK(validate_batch(b.data(), b.size(), h) == errc::invalid_record);
  }
  SECTION("too short") {
    CHECK(validate_batch(b.data(), 60, h) == errc::invalid_record);
  }
  SECTION("truncated batch") {
    CHECK(validate_batch(b.data(), b.size() - 1, h) == errc::invalid_record);
  }
  SECTION("impossible batch length") {
    store_be<int32_t>(b.data() + 8, 3);
    CHECK(validate_batch(b.data(), b.size(), h) == errc::corrupt_message);
  }
}

TEST_CASE("patch_batch sets offset and epoch without breaking the crc", "[record_batch]") {
  auto b = test::make_batch(2);
  patch_batch(b.data(), 123456789012, 7);
  batch_header h;
  REQUIRE_FALSE(validate_batch(b.data(), b.size(), h));
  CHECK(h.base_offset == 123456789012);
  CHECK(h.partition_leader_epoch == 7);
  CHECK(h.last_offset() == 123456789013);
}

TEST_CASE("batch_builder and record_reader round-trip records", "[record_batch]") {
  batch_builder b;
  b.producer(77, 3, 10).attributes(0x10);
  std::string big(300, 'z'); // lengths above 63 need two varint bytes
  b.add("key", "value", 1000);
  b.add(std::nullopt, big, 990, {{"h1", "x"}, {"h2", std::nullopt}});
  b.add("", std::nullopt, 1500);
  CHECK(b.record_count() == 3);
  auto size = b.size();
  auto batch = b.build(40);
  CHECK(batch.size() == size);
  CHECK(b.record_count() == 0);

  batch_header h;
  REQUIRE_FALSE(validate_batch(batch.data(), batch.size(), h));
  CHECK(h.base_offset == 40);
  CHECK(h.producer_id == 77);
  CHECK(h.producer_epoch == 3);
  CHECK(h.base_sequence == 10);
  CHECK(h.is_transactional());
  CHECK(h.base_timestamp == 1000);
  CHECK(h.max_timestamp == 1500);

  record_reader r{batch.data(), batch.size()};
  record_view rec;
  REQUIRE(r.next(rec));
  CHECK(rec.offset == 40);
  CHECK(rec.timestamp == 1000);
  CHECK(rec.key == std::optional<std::string_view>{"key"});
  CHECK(rec.value == std::optional<std::string_view>{"value"});
  CHECK(rec.headers.empty());
  REQUIRE(r.next(rec));
  CHECK(rec.offset_delta == 1);
  CHECK(rec.timestamp_delta == -10);
  CHECK(rec.timestamp == 990);
  CHECK_FALSE(rec.key);
  CHECK(rec.value == std::optional<std::string_view>{big});
  REQUIRE(rec.headers.size() == 2);
  CHECK(rec.headers[0].key == "h1");
  CHECK(rec.headers[0].value == std::optional<std::string_view>{"x"});
  CHECK(rec.headers[1].key == "h2");
  CHECK_FALSE(rec.headers[1].value);
  REQUIRE(r.next(rec));
  CHECK(rec.offset == 42);
  CHECK(rec.key == std::optional<std::string_view>{""});
  CHECK_FALSE(rec.value);
  CHECK_FALSE(r.next(rec));
  CHECK_FALSE(r.error());
}

TEST_CASE("record_reader reports malformed records", "[record_batch]") {
  auto batch = test::make_batch(2);
  SECTION("record count larger than the records") {
    store_be<int32_t>(batch.data() + 57, 3);
    store_be<int32_t>(batch.data() + 23, 2);
    record_reader r{batch.data(), batch.size()};
    record_view rec;
    CHECK(r.next(rec));
    CHECK(r.next(rec));
    CHECK_FALSE(r.next(rec));
    CHECK(r.error() == errc::corrupt_message);
  }
  SECTION("record length beyond the batch") {
    batch[batch_header_size] = 0x7e; // first record's length varint: 63
    record_reader r{batch.data(), batch.size()};
    record_view rec;
    CHECK_FALSE(r.next(rec));
    CHECK(r.error() == errc::corrupt_message);
  }
  SECTION("a gzip flag on plain records is a corrupt batch") {
    store_be<int16_t>(batch.data() + 21, 1);
    record_reader r{batch.data(), batch.size()};
    record_view rec;
    CHECK_FALSE(r.next(rec));
    CHECK(r.error() == errc::corrupt_message);
  }
  SECTION("an unknown codec is an invalid record") {
    store_be<int16_t>(batch.data() + 21, 5);
    record_reader r{batch.data(), batch.size()};
    record_view rec;
    CHECK_FALSE(r.next(rec));
    CHECK(r.error() == errc::invalid_record);
  }
}

TEST_CASE("batch_iterator walks batches and skips a partial tail", "[record_batch]") {
  auto a = test::make_batch(1);
  auto b = test::make_batch(2);
  patch_batch(b.data(), 1, 0);
  std::vector<char> buf = a;
  buf.insert(buf.end(), b.begin(), b.end());
  buf.insert(buf.end(), a.begin(), a.begin() + 30);
  batch_iterator it{buf.data(), buf.size()};
  batch_header h;
  const char* p;
  size_t n;
  REQUIRE(it.next(h, p, n));
  CHECK(n == a.size());
  REQUIRE(it.next(h, p, n));
  CHECK(h.base_offset == 1);
  CHECK(h.record_count == 2);
  CHECK_FALSE(it.next(h, p, n));
  CHECK_FALSE(it.error());
}
