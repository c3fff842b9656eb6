// OffsetDelete (API key 47), v0: deletes a group's committed offsets for partitions the group is
// not subscribed to. A group-level error (unknown group: GROUP_ID_NOT_FOUND, coordinator errors)
// is answered with the top-level code and no topics, as Kafka does; otherwise every requested
// partition gets its own code (GROUP_SUBSCRIBED_TO_TOPIC for subscribed ones).
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"

#include <map>
#include <utility>

namespace cafka::net {

namespace {

using response_t = protocol::offset_delete_response;
using request_t = protocol::offset_delete_request;

response_t error_response(errc ec) {
  response_t resp;
  resp.error_code = to_kafka_error(ec);
  return resp;
}

response_t to_wire(const request_t& req, const offset_commit_reply& reply) {
  if (reply.ec != errc::none)
    return error_response(reply.ec);
  std::map<std::pair<std::string, int32_t>, errc> by_partition;
  for (auto& r : reply.offsets)
    by_partition[{r.topic, r.partition}] = r.ec;
  response_t resp;
  for (auto& t : req.topics) {
    response_t::offset_delete_response_topic out;
    out.name = t.name;
    for (auto& p : t.partitions) {
      response_t::offset_delete_response_partition op;
      op.partition_index = p.partition_index;
      auto i = by_partition.find({t.name, p.partition_index});
      op.error_code = to_kafka_error(i == by_partition.end() ? errc::none : i->second);
      out.partitions.push_back(op);
    }
    resp.topics.push_back(std::move(out));
  }
  return resp;
}

} // namespace

void offset_delete_handler::handle(const context_ptr& ctx, request_type&& req) {
  offset_delete_args args;
  args.group_id = req.group_id;
  for (auto& t : req.topics)
    for (auto& p : t.partitions) {
      partition_offset po;
      po.topic = t.name;
      po.partition = p.partition_index;
      args.partitions.push_back(std::move(po));
    }
  auto shared_req = std::make_shared<request_t>(std::move(req));
  ask_group<offset_commit_reply>(
    ctx, shared_req->group_id, false, node_timeout,
    [ctx, shared_req](offset_commit_reply& r) { ctx->respond(to_wire(*shared_req, r)); },
    [ctx](errc ec) { ctx->respond(error_response(ec)); }, offset_delete_atom::value,
    std::move(args));
}

} // namespace cafka::net
