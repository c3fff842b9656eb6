// DescribeGroups (API key 15), v0-4: one group actor request per group, in parallel; the answer
// keeps request order. A group that does not exist is described as state "Dead" with error 0,
// as Kafka does (kafka-consumer-groups and AdminClient rely on it). Never creates a group.
//   v3+: authorized_operations when asked for (this broker has no ACLs: every group operation
//        is allowed); otherwise, and below v3, the field keeps its default (the encoder refuses
//        anything else where the version cannot carry it).
//   v4+: group_instance_id per member.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/group_routing.hpp"

namespace cafka::net {

namespace {

using response_t = protocol::describe_groups_response;

// Kafka's AclOperation codes for groups: READ 3, DELETE 6, DESCRIBE 8.
constexpr int32_t all_group_operations = (1 << 3) | (1 << 6) | (1 << 8);

void fill(response_t::described_group& out, const group_description& d, int16_t version) {
  out.error_code = to_kafka_error(d.ec);
  out.group_state = d.state;
  out.protocol_type = d.protocol_type;
  out.protocol_data = d.protocol;
  out.members.reserve(d.members.size());
  for (auto& m : d.members) {
    response_t::described_group_member om;
    om.member_id = m.member_id;
    if (version >= 4 && !m.group_instance_id.empty())
      om.group_instance_id = m.group_instance_id;
    om.client_id = m.client_id;
    om.client_host = m.client_host;
    om.member_metadata = m.metadata;
    om.member_assignment = m.assignment;
    out.members.push_back(std::move(om));
  }
}

} // namespace

void describe_groups_handler::handle(const context_ptr& ctx, request_type&& req) {
  const auto version = ctx->version();
  auto resp = std::make_shared<response_t>();
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  const bool with_ops = version >= 3 && req.include_authorized_operations;
  resp->groups.resize(req.groups.size());
  for (size_t i = 0; i < req.groups.size(); ++i) {
    auto& slot = resp->groups[i];
    slot.group_id = req.groups[i];
    if (with_ops)
      slot.authorized_operations = all_group_operations;
    gather->expect();
    ask_group<group_description>(
      ctx, req.groups[i], false, node_timeout,
      [resp, gather, i, version](group_description& d) {
        fill(resp->groups[i], d, version);
        gather->arrive();
      },
      [resp, gather, i](errc ec) {
        auto& g = resp->groups[i];
        if (ec == errc::group_id_not_found) {
          g.group_state = "Dead";
        } else {
          g.error_code = to_kafka_error(ec);
        }
        gather->arrive();
      },
      describe_group_atom::value);
  }
  gather->seal();
}

} // namespace cafka::net
