// Request/response headers and frame sizes.
#include <catch2/catch.hpp>

#include <vector>

#include "net/protocol/api_key.hpp"
#include "net/protocol/header.hpp"

using namespace cafka::protocol;

namespace {

std::vector<char> bytes(std::initializer_list<int> xs) {
  std::vector<char> out;
  for (int x : xs)
    out.push_back(static_cast<char>(x));
  return out;
}

} // namespace

TEST_CASE("request header v1", "[protocol][header]") {
  // Metadata v1, correlation id 7, client id "ab".
  auto b = bytes({0, 3, 0, 1, 0, 0, 0, 7, 0, 2, 'a', 'b', 0x55});
  reader r(b.data(), b.size());
  auto h = decode_request_header(r);
  CHECK(h.api_key == 3);
  CHECK(h.api_version == 1);
  CHECK(h.correlation_id == 7);
  CHECK(h.client_id == std::string("ab"));
  CHECK(r.remaining() == 1); // no tagged fields consumed
}

TEST_CASE("request header v1 with a null client id", "[protocol][header]") {
  auto b = bytes({0, 0, 0, 3, 0, 0, 0, 1, 0xff, 0xff});
  reader r(b.data(), b.size());
  auto h = decode_request_header(r);
  CHECK(h.client_id == std::nullopt);
  CHECK(r.remaining() == 0);
}

TEST_CASE("request header v2 for flexible versions skips tagged fields", "[protocol][header]") {
  // ApiVersions v3: client id stays a non-compact string; then tagged fields (one, tag 1).
  auto b = bytes({0, 18, 0, 3, 0, 0, 0, 9, 0, 1, 'k', 1, 1, 2, 'x', 'y', 0x55});
  reader r(b.data(), b.size());
  auto h = decode_request_header(r);
  CHECK(h.api_key == 18);
  CHECK(h.api_version == 3);
  CHECK(h.correlation_id == 9);
  CHECK(h.client_id == std::string("k"));
  CHECK(r.remaining() == 1);
}

TEST_CASE("unknown api keys use request header v1", "[protocol][header]") {
  auto b = bytes({0x03, 0xe7, 0, 20, 0, 0, 0, 1, 0, 0, 0x55});
  reader r(b.data(), b.size());
  auto h = decode_request_header(r);
  CHECK(h.api_key == 999);
  CHECK(r.remaining() == 1);
  CHECK(flexible_from(999) == -1);
}

TEST_CASE("truncated request headers throw", "[protocol][header]") {
  auto b = bytes({0, 3, 0, 1, 0, 0, 0, 7, 0, 5, 'a'});
  reader r(b.data(), b.size());
  CHECK_THROWS_AS(decode_request_header(r), decode_error);
}

TEST_CASE("request headers round-trip", "[protocol][header]") {
  for (int16_t version : {0, 3, 4}) {
    request_header h{18, version, 42, std::string("client")};
    std::vector<char> out;
    writer w(out);
    write_request_header(w, h);
    CHECK(out.size() == (version >= 3 ? 17u : 16u)); // 2+2+4 + 2+6 (+ tags)
    reader r(out.data(), out.size());
    auto d = decode_request_header(r);
    CHECK(d.api_key == h.api_key);
    CHECK(d.api_version == h.api_version);
    CHECK(d.correlation_id == h.correlation_id);
    CHECK(d.client_id == h.client_id);
    CHECK(r.remaining() == 0);
  }
}

TEST_CASE("response header v0 and v1", "[protocol][header]") {
  auto response = [](int16_t key, int16_t version) {
    std::vector<char> out;
    writer w(out);
    write_response_header(w, request_header{key, version, 0x01020304, std::nullopt});
    return out;
  };
  CHECK(response(3, 6) == bytes({1, 2, 3, 4}));        // Metadata v6: v0
  CHECK(response(3, 9) == bytes({1, 2, 3, 4, 0}));     // Metadata v9: v1
  CHECK(response(22, 2) == bytes({1, 2, 3, 4, 0}));    // InitProducerId v2 is flexible
  CHECK(response(22, 1) == bytes({1, 2, 3, 4}));
  CHECK(response(18, 3) == bytes({1, 2, 3, 4}));       // ApiVersions: always v0
  CHECK(response(18, 0) == bytes({1, 2, 3, 4}));
  CHECK(response(17, 1) == bytes({1, 2, 3, 4}));       // SaslHandshake: never flexible
  CHECK(response(1000, 50) == bytes({1, 2, 3, 4}));    // unknown key
}

TEST_CASE("flexible_from follows the schemas", "[protocol][header]") {
  CHECK(flexible_from(static_cast<int16_t>(api_key::api_versions)) == 3);
  CHECK(flexible_from(static_cast<int16_t>(api_key::produce)) == 9);
  CHECK(flexible_from(static_cast<int16_t>(api_key::fetch)) == 12);
  CHECK(flexible_from(static_cast<int16_t>(api_key::init_producer_id)) == 2);
  CHECK(flexible_from(static_cast<int16_t>(api_key::sasl_handshake)) == -1);
  CHECK(flexible_from(static_cast<int16_t>(api_key::offset_delete)) == -1);
  CHECK(flexible_from(-1) == -1);
}

TEST_CASE("patch_frame_size writes the size after the prefix", "[protocol][header]") {
  std::vector<char> frame(4, 0);
  frame.resize(4 + 0x0102, 'x');
  patch_frame_size(frame);
  CHECK(frame[0] == 0);
  CHECK(frame[1] == 0);
  CHECK(frame[2] == 1);
  CHECK(frame[3] == 2);
  std::vector<char> empty_body(4, 'z');
  patch_frame_size(empty_body);
  CHECK(empty_body == bytes({0, 0, 0, 0}));
  std::vector<char> too_short(3);
  CHECK_THROWS_AS(patch_frame_size(too_short), std::invalid_argument);
}
