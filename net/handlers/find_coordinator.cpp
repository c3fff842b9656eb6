// FindCoordinator (API key 10), v0-2. The coordinator of every consumer group is this node for
// now (the group coordinator will follow the leader of the group's __consumer_offsets
// partition). Transaction coordinators do not exist yet: key type 1 gets
// COORDINATOR_NOT_AVAILABLE with a message rather than a node that cannot serve it.
// librdkafka also reads the presence of this API as a broker-feature marker: without it, it
// silently sends lz4-compressed batches uncompressed.
#include "net/handlers/handlers.hpp"

#include "actors/logging.hpp"
#include "net/error_mapping.hpp"
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
  resp.error_message = std::move(message);
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
  // The broker list comes from the node, like Metadata's, so both always agree.
  metadata_query brokers_only;
  brokers_only.all_topics = false;
  ctx->self->request(ctx->node, node_timeout, metadata_atom::value, brokers_only)
    .then(
      [ctx](const metadata_snapshot& snap) {
        for (auto& b : snap.brokers)
          if (b.node_id == ctx->config.node_id) {
            response_t resp;
            resp.node_id = b.node_id;
            resp.host = b.host;
            resp.port = b.port;
            resp.error_message = std::nullopt;
            ctx->respond(resp);
            return;
          }
        ctx->respond(error_response(errc::coordinator_not_available, "this node is not listed"));
      },
      [ctx](const caf::error& err) {
        CAFKA_WARN("net", "find coordinator: node lookup failed: " << to_string(err));
        ctx->respond(error_response(errc::coordinator_not_available, "node unavailable"));
      });
}

} // namespace cafka::net
