// Generated messages against hand-computed Kafka encodings (independent of the generator).
#include <catch2/catch.hpp>

#include <vector>

#include "net/protocol/messages.hpp"

using namespace cafka::protocol;

namespace {

std::vector<char> bytes(std::initializer_list<int> xs) {
  std::vector<char> out;
  for (int x : xs)
    out.push_back(static_cast<char>(x));
  return out;
}

template <class T>
std::vector<char> encode(const T& x, int16_t version) {
  std::vector<char> out;
  writer w(out);
  x.encode(w, version);
  return out;
}

template <class T>
T decode(const std::vector<char>& b, int16_t version) {
  reader r(b.data(), b.size());
  T x;
  x.decode(r, version);
  CHECK(r.remaining() == 0);
  return x;
}

} // namespace

TEST_CASE("ApiVersions response v0 and v3", "[protocol][golden]") {
  api_versions_response res;
  res.api_keys.push_back({18, 0, 3});
  CHECK(encode(res, 0) == bytes({0, 0, 0, 0, 0, 1, 0, 18, 0, 0, 0, 3}));
  CHECK(encode(res, 1) == bytes({0, 0, 0, 0, 0, 1, 0, 18, 0, 0, 0, 3, 0, 0, 0, 0}));
  // v3: compact array (count+1), per-entry tagged fields, throttle, top-level tagged fields.
  CHECK(encode(res, 3) == bytes({0, 0, 2, 0, 18, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0}));
  res.finalized_features_epoch = 5; // tagged field 1 is written once it is not the default
  auto tagged = bytes({0, 0, 2, 0, 18, 0, 0, 0, 3, 0, 0, 0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 5});
  CHECK(encode(res, 3) == tagged);
  CHECK(decode<api_versions_response>(tagged, 3) == res);
}

TEST_CASE("unknown tagged fields are skipped", "[protocol][golden]") {
  // ApiVersions v3 response with tagged field 7 (2 bytes) and known tag 3 (zk_migration_ready).
  auto b = bytes({0, 0, 1, 0, 0, 0, 0, 2, 3, 1, 1, 7, 2, 'x', 'y'});
  auto res = decode<api_versions_response>(b, 3);
  CHECK(res.api_keys.empty());
  CHECK(res.zk_migration_ready);
}

TEST_CASE("Metadata response v1", "[protocol][golden]") {
  metadata_response res;
  res.brokers.push_back({1, "h", 9092, std::nullopt});
  res.controller_id = 1;
  auto expected = bytes({0, 0, 0, 1,                          // brokers
                         0, 0, 0, 1, 0, 1, 'h', 0, 0, 0x23, 0x84, 0xff, 0xff,
                         0, 0, 0, 1,                          // controller id
                         0, 0, 0, 0});                        // topics
  CHECK(encode(res, 1) == expected);
  CHECK(decode<metadata_response>(expected, 1) == res);
}

TEST_CASE("InitProducerId request v2 (flexible) and v3", "[protocol][golden]") {
  init_producer_id_request req;
  req.transactional_id = std::nullopt;
  req.transaction_timeout_ms = 1000;
  CHECK(encode(req, 1) == bytes({0xff, 0xff, 0, 0, 3, 0xe8}));
  CHECK(encode(req, 2) == bytes({0, 0, 0, 3, 0xe8, 0}));
  req.transactional_id = std::string("tx");
  CHECK(encode(req, 3) == bytes({3, 't', 'x', 0, 0, 3, 0xe8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff, 0xff, 0xff, 0xff, 0}));
}

TEST_CASE("Fetch response v4 with null aborted transactions and records", "[protocol][golden]") {
  fetch_response res;
  auto& topic = res.responses.emplace_back();
  topic.topic = "t";
  auto& p = topic.partitions.emplace_back();
  p.high_watermark = 10;
  p.last_stable_offset = 10;
  p.aborted_transactions = std::nullopt;
  auto expected = bytes({0, 0, 0, 0,                          // throttle
                         0, 0, 0, 1, 0, 1, 't',               // one topic "t"
                         0, 0, 0, 1, 0, 0, 0, 0, 0, 0,        // one partition 0, error 0
                         0, 0, 0, 0, 0, 0, 0, 10,             // high watermark
                         0, 0, 0, 0, 0, 0, 0, 10,             // last stable offset
                         0xff, 0xff, 0xff, 0xff,              // aborted transactions: null
                         0xff, 0xff, 0xff, 0xff});            // records: null
  CHECK(encode(res, 4) == expected);
  CHECK(decode<fetch_response>(expected, 4) == res);
}

TEST_CASE("fields a version cannot carry", "[protocol][golden]") {
  SECTION("non-ignorable fields with non-default values throw") {
    fetch_response res;
    res.session_id = 7; // v7+, not ignorable
    CHECK_THROWS_AS(encode(res, 6), encode_error);
    CHECK_NOTHROW(encode(res, 7));
  }
  SECTION("ignorable fields are dropped") {
    produce_response res;
    res.throttle_time_ms = 100; // v1+, ignorable
    CHECK(encode(res, 0) == bytes({0, 0, 0, 0}));
  }
}

TEST_CASE("null for a non-nullable array is rejected", "[protocol][golden]") {
  auto b = bytes({0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0});
  reader r(b.data(), b.size());
  produce_response res;
  CHECK_THROWS_AS(res.decode(r, 1), decode_error);
}
