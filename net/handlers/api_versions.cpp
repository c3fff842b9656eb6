// ApiVersions (key 18): computed from all_handlers, so what we advertise is exactly what
// dispatch serves (COMPAT.md's "Advertise" column lives in handlers.hpp).
#include "net/handlers/api_versions.hpp"

#include "net/dispatch.hpp"
#include "net/error_mapping.hpp"

#include <algorithm>

namespace cafka::net {

using protocol::api_versions_response;

namespace {

api_versions_response::api_version entry(int16_t key, int16_t lo, int16_t hi) {
  api_versions_response::api_version v;
  v.api_key = key;
  v.min_version = lo;
  v.max_version = hi;
  return v;
}

} // namespace

api_versions_response supported_api_versions() {
  api_versions_response resp;
  resp.error_code = kafka_error::none;
  resp.throttle_time_ms = 0;
  for_each_handler([&](auto h) {
    using handler = decltype(h);
    resp.api_keys.push_back(
      entry(handler::request_type::api_key, handler::min_version, handler::max_version));
  });
  std::sort(resp.api_keys.begin(), resp.api_keys.end(),
            [](const auto& x, const auto& y) { return x.api_key < y.api_key; });
  // v3: no supported/finalized features (defaults: empty lists, epoch -1).
  return resp;
}

void answer_unsupported_api_versions(const context_ptr& ctx) {
  api_versions_response resp;
  resp.error_code = kafka_error::unsupported_version;
  resp.api_keys.push_back(entry(api_versions_handler::request_type::api_key,
                                api_versions_handler::min_version,
                                api_versions_handler::max_version));
  ctx->respond(resp);
}

void api_versions_handler::handle(const context_ptr& ctx, request_type&&) {
  ctx->respond(supported_api_versions());
}

} // namespace cafka::net
