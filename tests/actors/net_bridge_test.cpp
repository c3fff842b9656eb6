// The bridge actor: in-order responses, the ApiVersions fallback, closing on bad requests.
#include "net_fixture.hpp"

using namespace cafka;
using namespace cafka::net;
using namespace cafka::net::test;

TEST_CASE("bridge answers in request order when handlers finish out of order",
          "[net][bridge]") {
  fixture f;
  f.send(fixture::request(3, 1, 1, empty_topics_v1()));  // waits for the node
  f.send(fixture::request(18, 0, 2, {}));                // answered at once, must wait
  f.send(fixture::request(3, 1, 3, empty_topics_v1()));  // waits for the node
  f.send(fixture::request(18, 0, 4, {}));
  REQUIRE(f.parked() == 2);
  CHECK(f.sink->frames.empty());
  f.release(1); // the node answers request 3 first
  CHECK(f.sink->frames.empty());
  f.release(0);
  CHECK(f.correlation_ids() == std::vector<int32_t>{1, 2, 3, 4});
  CHECK(f.sink->closes.empty());
}

TEST_CASE("unsupported ApiVersions version gets the v0 error reply and the connection stays",
          "[net][bridge][api_versions]") {
  fixture f;
  f.send(fixture::request(18, 99, 77, {}, true));
  REQUIRE(f.sink->frames.size() == 1);
  CHECK(f.sink->closes.empty());
  auto& frame = f.sink->frames[0];
  protocol::reader r{frame.data(), frame.size()};
  CHECK(r.read_int32() == static_cast<int32_t>(frame.size() - 4));
  CHECK(r.read_int32() == 77);   // response header v0: correlation id only
  CHECK(r.read_int16() == 35);   // UNSUPPORTED_VERSION
  auto n = r.read_int32();       // v0 body: a plain int32 array, no tagged fields
  REQUIRE(n >= 1);
  std::map<int16_t, std::pair<int16_t, int16_t>> keys;
  for (int32_t i = 0; i < n; ++i) {
    auto key = r.read_int16();
    auto lo = r.read_int16();
    auto hi = r.read_int16();
    keys[key] = {lo, hi};
  }
  CHECK(r.remaining() == 0);
  CHECK(keys[18] == std::make_pair(int16_t{0}, int16_t{3}));
  // The client retries at a supported version on the same connection.
  f.send(fixture::request(18, 0, 78, {}));
  REQUIRE(f.sink->frames.size() == 2);
  CHECK(f.correlation_ids().back() == 78);
}

TEST_CASE("bridge closes the connection on requests it cannot serve", "[net][bridge]") {
  SECTION("unknown api key") {
    fixture f;
    f.send(fixture::request(9999, 0, 1, {}));
    CHECK_FALSE(f.sink->closes.empty());
  }
  SECTION("the bridge stopping for any other reason closes the connection too") {
    fixture f;
    caf::anon_send_exit(f.bridge_actor, caf::exit_reason::kill);
    f.sched->run();
    CHECK(f.sink->closes.size() == 1);
  }
  SECTION("version outside the handler's range") {
    fixture f;
    f.send(fixture::request(3, 42, 1, empty_topics_v1(), true));
    CHECK_FALSE(f.sink->closes.empty());
  }
  SECTION("undecodable body") {
    fixture f;
    std::vector<char> body{'\x7f', '\xff', '\xff', '\xff', 'x'}; // 2^31-1 topics in 5 bytes
    f.send(fixture::request(3, 1, 1, body));
    CHECK_FALSE(f.sink->closes.empty());
  }
  SECTION("later requests are ignored once closing") {
    fixture f;
    f.send(fixture::request(9999, 0, 1, {}));
    f.send(fixture::request(18, 0, 2, {}));
    CHECK(f.sink->frames.empty());
    REQUIRE_FALSE(f.sink->closes.empty());
    CHECK(f.sink->closes.front().find("unknown api_key 9999") != std::string::npos);
  }
}
