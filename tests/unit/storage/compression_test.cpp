#include "storage/compression.hpp"

#include "storage/bytes.hpp"
#include "test_util.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace cafka;
using namespace cafka::storage;

namespace {

const int all_codecs[] = {codec::gzip, codec::snappy, codec::lz4, codec::zstd};

std::vector<char> bytes(std::initializer_list<unsigned char> b) {
  return {b.begin(), b.end()};
}

std::string str(const std::vector<char>& v) {
  return {v.begin(), v.end()};
}

// Text-like runs mixed with pseudo-random bytes: compressible, but not trivially.
std::vector<char> payload(size_t n) {
  std::vector<char> out;
  uint32_t x = 12345;
  while (out.size() < n) {
    auto line = "record-" + std::to_string(out.size() % 977) + " value value value ";
    out.insert(out.end(), line.begin(), line.end());
    for (int i = 0; i < 8; ++i) {
      x = x * 1664525u + 1013904223u;
      out.push_back(static_cast<char>(x >> 24));
    }
  }
  out.resize(n);
  return out;
}

std::vector<char> xerial_header() {
  auto h = bytes({0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0});
  h.resize(16);
  store_be<int32_t>(h.data() + 8, 1);  // version
  store_be<int32_t>(h.data() + 12, 1); // compatible version
  return h;
}

void add_xerial_block(std::vector<char>& out, const std::vector<char>& raw) {
  char len[4];
  store_be<int32_t>(len, static_cast<int32_t>(raw.size()));
  out.insert(out.end(), len, len + 4);
  out.insert(out.end(), raw.begin(), raw.end());
}

const std::vector<char> hello_raw = bytes({0x05, 0x10, 'h', 'e', 'l', 'l', 'o'});
// "abc" literal, then a 9-byte copy at offset 3: "abcabcabcabc".
const std::vector<char> abc_raw = bytes({0x0c, 0x08, 'a', 'b', 'c', 0x15, 0x03});

} // namespace

TEST_CASE("every codec round-trips, in the format clients expect", "[compression]") {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{300000}}) {
    auto data = payload(n);
    for (int c : all_codecs) {
      CAPTURE(c, n);
      std::vector<char> z, back;
      REQUIRE_FALSE(compress(c, data.data(), data.size(), z));
      REQUIRE_FALSE(decompress(c, z.data(), z.size(), back));
      CHECK(back == data);
      if (n == 300000)
        CHECK(z.size() < n * 3 / 4);
      auto magic = str(z).substr(0, 4);
      if (c == codec::gzip)
        CHECK(magic.substr(0, 2) == "\x1f\x8b");
      if (c == codec::lz4)
        CHECK(magic == std::string("\x04\x22\x4d\x18", 4));
      if (c == codec::zstd)
        CHECK(magic == std::string("\x28\xb5\x2f\xfd", 4));
    }
  }
}

TEST_CASE("decompress reads streams written by other implementations", "[compression]") {
  // gzip(1) -9 -n, lz4(1), zstd(1) from a pipe (content size unknown, with checksum).
  const std::string text = "cafka-cafka-cafka-cafka: records inside a compressed batch!";
  auto gz = bytes({0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x4b, 0x4e, 0x4c,
                   0xcb, 0x4e, 0xd4, 0x4d, 0x46, 0x27, 0xad, 0x14, 0x8a, 0x52, 0x93, 0xf3, 0x8b,
                   0x52, 0x8a, 0x15, 0x32, 0xf3, 0x8a, 0x33, 0x53, 0x52, 0x15, 0x12, 0x15, 0x92,
                   0xf3, 0x73, 0x0b, 0x8a, 0x52, 0x8b, 0x8b, 0x53, 0x53, 0x14, 0x92, 0x12, 0x4b,
                   0x92, 0x33, 0x14, 0x01, 0x94, 0xd4, 0x02, 0x99, 0x3b, 0x00, 0x00, 0x00});
  auto lz = bytes({0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x2f, 0x00, 0x00, 0x00, 0x6d, 0x63,
                   0x61, 0x66, 0x6b, 0x61, 0x2d, 0x06, 0x00, 0xf0, 0x15, 0x3a, 0x20, 0x72, 0x65,
                   0x63, 0x6f, 0x72, 0x64, 0x73, 0x20, 0x69, 0x6e, 0x73, 0x69, 0x64, 0x65, 0x20,
                   0x61, 0x20, 0x63, 0x6f, 0x6d, 0x70, 0x72, 0x65, 0x73, 0x73, 0x65, 0x64, 0x20,
                   0x62, 0x61, 0x74, 0x63, 0x68, 0x21, 0x00, 0x00, 0x00, 0x00, 0x94, 0x08, 0x2e,
                   0xd1});
  auto zs = bytes({0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x8d, 0x01, 0x00, 0xa4, 0x02, 0x63, 0x61,
                   0x66, 0x6b, 0x61, 0x2d, 0x3a, 0x20, 0x72, 0x65, 0x63, 0x6f, 0x72, 0x64, 0x73,
                   0x20, 0x69, 0x6e, 0x73, 0x69, 0x64, 0x65, 0x20, 0x61, 0x20, 0x63, 0x6f, 0x6d,
                   0x70, 0x72, 0x65, 0x73, 0x73, 0x65, 0x64, 0x20, 0x62, 0x61, 0x74, 0x63, 0x68,
                   0x21, 0x01, 0x00, 0x99, 0x4b, 0x11, 0x08, 0x68, 0x52, 0xa1});
  std::vector<char> out;
  REQUIRE_FALSE(decompress(codec::gzip, gz.data(), gz.size(), out));
  CHECK(str(out) == text);
  REQUIRE_FALSE(decompress(codec::lz4, lz.data(), lz.size(), out));
  CHECK(str(out) == text);
  REQUIRE_FALSE(decompress(codec::zstd, zs.data(), zs.size(), out));
  CHECK(str(out) == text);

  SECTION("concatenated frames and members decode as one stream") {
    for (auto* v : {&gz, &lz, &zs}) {
      auto twice = *v;
      twice.insert(twice.end(), v->begin(), v->end());
      int c = v == &gz ? codec::gzip : v == &lz ? codec::lz4 : codec::zstd;
      REQUIRE_FALSE(decompress(c, twice.data(), twice.size(), out));
      CHECK(str(out) == text + text);
    }
  }
}

TEST_CASE("snappy: raw blocks (librdkafka) and xerial framing (Java, kafka-python)", "[compression]") {
  std::vector<char> out;
  REQUIRE_FALSE(decompress(codec::snappy, hello_raw.data(), hello_raw.size(), out));
  CHECK(str(out) == "hello");

  auto framed = xerial_header();
  add_xerial_block(framed, hello_raw);
  add_xerial_block(framed, abc_raw);
  REQUIRE_FALSE(decompress(codec::snappy, framed.data(), framed.size(), out));
  CHECK(str(out) == "helloabcabcabcabc");

  SECTION("xerial blocks made by compress(), large enough for many blocks") {
    auto data = payload(100000);
    auto x = xerial_header();
    for (size_t at = 0; at < data.size(); at += 32768) {
      std::vector<char> raw;
      size_t n = std::min<size_t>(32768, data.size() - at);
      REQUIRE_FALSE(compress(codec::snappy, data.data() + at, n, raw));
      add_xerial_block(x, raw);
    }
    REQUIRE_FALSE(decompress(codec::snappy, x.data(), x.size(), out));
    CHECK(out == data);
  }
  SECTION("a header without blocks is empty") {
    auto h = xerial_header();
    REQUIRE_FALSE(decompress(codec::snappy, h.data(), h.size(), out));
    CHECK(out.empty());
  }
  SECTION("bad block lengths are corrupt") {
    auto bad = framed;
    store_be<int32_t>(bad.data() + 16, 1000); // beyond the input
    CHECK(decompress(codec::snappy, bad.data(), bad.size(), out) == errc::corrupt_message);
    store_be<int32_t>(bad.data() + 16, -1);
    CHECK(decompress(codec::snappy, bad.data(), bad.size(), out) == errc::corrupt_message);
    bad = framed;
    bad.resize(bad.size() - 9); // cuts into the last length prefix
    CHECK(decompress(codec::snappy, bad.data(), bad.size(), out) == errc::corrupt_message);
  }
}

TEST_CASE("corrupt or truncated input is corrupt_message", "[compression]") {
  auto data = payload(50000);
  std::vector<char> out;
  for (int c : all_codecs) {
    CAPTURE(c);
    std::vector<char> z;
    REQUIRE_FALSE(compress(c, data.data(), data.size(), z));
    auto cut = z;
    cut.resize(z.size() / 2);
    CHECK(decompress(c, cut.data(), cut.size(), out) == errc::corrupt_message);
    auto garbage = payload(200);
    CHECK(decompress(c, garbage.data(), garbage.size(), out) == errc::corrupt_message);
    CHECK(decompress(c, nullptr, 0, out) == errc::corrupt_message);
  }
  // gzip's trailer carries a CRC-32 and length: a flipped bit is caught.
  std::vector<char> z;
  REQUIRE_FALSE(compress(codec::gzip, data.data(), data.size(), z));
  z[z.size() - 6] ^= 1;
  CHECK(decompress(codec::gzip, z.data(), z.size(), out) == errc::corrupt_message);
}

TEST_CASE("unknown codecs are invalid_record", "[compression]") {
  std::vector<char> out;
  for (int c : {5, 6, 7, -1}) {
    CHECK(decompress(c, "x", 1, out) == errc::invalid_record);
    CHECK(compress(c, "x", 1, out) == errc::invalid_record);
  }
  CHECK_THROWS_AS(batch_builder{}.compression(5), std::invalid_argument);
}

TEST_CASE("decompression bombs stop at the limit", "[compression]") {
  CHECK(default_decompress_limit(10) == (size_t{1} << 20));
  CHECK(default_decompress_limit(size_t{1} << 20) == (size_t{64} << 20));
  CHECK(default_decompress_limit(size_t{100} << 20) == (size_t{256} << 20));

  std::vector<char> zeros(8 << 20, '\0');
  std::vector<char> out;
  for (int c : all_codecs) {
    CAPTURE(c);
    std::vector<char> z;
    REQUIRE_FALSE(compress(c, zeros.data(), zeros.size(), z));
    if (c != codec::snappy) { // snappy's best ratio (~21x) stays under the default 64x
      REQUIRE(z.size() * 64 < zeros.size());
      CHECK(decompress(c, z.data(), z.size(), out) == errc::corrupt_message);
    }
    CHECK(decompress(c, z.data(), z.size(), out, zeros.size() - 1) == errc::corrupt_message);
    REQUIRE_FALSE(decompress(c, z.data(), z.size(), out, zeros.size())); // exactly the limit
    CHECK(out == zeros);
  }
  SECTION("xerial snappy counts all blocks against the limit") {
    auto x = xerial_header();
    for (int i = 0; i < 3; ++i)
      add_xerial_block(x, hello_raw);
    CHECK(decompress(codec::snappy, x.data(), x.size(), out, 14) == errc::corrupt_message);
    REQUIRE_FALSE(decompress(codec::snappy, x.data(), x.size(), out, 15));
    CHECK(str(out) == "hellohellohello");
  }
}

namespace {

struct plain_record {
  int64_t offset, timestamp;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const plain_record& o) const {
    return offset == o.offset && timestamp == o.timestamp && key == o.key && value == o.value
           && headers == o.headers;
  }
};

std::optional<std::string> opt(std::optional<std::string_view> s) {
  return s ? std::optional<std::string>{std::string{*s}} : std::nullopt;
}

std::vector<plain_record> read_records(const std::vector<char>& batch, std::error_code& ec) {
  record_reader r{batch.data(), batch.size()};
  std::vector<plain_record> out;
  record_view v;
  while (r.next(v)) {
    plain_record p{v.offset, v.timestamp, opt(v.key), opt(v.value), {}};
    for (auto& h : v.headers)
      p.headers.emplace_back(std::string{h.key}, opt(h.value));
    out.push_back(std::move(p));
  }
  ec = r.error();
  return out;
}

std::vector<char> build_batch(int codec, int n, int64_t ts) {
  batch_builder b;
  b.compression(codec);
  for (int i = 0; i < n; ++i) {
    std::optional<std::string> key;
    if (i % 3)
      key = "key-" + std::to_string(i);
    auto value = "value-" + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'v');
    std::vector<header_view> headers;
    if (i % 4 == 0)
      headers = {{"h1", std::string_view{"x"}}, {"h2", std::nullopt}};
    b.add(key, value, ts + 10 * i, headers);
  }
  return b.build(100);
}

} // namespace

TEST_CASE("record_reader decodes compressed batches built by batch_builder", "[compression]") {
  std::error_code ec;
  auto plain = build_batch(codec::none, 200, 5000);
  auto expected = read_records(plain, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(expected.size() == 200);
  CHECK(expected[7].offset == 107);
  CHECK(expected[7].timestamp == 5070);

  for (int c : all_codecs) {
    CAPTURE(c);
    auto batch = build_batch(c, 200, 5000);
    batch_header h;
    REQUIRE_FALSE(validate_batch(batch.data(), batch.size(), h)); // CRC over compressed bytes
    CHECK(h.compression() == c);
    CHECK(h.record_count == 200);
    CHECK(h.max_timestamp == 5000 + 10 * 199);
    CHECK(batch.size() < plain.size());
    CHECK(read_records(batch, ec) == expected);
    CHECK_FALSE(ec);
  }

  SECTION("a codec error surfaces from the reader") {
    auto batch = build_batch(codec::zstd, 20, 5000);
    batch.resize(batch.size() - 10); // a truncated frame
    store_be<int32_t>(batch.data() + 8, static_cast<int32_t>(batch.size() - batch_log_overhead));
    record_reader r{batch.data(), batch.size()};
    record_view v;
    CHECK_FALSE(r.next(v));
    CHECK(r.error() == errc::corrupt_message);
  }
  SECTION("an unknown codec is invalid_record") {
    auto batch = build_batch(codec::none, 3, 5000);
    store_be<int16_t>(batch.data() + 21, 5);
    record_reader r{batch.data(), batch.size()};
    record_view v;
    CHECK_FALSE(r.next(v));
    CHECK(r.error() == errc::invalid_record);
  }
  SECTION("a record count above the decompressed records is corrupt") {
    auto batch = build_batch(codec::lz4, 3, 5000);
    store_be<int32_t>(batch.data() + 57, 4);
    std::vector<plain_record> got = read_records(batch, ec);
    CHECK(got.size() == 3);
    CHECK(ec == errc::corrupt_message);
  }
}

TEST_CASE("offset_for_timestamp finds the exact record inside compressed batches",
          "[compression]") {
  test::temp_dir tmp;
  log_config cfg;
  cfg.dir = tmp.path / "t-0";
  auto l = test::open_log(cfg);
  // Three batches of 10 records per codec; record k (overall) has timestamp 1000 + 10 k.
  int64_t k = 0;
  for (int c : all_codecs)
    for (int b = 0; b < 3; ++b) {
      batch_builder builder;
      builder.compression(c);
      for (int i = 0; i < 10; ++i, ++k)
        builder.add(std::nullopt, "v" + std::to_string(k), 1000 + 10 * k);
      auto batch = builder.build();
      REQUIRE_FALSE(test::append_patched(*l, batch, 0).ec);
    }
  REQUIRE(l->log_end_offset() == 120);
  for (int64_t want : {0, 1, 13, 29, 30, 45, 77, 119}) {
    CAPTURE(want);
    auto found = l->offset_for_timestamp(1000 + 10 * want - 5);
    CHECK(found.offset == want);
    CHECK(found.timestamp == 1000 + 10 * want);
    found = l->offset_for_timestamp(1000 + 10 * want);
    CHECK(found.offset == want);
  }
  CHECK(l->offset_for_timestamp(1000 + 10 * 120).offset == -1);
}
