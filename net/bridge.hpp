#pragma once
// The bridge actor: one per connection, between the Asio world and the actors. For every request
// frame it assigns a sequence number, decodes the header, dispatches to the API's handler
// (net/dispatch) and, when the handler answers (on this actor), parks the response in the reorder
// buffer, which releases frames to the connection strictly in request order.
// A request that cannot be served (bad header, unknown API, version out of range, undecodable
// body) is logged once and closes the connection; the bridge then quits.
// Frames arrive as request_frame (from the connection) or std::vector<char> (tests, benchmarks).
#include "actors/actors.hpp"
#include "config/broker_config.hpp"
#include "net/frame_sink.hpp"
#include "net/handlers/routes.hpp"
#include "net/reorder_buffer.hpp"

#include <caf/stateful_actor.hpp>

namespace cafka::net {

struct bridge_state {
  frame_sink_ptr sink;           // dropped when the bridge quits: breaks the connection cycle
  node_actor node;
  const broker_config* config = nullptr;
  reorder_buffer order;
  route_cache routes;            // topic routes for Produce/Fetch/ListOffsets (handlers/routes)
  bool closing = false;
  static inline const char* name = "cafka.bridge";
};

// `config` must outlive the actor. `sink` is the connection (or a test double).
caf::behavior bridge(caf::stateful_actor<bridge_state>* self, frame_sink_ptr sink,
                     node_actor node, const broker_config* config);

} // namespace cafka::net
