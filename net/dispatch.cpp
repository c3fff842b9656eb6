#include "net/dispatch.hpp"

#include "net/handlers/api_versions.hpp"

#include <exception>
#include <memory>

namespace cafka::net {

namespace {

dispatch_result fail(std::string why) {
  return {false, std::move(why)};
}

std::string describe(const protocol::request_header& h) {
  return "api_key " + std::to_string(h.api_key) + " v" + std::to_string(h.api_version)
         + " (correlation id " + std::to_string(h.correlation_id) + ")";
}

// ApiVersions at a version we do not know: its header layout may be unknown too, but the first
// 8 bytes (api_key, api_version, correlation_id) are the same in every header version, and they
// are all the v0 error reply needs.
protocol::request_header minimal_header(const char* data, size_t size) {
  protocol::reader r{data, size};
  protocol::request_header h;
  h.api_key = r.read_int16();
  h.api_version = r.read_int16();
  h.correlation_id = r.read_int32();
  return h;
}

} // namespace

dispatch_result dispatch_frame(caf::event_based_actor* self, const node_actor& node,
                               const broker_config& config, const storage::byte_slice& frame,
                               request_context::completion done, const std::string& peer,
                               route_cache* routes) {
  const char* data = frame.data;
  const size_t size = frame.size;
  if (size < 8)
    return fail("request of " + std::to_string(size) + " bytes is shorter than a header");
  auto peek = minimal_header(data, size);
  if (peek.api_key == api_versions_handler::request_type::api_key
      && (peek.api_version < api_versions_handler::min_version
          || peek.api_version > api_versions_handler::max_version)) {
    // COMPAT.md: never close during the ApiVersions exchange; answer v0 + UNSUPPORTED_VERSION.
    peek.api_version = 0;
    answer_unsupported_api_versions(
      std::make_shared<request_context>(self, node, config, std::move(peek), std::move(done),
                                        peer));
    return {};
  }
  dispatch_result result;
  bool found = visit_handler(peek.api_key, [&](auto h) {
    using handler = decltype(h);
    if (peek.api_version < handler::min_version || peek.api_version > handler::max_version) {
      result = fail("unsupported version of " + describe(peek) + ", supported: "
                    + std::to_string(handler::min_version) + "-"
                    + std::to_string(handler::max_version));
      return;
    }
    typename handler::request_type request;
    protocol::request_header header;
    try {
      protocol::reader r{data, size, frame.owner};
      header = protocol::decode_request_header(r);
      request.decode(r, header.api_version);
    } catch (const std::exception& e) {
      result = fail("cannot decode " + describe(peek) + ": " + e.what());
      return;
    }
    auto ctx = std::make_shared<request_context>(self, node, config, std::move(header),
                                                 std::move(done), peer);
    ctx->routes = routes;
    try {
      handler::handle(ctx, std::move(request));
    } catch (const std::exception& e) {
      // E.g. encode_error from respond(): the client would wait forever for this slot.
      result = fail("handler for " + describe(peek) + " failed: " + e.what());
    }
  });
  if (!found)
    return fail("unknown " + describe(peek));
  return result;
}

} // namespace cafka::net
