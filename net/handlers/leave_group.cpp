// LeaveGroup (API key 13), v0-3.
//   v0-2: one member_id; the response has a single error code.
//   v3+:  a list of members (static members may be named by group_instance_id alone), with a
//         group-level error plus one error per member.
// For v0-2 Kafka reports the group-level error, else the member's own error.
// A group that does not exist knows none of the members: per-member UNKNOWN_MEMBER_ID, like Kafka.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"

namespace cafka::net {

namespace {

using response_t = protocol::leave_group_response;

response_t to_wire(const leave_group_reply& r, int16_t version) {
  response_t resp;
  resp.error_code = to_kafka_error(r.ec);
  if (version < 3) {
    // The encoder rejects members below v3: fold the member's result into the one code.
    if (r.ec == errc::none && !r.members.empty())
      resp.error_code = to_kafka_error(r.members.front().ec);
    return resp;
  }
  resp.members.reserve(r.members.size());
  for (auto& m : r.members) {
    response_t::member_response out;
    out.member_id = m.member_id;
    out.group_instance_id =
      m.group_instance_id.empty() ? std::nullopt : std::optional<std::string>{m.group_instance_id};
    out.error_code = to_kafka_error(m.ec);
    resp.members.push_back(std::move(out));
  }
  return resp;
}

} // namespace

void leave_group_handler::handle(const context_ptr& ctx, request_type&& req) {
  const auto version = ctx->version();
  leave_group_args args;
  args.group_id = req.group_id;
  if (version < 3) {
    args.members.push_back(member_identity{std::move(req.member_id), {}});
  } else {
    args.members.reserve(req.members.size());
    for (auto& m : req.members)
      args.members.push_back(
        member_identity{std::move(m.member_id), m.group_instance_id.value_or(std::string{})});
  }
  if (req.group_id.empty()) {
    leave_group_reply r;
    r.ec = errc::invalid_group_id;
    ctx->respond(to_wire(r, version));
    return;
  }
  auto members = args.members; // for the unknown-group answer
  ask_group<leave_group_reply>(
    ctx, req.group_id, false, node_timeout,
    [ctx, version](leave_group_reply& r) { ctx->respond(to_wire(r, version)); },
    [ctx, version, members](errc ec) {
      leave_group_reply r;
      if (ec == errc::group_id_not_found) {
        for (auto& m : members)
          r.members.push_back(member_result{m.member_id, m.group_instance_id,
                                            errc::unknown_member_id});
      } else {
        r.ec = ec;
      }
      ctx->respond(to_wire(r, version));
    },
    leave_group_atom::value, std::move(args));
}

} // namespace cafka::net
