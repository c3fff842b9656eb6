// FindCoordinator (API key 10), v0-2. A group's coordinator is the leader of its
// __consumer_offsets partition; the node actor knows which (coordinator_atom), so this handler
// only translates. Transaction coordinators do not exist yet: key type 1 gets
// COORDINATOR_NOT_AVAILABLE with a message rather than a node that cannot serve it.
// librdkafka also reads the presence of this API as a broker-feature marker: without it, it
// silently sends lz4-compressed batches uncompressed.
#include "net/handlers/handlers.hpp"

#include "actors/logging.hpp"
#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

namespace cafka::net {

namespace {

using response_t = protocol::find_coordinator_response;

constexpr int8_t group_key = 0;
constexpr int8_t transaction_key = 1;

response_t error_response(errc ec, std::string message) {
  response_t resp;
  resp.error_code = to_kafka_error(ec);
  resp.error_message = std::move(message); // v0 has no message field: dropped by the encoder
  resp.node_id = -1;
  resp.port = -1;
  return resp;
}

} // namespace

void find_coordinator_handler::handle(const context_ptr& ctx, request_type&& req) {
  if (req.key_type == transaction_key) {
    ctx->respond(error_response(errc::coordinator_not_available,
                                "transactions are not supported by this broker yet"));
    return;
  }
  if (req.key_type != group_key) {
    ctx->respond(error_response(errc::invalid_request,
                                "unknown coordinator key type " + std::to_string(req.key_type)));
    return;
  }
  ctx->self->request(ctx->node, node_timeout, coordinator_atom::value, req.key)
    .then(
      [ctx](coordinator_lookup& c) {
        if (c.ec != errc::none) {
          ctx->respond(error_response(c.ec, std::string{to_string(c.ec)}));
          return;
        }
        if (c.node_id < 0) {
          ctx->respond(error_response(errc::coordinator_not_available,
                                      "the group's partition has no leader"));
          return;
        }
        response_t resp;
        resp.node_id = c.node_id;
        resp.host = std::move(c.host);
        resp.port = c.port;
        // This node may leave its own address to the listener config.
        if (resp.host.empty() && c.node_id == ctx->config.node_id &&
            !ctx->config.advertised().empty()) {
          resp.host = ctx->config.advertised().front().host;
          resp.port = ctx->config.advertised().front().port;
        }
        resp.error_message = std::nullopt;
        ctx->respond(resp);
      },
      [ctx](const caf::error& err) {
        CAFKA_WARN("net", "find coordinator: node lookup failed: " << to_string(err));
        ctx->respond(error_response(group_error(err), "node unavailable"));
      });
}

} // namespace cafka::net
