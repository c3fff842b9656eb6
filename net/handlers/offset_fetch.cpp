// OffsetFetch (API key 9), v1-5. Committed offsets live in the group's shard (not the group
// actor), so this asks the shard directly; no group actor is created.
//   v1:   no top-level error: a group-level error goes into every requested partition;
//   v2+:  null topics = every committed offset of the group; top-level error_code (then no
//         topics, as Kafka answers);
//   v5:   committed_leader_epoch.
// A partition without a committed offset answers offset -1, metadata "", error 0.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/group_routing.hpp"

#include <map>
#include <utility>

namespace cafka::net {

namespace {

using response_t = protocol::offset_fetch_response;
using request_t = protocol::offset_fetch_request;

response_t::offset_fetch_response_partition unknown_offset(int32_t partition, errc ec) {
  response_t::offset_fetch_response_partition p;
  p.partition_index = partition;
  p.committed_offset = -1;
  p.committed_leader_epoch = -1;
  p.metadata = std::string{};
  p.error_code = to_kafka_error(ec);
  return p;
}

response_t::offset_fetch_response_partition to_wire(const partition_offset& o) {
  auto p = unknown_offset(o.partition, o.ec);
  p.committed_offset = o.offset;
  p.committed_leader_epoch = o.leader_epoch;
  p.metadata = o.metadata;
  return p;
}

response_t error_response(const request_t& req, errc ec, int16_t version) {
  response_t resp;
  if (version >= 2) {
    resp.error_code = to_kafka_error(ec);
    return resp;
  }
  if (req.topics)
    for (auto& t : *req.topics) {
      response_t::offset_fetch_response_topic out;
      out.name = t.name;
      for (auto p : t.partition_indexes)
        out.partitions.push_back(unknown_offset(p, ec));
      resp.topics.push_back(std::move(out));
    }
  return resp;
}

// Requested partitions in request order; all committed ones (grouped by topic) for null topics.
response_t to_wire(const request_t& req, const offset_fetch_reply& reply) {
  response_t resp;
  if (!req.topics) {
    std::map<std::string, size_t> index;
    for (auto& o : reply.offsets) {
      auto [i, fresh] = index.emplace(o.topic, resp.topics.size());
      if (fresh) {
        resp.topics.emplace_back();
        resp.topics.back().name = o.topic;
      }
      resp.topics[i->second].partitions.push_back(to_wire(o));
    }
    return resp;
  }
  std::map<std::pair<std::string, int32_t>, const partition_offset*> found;
  for (auto& o : reply.offsets)
    found[{o.topic, o.partition}] = &o;
  for (auto& t : *req.topics) {
    response_t::offset_fetch_response_topic out;
    out.name = t.name;
    for (auto p : t.partition_indexes) {
      auto i = found.find({t.name, p});
      out.partitions.push_back(i == found.end() ? unknown_offset(p, errc::none)
                                                : to_wire(*i->second));
    }
    resp.topics.push_back(std::move(out));
  }
  return resp;
}

} // namespace

void offset_fetch_handler::handle(const context_ptr& ctx, request_type&& req) {
  const auto version = ctx->version();
  // v1 cannot send null; a null array there would be a decoding quirk: treat it as empty.
  if (version < 2 && !req.topics)
    req.topics.emplace();
  offset_fetch_args args;
  args.group_id = req.group_id;
  args.all_partitions = !req.topics.has_value();
  if (req.topics)
    for (auto& t : *req.topics)
      for (auto p : t.partition_indexes) {
        partition_offset po;
        po.topic = t.name;
        po.partition = p;
        args.partitions.push_back(std::move(po));
      }
  auto shared_req = std::make_shared<request_t>(std::move(req));
  auto fail = [ctx, shared_req, version](errc ec) {
    ctx->respond(error_response(*shared_req, ec, version));
  };
  resolve_shard(
    ctx, shared_req->group_id,
    [ctx, shared_req, fail, args = std::move(args)](group_shard_actor shard) {
      ctx->self->request(shard, node_timeout, offset_fetch_atom::value, args)
        .then(
          [ctx, shared_req, fail](offset_fetch_reply& r) {
            if (r.ec != errc::none)
              fail(r.ec);
            else
              ctx->respond(to_wire(*shared_req, r));
          },
          [fail](const caf::error& err) { fail(group_error(err)); });
    },
    fail);
}

} // namespace cafka::net
