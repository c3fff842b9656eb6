#pragma once
// The contract between the connection's bridge actor and the per-API handlers.
// A handler gets a decoded request and a context; it talks to actors through ctx->self and
// answers exactly once with ctx->respond(response) (or ctx->respond_nothing() for acks=0).
// Responses are written to the socket in request order by the bridge, whatever order
// handlers finish in.
#include "actors/actors.hpp"
#include "config/broker_config.hpp"
#include "net/frame_sink.hpp"
#include "net/protocol/header.hpp"
#include "net/protocol/wire.hpp"

#include <caf/event_based_actor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cafka::net {

class route_cache;

class request_context {
public:
  using completion = std::function<void(response_frame frame, bool has_response)>;

  request_context(caf::event_based_actor* self, node_actor node, const broker_config& config,
                  protocol::request_header header, completion done, std::string peer = {})
    : self(self), node(std::move(node)), config(config), header(std::move(header)),
      peer(std::move(peer)), done_(std::move(done)) {}

  caf::event_based_actor* const self;   // the connection's bridge actor (callbacks run on it)
  const node_actor node;
  const broker_config& config;
  const protocol::request_header header;
  const std::string peer;               // the client's "address:port"; empty when unknown
  // The connection's cache of topic routes (net/handlers/routes.hpp), owned by the bridge; null
  // when the handler runs outside a bridge (tests): then every lookup asks the node.
  route_cache* routes = nullptr;

  int16_t version() const noexcept { return header.api_version; }

  // Encodes header + body at the request's version and hands the frame to the bridge. Record
  // slices (Fetch) stay out of the frame buffer: the connection splices them in (no copy).
  template <class Response>
  void respond(const Response& response) {
    response_frame frame;
    protocol::writer w{frame.bytes, &frame.slices};
    w.write_int32(0); // size placeholder, patched below
    protocol::write_response_header(w, header);
    response.encode(w, header.api_version);
    protocol::patch_frame_size(frame.bytes, w.size() - frame.bytes.size());
    finish(std::move(frame), true);
  }

  // For requests that get no response on the wire (Produce with acks=0).
  void respond_nothing() { finish({}, false); }

  bool answered() const noexcept { return answered_; }

private:
  void finish(response_frame frame, bool has_response) {
    if (answered_)
      return;
    answered_ = true;
    done_(std::move(frame), has_response);
  }

  completion done_;
  bool answered_ = false;
};

using context_ptr = std::shared_ptr<request_context>;

} // namespace cafka::net
