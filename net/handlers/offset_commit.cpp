// OffsetCommit (API key 8), v2-7. Version differences: retention_time_ms v2-4 (later: broker
// default), committed_leader_epoch v6+, group_instance_id v7+. The response lists every
// partition of the request, in request order, each with its own error.
// A commit with generation -1 comes from a client that does not use group management ("simple"
// consumer): it may create the group, as in Kafka. A member commit for a group that does not
// exist is from a generation that is gone: ILLEGAL_GENERATION (Kafka's answer).
// Partitions of topics the node does not know (or beyond a topic's partition count) get
// UNKNOWN_TOPIC_OR_PARTITION here and never reach the group, as in Kafka's KafkaApis.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"

#include <map>
#include <set>
#include <utility>

namespace cafka::net {

namespace {

using response_t = protocol::offset_commit_response;
using request_t = protocol::offset_commit_request;

using partition_key = std::pair<std::string, int32_t>;
using partition_set = std::set<partition_key>;

// Mirrors the request: one entry per requested partition. Unknown partitions get their error;
// `all` applies to every other partition unless the per-partition results say otherwise.
response_t to_wire(const request_t& req, const partition_set& unknown, errc all,
                   const std::vector<partition_offset>& results) {
  std::map<partition_key, errc> by_partition;
  for (auto& r : results)
    by_partition[{r.topic, r.partition}] = r.ec;
  response_t resp;
  resp.topics.reserve(req.topics.size());
  for (auto& t : req.topics) {
    response_t::offset_commit_response_topic out;
    out.name = t.name;
    for (auto& p : t.partitions) {
      auto ec = all;
      if (unknown.count({t.name, p.partition_index}) > 0) {
        ec = errc::unknown_topic_or_partition;
      } else if (ec == errc::none) {
        auto i = by_partition.find({t.name, p.partition_index});
        if (i != by_partition.end())
          ec = i->second;
      }
      response_t::offset_commit_response_partition op;
      op.partition_index = p.partition_index;
      op.error_code = to_kafka_error(ec);
      out.partitions.push_back(op);
    }
    resp.topics.push_back(std::move(out));
  }
  return resp;
}

// The partitions of `req` whose topic the node does not know, or which lie beyond the topic's
// partition count.
partition_set unknown_partitions(const request_t& req, const route_map& routes) {
  partition_set out;
  for (auto& t : req.topics) {
    auto r = routes.find(t.name);
    if (r != routes.end() && r->second.ec != errc::none
        && r->second.ec != errc::unknown_topic_or_partition)
      continue; // the node did not answer: let the commit through rather than refuse it
    for (auto& p : t.partitions)
      if (r == routes.end() || r->second.ec != errc::none || p.partition_index < 0
          || size_t(p.partition_index) >= r->second.replicas.size())
        out.insert({t.name, p.partition_index});
  }
  return out;
}

void commit(const context_ptr& ctx, std::shared_ptr<const request_t> req, partition_set unknown) {
  const auto version = ctx->version();
  offset_commit_args args;
  args.group_id = req->group_id;
  args.generation_id = req->generation_id;
  args.member_id = req->member_id;
  args.group_instance_id = req->group_instance_id.value_or(std::string{});
  args.retention_time_ms = version <= 4 ? req->retention_time_ms : -1;
  for (auto& t : req->topics)
    for (auto& p : t.partitions) {
      if (unknown.count({t.name, p.partition_index}) > 0)
        continue;
      partition_offset po;
      po.topic = t.name;
      po.partition = p.partition_index;
      po.offset = p.committed_offset;
      po.leader_epoch = version >= 6 ? p.committed_leader_epoch : -1;
      po.metadata = p.committed_metadata.value_or(std::string{});
      args.offsets.push_back(std::move(po));
    }
  if (args.offsets.empty() && !unknown.empty()) {
    ctx->respond(to_wire(*req, unknown, errc::none, {})); // nothing left for the group
    return;
  }
  auto shared_unknown = std::make_shared<const partition_set>(std::move(unknown));
  const bool simple = args.generation_id < 0;
  ask_group<offset_commit_reply>(
    ctx, req->group_id, simple, node_timeout,
    [ctx, req, shared_unknown](offset_commit_reply& r) {
      ctx->respond(to_wire(*req, *shared_unknown, r.ec, r.offsets));
    },
    [ctx, req, shared_unknown](errc ec) {
      if (ec == errc::group_id_not_found)
        ec = errc::illegal_generation;
      ctx->respond(to_wire(*req, *shared_unknown, ec, {}));
    },
    offset_commit_atom::value, std::move(args));
}

} // namespace

void offset_commit_handler::handle(const context_ptr& ctx, request_type&& req) {
  auto shared_req = std::make_shared<const request_t>(std::move(req));
  std::vector<std::string> names;
  for (auto& t : shared_req->topics)
    names.push_back(t.name);
  lookup_routes(ctx, names, [ctx, shared_req](route_map_ptr routes) {
    commit(ctx, shared_req, unknown_partitions(*shared_req, *routes));
  });
}

} // namespace cafka::net
