#pragma once
// Request routing, computed from the one handler list (net/handlers/handlers.hpp): find the
// handler whose request_type::api_key matches, check the version against its range, decode the
// body at that version and call handle(). No second table of API keys exists anywhere.
#include "net/handler.hpp"
#include "net/handlers/handlers.hpp"

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace cafka::net {

// Calls f(Handler{}) for every handler in all_handlers, in list order.
template <class F>
void for_each_handler(F&& f) {
  std::apply([&](auto... h) { (f(h), ...); }, all_handlers{});
}

// Calls f(Handler{}) for the handler of `api_key`; returns false when no handler serves it.
template <class F>
bool visit_handler(int16_t api_key, F&& f) {
  return std::apply(
    [&](auto... h) {
      return ((decltype(h)::request_type::api_key == api_key ? (f(h), true) : false) || ...);
    },
    all_handlers{});
}

struct dispatch_result {
  bool ok = true;
  std::string error;  // why the connection must be closed (when !ok)
};

// Decodes one request frame (header + body, no size prefix) and hands it to its handler.
// The handler answers through `done` (possibly before this returns). Returns !ok when the
// request cannot be served and the connection must close; `done` is then never called, except
// for ApiVersions at an unsupported version, which is answered (v0 body, UNSUPPORTED_VERSION)
// and keeps the connection open, as clients expect.
// `routes`: the connection's route cache, handed to handlers through the context (may be null).
// With an owner in `frame`, records fields are decoded as slices of the frame (a Produce batch
// travels to its log uncopied); without one they are copied.
dispatch_result dispatch_frame(caf::event_based_actor* self, const node_actor& node,
                               const broker_config& config, const storage::byte_slice& frame,
                               request_context::completion done, const std::string& peer = {},
                               route_cache* routes = nullptr);

inline dispatch_result dispatch_frame(caf::event_based_actor* self, const node_actor& node,
                                      const broker_config& config, const std::vector<char>& frame,
                                      request_context::completion done,
                                      const std::string& peer = {}) {
  return dispatch_frame(self, node, config, storage::byte_slice{nullptr, frame.data(), frame.size()},
                        std::move(done), peer);
}

} // namespace cafka::net
