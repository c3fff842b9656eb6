// SyncGroup (API key 14), v0-3. The leader sends every member's assignment; followers wait in the
// group actor until the leader's arrives. That wait has no client-given bound: at the latest the
// leader's session expires, the group rebalances and the follower is answered, so the actor
// request's timeout follows group.max.session.timeout.ms. v3+ carries group_instance_id.
// protocol_type/name checks are v5+ (not served), so they stay empty (= not checked).
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"

namespace cafka::net {

namespace {

using response_t = protocol::sync_group_response;

response_t error_response(errc ec) {
  response_t resp;
  resp.error_code = to_kafka_error(ec);
  return resp;
}

} // namespace

void sync_group_handler::handle(const context_ptr& ctx, request_type&& req) {
  if (req.group_id.empty()) {
    ctx->respond(error_response(errc::invalid_group_id));
    return;
  }
  sync_group_args args;
  args.group_id = req.group_id;
  args.generation_id = req.generation_id;
  args.member_id = std::move(req.member_id);
  args.group_instance_id = req.group_instance_id.value_or(std::string{});
  args.assignments.reserve(req.assignments.size());
  for (auto& a : req.assignments)
    args.assignments.push_back(member_assignment{std::move(a.member_id), std::move(a.assignment)});
  ask_group<sync_group_reply>(
    ctx, req.group_id, false, sync_timeout(ctx->config),
    [ctx](sync_group_reply& r) {
      response_t resp;
      resp.error_code = to_kafka_error(r.ec);
      resp.assignment = std::move(r.assignment);
      ctx->respond(resp);
    },
    [ctx](errc ec) {
      // A group that does not exist has no such member (Kafka: UNKNOWN_MEMBER_ID).
      ctx->respond(error_response(ec == errc::group_id_not_found ? errc::unknown_member_id : ec));
    },
    sync_group_atom::value, std::move(args));
}

} // namespace cafka::net
