// Wire primitives: integers, varints, strings, bytes, arrays, bounds checks.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <vector>

#include "net/protocol/wire.hpp"

using namespace cafka::protocol;

namespace {

std::vector<char> bytes(std::initializer_list<int> xs) {
  std::vector<char> out;
  for (int x : xs)
    out.push_back(static_cast<char>(x));
  return out;
}

template <class F>
std::vector<char> encoded(F f) {
  std::vector<char> out;
  writer w(out);
  f(w);
  return out;
}

} // namespace

TEST_CASE("integers are big-endian", "[protocol][wire]") {
  auto b = encoded([](writer& w) {
    w.write_int8(-2);
    w.write_int16(0x0102);
    w.write_int32(-2);
    w.write_int64(0x0102030405060708);
    w.write_uint32(0xfffffffe);
    w.write_bool(true);
  });
  CHECK(b == bytes({0xfe, 1, 2, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xff, 0xff,
                    0xfe, 1}));
  reader r(b.data(), b.size());
  CHECK(r.read_int8() == -2);
  CHECK(r.read_int16() == 0x0102);
  CHECK(r.read_int32() == -2);
  CHECK(r.read_int64() == 0x0102030405060708);
  CHECK(r.read_uint32() == 0xfffffffe);
  CHECK(r.read_bool());
  CHECK(r.remaining() == 0);
  CHECK(r.position() == b.size());
}

TEST_CASE("float64 round-trips", "[protocol][wire]") {
  auto b = encoded([](writer& w) { w.write_float64(-1.5); });
  CHECK(b == bytes({0xbf, 0xf8, 0, 0, 0, 0, 0, 0}));
  reader r(b.data(), b.size());
  CHECK(r.read_float64() == -1.5);
}

TEST_CASE("unsigned varints", "[protocol][wire]") {
  CHECK(encoded([](writer& w) { w.write_unsigned_varint(0); }) == bytes({0}));
  CHECK(encoded([](writer& w) { w.write_unsigned_varint(127); }) == bytes({0x7f}));
  CHECK(encoded([](writer& w) { w.write_unsigned_varint(128); }) == bytes({0x80, 0x01}));
  CHECK(encoded([](writer& w) { w.write_unsigned_varint(300); }) == bytes({0xac, 0x02}));
  auto max = encoded([](writer& w) { w.write_unsigned_varint(0xffffffff); });
  CHECK(max == bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));
  reader r(max.data(), max.size());
  CHECK(r.read_unsigned_varint() == 0xffffffff);
  SECTION("more than 32 bits is rejected") {
    auto too_big = bytes({0xff, 0xff, 0xff, 0xff, 0x1f});
    reader r2(too_big.data(), too_big.size());
    CHECK_THROWS_AS(r2.read_unsigned_varint(), decode_error);
  }
  SECTION("a continuation bit at the end of the input is truncation") {
    auto cut = bytes({0x80, 0x80});
    reader r2(cut.data(), cut.size());
    CHECK_THROWS_AS(r2.read_unsigned_varint(), decode_error);
  }
}

TEST_CASE("zigzag varints", "[protocol][wire]") {
  CHECK(encoded([](writer& w) { w.write_varint(0); }) == bytes({0}));
  CHECK(encoded([](writer& w) { w.write_varint(-1); }) == bytes({1}));
  CHECK(encoded([](writer& w) { w.write_varint(1); }) == bytes({2}));
  CHECK(encoded([](writer& w) { w.write_varint(-64); }) == bytes({0x7f}));
  CHECK(encoded([](writer& w) { w.write_varint(64); }) == bytes({0x80, 0x01}));
  for (int32_t x : {0, 1, -1, 63, -64, 64, -65, 1 << 20, std::numeric_limits<int32_t>::max(),
                    std::numeric_limits<int32_t>::min()}) {
    auto b = encoded([x](writer& w) { w.write_varint(x); });
    reader r(b.data(), b.size());
    CHECK(r.read_varint() == x);
    CHECK(r.remaining() == 0);
  }
  auto min = encoded([](writer& w) { w.write_varint(std::numeric_limits<int32_t>::min()); });
  CHECK(min == bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST_CASE("zigzag varlongs", "[protocol][wire]") {
  for (int64_t x : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{1} << 40, -(int64_t{1} << 40),
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    auto b = encoded([x](writer& w) { w.write_varlong(x); });
    reader r(b.data(), b.size());
    CHECK(r.read_varlong() == x);
    CHECK(r.remaining() == 0);
  }
  auto max = encoded([](writer& w) { w.write_varlong(std::numeric_limits<int64_t>::max()); });
  CHECK(max.size() == 10);
  CHECK(max.back() == 0x01);
  auto eleven = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  reader r(eleven.data(), eleven.size());
  CHECK_THROWS_AS(r.read_varlong(), decode_error);
}

TEST_CASE("strings: normal, compact, nullable", "[protocol][wire]") {
  auto b = encoded([](writer& w) {
    w.write_string("ab");
    w.write_compact_string("ab");
    w.write_nullable_string(std::nullopt);
    w.write_compact_nullable_string(std::nullopt);
    w.write_nullable_string(std::string());
    w.write_compact_nullable_string(std::string("c"));
  });
  CHECK(b == bytes({0, 2, 'a', 'b', 3, 'a', 'b', 0xff, 0xff, 0, 0, 0, 2, 'c'}));
  reader r(b.data(), b.size());
  CHECK(r.read_string() == "ab");
  CHECK(r.read_compact_string() == "ab");
  CHECK(r.read_nullable_string() == std::nullopt);
  CHECK(r.read_compact_nullable_string() == std::nullopt);
  CHECK(r.read_nullable_string() == std::string());
  CHECK(r.read_compact_nullable_string() == std::string("c"));
  CHECK(r.remaining() == 0);
}

TEST_CASE("null for a non-nullable string or bytes throws", "[protocol][wire]") {
  auto null16 = bytes({0xff, 0xff});
  reader r1(null16.data(), null16.size());
  CHECK_THROWS_AS(r1.read_string(), decode_error);
  auto compact_null = bytes({0});
  reader r2(compact_null.data(), compact_null.size());
  CHECK_THROWS_AS(r2.read_compact_string(), decode_error);
  auto null32 = bytes({0xff, 0xff, 0xff, 0xff});
  reader r3(null32.data(), null32.size());
  CHECK_THROWS_AS(r3.read_bytes(), decode_error);
}

TEST_CASE("negative lengths other than -1 throw", "[protocol][wire]") {
  auto minus2 = bytes({0xff, 0xfe, 'x', 'x'});
  reader r1(minus2.data(), minus2.size());
  CHECK_THROWS_AS(r1.read_nullable_string(), decode_error);
  auto minus2_32 = bytes({0xff, 0xff, 0xff, 0xfe});
  reader r2(minus2_32.data(), minus2_32.size());
  CHECK_THROWS_AS(r2.read_nullable_bytes(), decode_error);
  reader r3(minus2_32.data(), minus2_32.size());
  CHECK_THROWS_AS(r3.read_array_length(), decode_error);
}

TEST_CASE("bytes: normal, compact, nullable", "[protocol][wire]") {
  std::vector<char> data{'x', '\0', 'y'};
  auto b = encoded([&](writer& w) {
    w.write_bytes(data);
    w.write_compact_bytes(data);
    w.write_nullable_bytes(std::nullopt);
    w.write_compact_nullable_bytes(std::nullopt);
  });
  CHECK(b == bytes({0, 0, 0, 3, 'x', 0, 'y', 4, 'x', 0, 'y', 0xff, 0xff, 0xff, 0xff, 0}));
  reader r(b.data(), b.size());
  CHECK(r.read_bytes() == data);
  CHECK(r.read_compact_bytes() == data);
  CHECK(r.read_nullable_bytes() == std::nullopt);
  CHECK(r.read_compact_nullable_bytes() == std::nullopt);
}

TEST_CASE("array lengths", "[protocol][wire]") {
  auto b = encoded([](writer& w) {
    w.write_array_length(2);
    w.write_compact_array_length(2);
    w.write_null_array();
    w.write_compact_null_array();
  });
  CHECK(b == bytes({0, 0, 0, 2, 3, 0xff, 0xff, 0xff, 0xff, 0}));
  reader r(b.data(), b.size());
  CHECK(r.read_array_length() == 2);
  CHECK(r.read_compact_array_length() == 2);
  CHECK(r.read_array_length() == -1);
  CHECK(r.read_compact_array_length() == -1);
  SECTION("a count larger than the remaining bytes is rejected before allocating") {
    auto huge = bytes({0x7f, 0xff, 0xff, 0xff, 0});
    reader r2(huge.data(), huge.size());
    CHECK_THROWS_AS(r2.read_array_length(), decode_error);
  }
}

TEST_CASE("truncated input throws decode_error", "[protocol][wire]") {
  auto three = bytes({0, 0, 0});
  reader r1(three.data(), three.size());
  CHECK_THROWS_AS(r1.read_int32(), decode_error);
  reader r2(three.data(), three.size());
  CHECK_THROWS_AS(r2.read_int64(), decode_error);
  auto short_string = bytes({0, 5, 'a', 'b'});
  reader r3(short_string.data(), short_string.size());
  CHECK_THROWS_AS(r3.read_string(), decode_error);
  auto short_compact = bytes({6, 'a'});
  reader r4(short_compact.data(), short_compact.size());
  CHECK_THROWS_AS(r4.read_compact_nullable_bytes(), decode_error);
  reader r5(three.data(), three.size());
  CHECK_THROWS_AS(r5.skip(4), decode_error);
  reader empty(nullptr, 0);
  CHECK_THROWS_AS(empty.read_int8(), decode_error);
  CHECK_THROWS_AS(empty.read_unsigned_varint(), decode_error);
}

TEST_CASE("a failed read does not move the reader", "[protocol][wire]") {
  auto b = bytes({0, 1, 2});
  reader r(b.data(), b.size());
  CHECK_THROWS_AS(r.read_int32(), decode_error);
  CHECK(r.position() == 0);
  CHECK(r.read_int16() == 1);
}

TEST_CASE("tagged fields are skipped", "[protocol][wire]") {
  // two tagged fields: tag 0 with 2 bytes, tag 5 with 1 byte; then an int8.
  auto b = bytes({2, 0, 2, 'a', 'b', 5, 1, 'c', 42});
  reader r(b.data(), b.size());
  r.skip_tagged_fields();
  CHECK(r.read_int8() == 42);
  auto cut = bytes({1, 0, 3, 'a'});
  reader r2(cut.data(), cut.size());
  CHECK_THROWS_AS(r2.skip_tagged_fields(), decode_error);
}

TEST_CASE("sub readers are bounded", "[protocol][wire]") {
  auto b = bytes({1, 2, 3, 4});
  reader r(b.data(), b.size());
  reader sub = r.sub(2);
  CHECK(r.position() == 2);
  CHECK(sub.read_int16() == 0x0102);
  CHECK_THROWS_AS(sub.read_int8(), decode_error);
  CHECK_THROWS_AS(r.sub(3), decode_error);
}

TEST_CASE("writer rejects strings longer than int16", "[protocol][wire]") {
  std::vector<char> out;
  writer w(out);
  CHECK_THROWS_AS(w.write_string(std::string(40000, 'x')), encode_error);
  w.write_compact_string(std::string(40000, 'x'));
  CHECK(out.size() == 40003);
}
