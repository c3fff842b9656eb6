// JoinGroup (API key 11), v0-5. The group actor runs the rebalance; this handler translates and
// waits. Version differences:
//   v0: no rebalance timeout on the wire: the session timeout is used (Kafka does the same);
//   v4+: a new member (empty member id) first gets MEMBER_ID_REQUIRED with its new id;
//   v5+: static membership (group_instance_id), echoed per member to the leader.
// The reply can take as long as the rebalance (plus the initial delay of an Empty group), so the
// actor request's timeout derives from the rebalance timeout.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"

namespace cafka::net {

namespace {

using response_t = protocol::join_group_response;

response_t error_response(errc ec, const std::string& member_id) {
  response_t resp;
  resp.error_code = to_kafka_error(ec);
  resp.generation_id = -1;
  resp.member_id = member_id; // Kafka echoes the requester's id on errors
  return resp;
}

response_t to_wire(const join_group_reply& r, int16_t version) {
  response_t resp;
  resp.error_code = to_kafka_error(r.ec);
  resp.generation_id = r.generation_id;
  resp.protocol_name = r.protocol_name;
  resp.leader = r.leader;
  resp.member_id = r.member_id;
  resp.members.reserve(r.members.size());
  for (auto& m : r.members) {
    response_t::join_group_response_member out;
    out.member_id = m.member_id;
    if (version >= 5 && !m.group_instance_id.empty())
      out.group_instance_id = m.group_instance_id;
    out.metadata = m.metadata;
    resp.members.push_back(std::move(out));
  }
  return resp;
}

} // namespace

void join_group_handler::handle(const context_ptr& ctx, request_type&& req) {
  if (req.group_id.empty()) {
    ctx->respond(error_response(errc::invalid_group_id, req.member_id));
    return;
  }
  const auto version = ctx->version();
  join_group_args args;
  args.group_id = req.group_id;
  args.session_timeout_ms = req.session_timeout_ms;
  args.rebalance_timeout_ms = version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  args.member_id = req.member_id;
  args.group_instance_id = req.group_instance_id.value_or(std::string{});
  args.protocol_type = req.protocol_type;
  args.protocols.reserve(req.protocols.size());
  for (auto& p : req.protocols)
    args.protocols.push_back(group_protocol{std::move(p.name), std::move(p.metadata)});
  args.require_known_member_id = version >= 4;
  args.client_id = ctx->header.client_id.value_or(std::string{});
  args.client_host = client_host(ctx);

  auto timeout = join_timeout(ctx->config, args.rebalance_timeout_ms);
  auto group_id = args.group_id;
  auto member_id = args.member_id;
  ask_group<join_group_reply>(
    ctx, group_id, true, timeout,
    [ctx, version](join_group_reply& r) { ctx->respond(to_wire(r, version)); },
    [ctx, member_id](errc ec) { ctx->respond(error_response(ec, member_id)); },
    join_group_atom::value, std::move(args));
}

} // namespace cafka::net
