// The handler list drives dispatch and ApiVersions: every handler is reachable by its api key,
// and ApiVersions advertises exactly the handlers' ranges (which must be COMPAT.md's).
#include "net/dispatch.hpp"
#include "net/handlers/api_versions.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <typeinfo>
#include <utility>

using namespace cafka;
using namespace cafka::net;

namespace {

using range = std::pair<int16_t, int16_t>;

// COMPAT.md, "Advertise" column, for every API cafka may ever serve.
const std::map<int16_t, range> compat_advertise = {
  {18, {0, 3}}, {3, {0, 6}},  {0, {0, 7}},  {1, {4, 11}}, {2, {1, 3}},  {10, {0, 2}},
  {11, {0, 5}}, {14, {0, 3}}, {12, {0, 3}}, {13, {0, 3}}, {8, {2, 7}},  {9, {1, 5}},
  {15, {0, 4}}, {16, {0, 2}}, {19, {0, 4}}, {20, {0, 3}}, {21, {0, 1}}, {37, {0, 1}},
  {32, {0, 4}}, {33, {0, 2}}, {42, {0, 1}}, {22, {0, 4}}, {24, {0, 1}}, {25, {0, 1}},
  {26, {0, 1}}, {28, {0, 2}}, {17, {0, 1}}, {36, {0, 1}}, {47, {0, 0}}, {44, {0, 1}},
};

std::map<int16_t, range> handler_ranges() {
  std::map<int16_t, range> out;
  for_each_handler([&](auto h) {
    using handler = decltype(h);
    out[handler::request_type::api_key] = {handler::min_version, handler::max_version};
  });
  return out;
}

} // namespace

TEST_CASE("dispatch finds every handler in all_handlers by its api key", "[net][dispatch]") {
  size_t count = 0;
  for_each_handler([&](auto h) {
    using handler = decltype(h);
    ++count;
    const std::type_info* found = nullptr;
    CHECK(visit_handler(handler::request_type::api_key,
                        [&](auto g) { found = &typeid(decltype(g)); }));
    REQUIRE(found != nullptr);
    CHECK(*found == typeid(handler));
    // The request type's own version range covers what the handler advertises.
    CHECK(handler::request_type::min_version <= handler::min_version);
    CHECK(handler::request_type::max_version >= handler::max_version);
  });
  CHECK(count == std::tuple_size_v<all_handlers>);
  CHECK(handler_ranges().size() == count); // no api key twice
  CHECK_FALSE(visit_handler(9999, [](auto) {}));
  CHECK_FALSE(visit_handler(-1, [](auto) {}));
}

TEST_CASE("ApiVersions lists exactly the handlers' ranges, as COMPAT.md advertises",
          "[net][api_versions]") {
  auto resp = supported_api_versions();
  CHECK(resp.error_code == 0);
  std::map<int16_t, range> advertised;
  int16_t previous = -1;
  for (auto& k : resp.api_keys) {
    CHECK(k.api_key > previous); // sorted, no duplicates
    previous = k.api_key;
    advertised[k.api_key] = {k.min_version, k.max_version};
  }
  CHECK(advertised == handler_ranges());
  for (auto& [key, r] : advertised) {
    INFO("api key " << key);
    REQUIRE(compat_advertise.count(key) == 1);
    CHECK(r == compat_advertise.at(key));
  }
  // The APIs every client needs first are there.
  CHECK(advertised.count(18) == 1);
  CHECK(advertised.count(3) == 1);
}

TEST_CASE("ApiVersions encodes at every advertised version", "[net][api_versions]") {
  auto resp = supported_api_versions();
  for (int16_t v = api_versions_handler::min_version; v <= api_versions_handler::max_version;
       ++v) {
    INFO("version " << v);
    std::vector<char> buf;
    protocol::writer w{buf};
    resp.encode(w, v);
    protocol::api_versions_response back;
    protocol::reader r{buf.data(), buf.size()};
    back.decode(r, v);
    CHECK(r.remaining() == 0);
    CHECK(back.api_keys.size() == resp.api_keys.size());
    CHECK(back.error_code == 0);
  }
}
