#include "net/handlers/group_routing.hpp"

#include "actors/logging.hpp"

namespace cafka::net {

errc group_error(const caf::error& e) noexcept {
  if (e != caf::sec::request_receiver_down) // a dead actor is routine (deleted group)
    CAFKA_DEBUG("net", "group request failed: " << to_string(e));
  return errc::coordinator_not_available;
}

std::chrono::milliseconds join_timeout(const broker_config& config, int32_t rebalance_timeout_ms) {
  return with_margin(int64_t{rebalance_timeout_ms} + config.group_initial_rebalance_delay_ms);
}

std::chrono::milliseconds sync_timeout(const broker_config& config) {
  return with_margin(config.group_max_session_timeout_ms);
}

void resolve_shard(const context_ptr& ctx, const std::string& group_id,
                   std::function<void(group_shard_actor)> then, group_fail fail) {
  ctx->self->request(ctx->node, node_timeout, coordinator_atom::value, group_id)
    .then(
      [ctx, then, fail](coordinator_lookup& c) {
        if (c.ec != errc::none) {
          fail(c.ec);
        } else if (c.node_id >= 0 && c.node_id != ctx->config.node_id) {
          fail(errc::not_coordinator);
        } else if (!c.shard) {
          // This node should lead the partition but has no shard for it (yet): not an answer a
          // client can act on other than asking again.
          fail(errc::coordinator_not_available);
        } else {
          then(std::move(c.shard));
        }
      },
      [fail](const caf::error& err) { fail(group_error(err)); });
}

void resolve_group(const context_ptr& ctx, const std::string& group_id, bool create,
                   std::function<void(group_actor)> then, group_fail fail) {
  resolve_shard(
    ctx, group_id,
    [ctx, group_id, create, then, fail](group_shard_actor shard) {
      ctx->self->request(shard, node_timeout, group_atom::value, group_id, create)
        .then(
          [then, fail](group_lookup& l) {
            if (l.ec != errc::none)
              fail(l.ec);
            else if (!l.group)
              fail(errc::coordinator_not_available);
            else
              then(std::move(l.group));
          },
          [fail](const caf::error& err) { fail(group_error(err)); });
    },
    fail);
}

std::string client_host(const context_ptr& ctx) {
  const auto& peer = ctx->peer; // "address:port", empty when unknown
  auto colon = peer.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return {};
  // Kafka prints InetAddress.toString(): "/127.0.0.1".
  return "/" + peer.substr(0, colon);
}

} // namespace cafka::net
