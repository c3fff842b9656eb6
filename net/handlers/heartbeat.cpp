// Heartbeat (API key 12), v0-3: keeps a member's session alive; the group actor answers
// REBALANCE_IN_PROGRESS when the member must rejoin. v3+ carries group_instance_id.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"

namespace cafka::net {

namespace {

void respond(const context_ptr& ctx, errc ec) {
  protocol::heartbeat_response resp;
  resp.error_code = to_kafka_error(ec);
  ctx->respond(resp);
}

} // namespace

void heartbeat_handler::handle(const context_ptr& ctx, request_type&& req) {
  if (req.group_id.empty()) {
    respond(ctx, errc::invalid_group_id);
    return;
  }
  heartbeat_args args;
  args.group_id = req.group_id;
  args.generation_id = req.generation_id;
  args.member_id = std::move(req.member_id);
  args.group_instance_id = req.group_instance_id.value_or(std::string{});
  ask_group<errc>(
    ctx, req.group_id, false, node_timeout, [ctx](errc& ec) { respond(ctx, ec); },
    [ctx](errc ec) {
      // No group, no member: the client rejoins (Kafka answers UNKNOWN_MEMBER_ID too).
      respond(ctx, ec == errc::group_id_not_found ? errc::unknown_member_id : ec);
    },
    heartbeat_atom::value, std::move(args));
}

} // namespace cafka::net
