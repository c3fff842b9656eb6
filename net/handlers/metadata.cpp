// Metadata (API key 3), v0-6: brokers, controller, cluster id and topic/partition leadership,
// all from the node actor's snapshot. Topic list semantics differ by version:
//   v0: an empty array means "all topics" (v0 has no null);
//   v1+: null means all topics, an empty array means none (brokers only).
// allow_auto_topic_creation exists from v4; older clients always allow it (the broker's
// auto.create.topics.enable still decides, in the node).
#include "net/handlers/handlers.hpp"

#include "actors/logging.hpp"
#include "net/error_mapping.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

namespace cafka::net {

namespace {

using response_t = protocol::metadata_response;

metadata_query make_query(const metadata_handler::request_type& req, int16_t version) {
  metadata_query q;
  if (!req.topics || (version == 0 && req.topics->empty())) {
    q.all_topics = true;
  } else {
    q.all_topics = false;
    q.topics.reserve(req.topics->size());
    for (auto& t : *req.topics)
      q.topics.push_back(t.name);
  }
  q.allow_auto_create = version >= 4 ? req.allow_auto_topic_creation : true;
  return q;
}

response_t::metadata_response_partition to_wire(const partition_metadata& p, int32_t self_id) {
  response_t::metadata_response_partition out;
  out.error_code = to_kafka_error(p.ec);
  out.partition_index = p.partition;
  out.leader_id = p.leader_id;
  out.replica_nodes = p.replicas;
  out.isr_nodes = p.isr;
  // A topic created by this very request may not have a leader recorded yet; this node hosts
  // it and serves it at once, so say so instead of LEADER_NOT_AVAILABLE and a client retry.
  if (p.ec == errc::none && out.leader_id < 0) {
    out.leader_id = self_id;
    if (out.replica_nodes.empty())
      out.replica_nodes = {self_id};
    if (out.isr_nodes.empty())
      out.isr_nodes = {self_id};
  }
  // offline_replicas (v5+): none; a single node never lists itself offline.
  return out;
}

response_t to_wire(const metadata_snapshot& snap, int32_t self_id) {
  response_t resp;
  resp.throttle_time_ms = 0;
  resp.brokers.reserve(snap.brokers.size());
  for (auto& b : snap.brokers) {
    response_t::metadata_response_broker out;
    out.node_id = b.node_id;
    out.host = b.host;
    out.port = b.port;
    resp.brokers.push_back(std::move(out)); // rack: null
  }
  resp.cluster_id = snap.cluster_id;
  resp.controller_id = snap.controller_id;
  resp.topics.reserve(snap.topics.size());
  for (auto& t : snap.topics) {
    response_t::metadata_response_topic out;
    out.error_code = to_kafka_error(t.ec);
    out.name = t.name;
    out.is_internal = t.is_internal;
    out.partitions.reserve(t.partitions.size());
    for (auto& p : t.partitions)
      out.partitions.push_back(to_wire(p, self_id));
    resp.topics.push_back(std::move(out));
  }
  return resp;
}

// The node did not answer: every requested topic gets the error and the client retries. This
// broker (from its config) stays in the broker list, so the client keeps a bootstrap target.
response_t failed(const metadata_query& q, int16_t code, const broker_config& config) {
  response_t resp;
  resp.controller_id = config.node_id;
  for (auto& l : config.advertised()) {
    response_t::metadata_response_broker b;
    b.node_id = config.node_id;
    b.host = l.host;
    b.port = l.port;
    resp.brokers.push_back(std::move(b));
    break; // one entry per node
  }
  for (auto& name : q.topics) {
    response_t::metadata_response_topic t;
    t.error_code = code;
    t.name = name;
    resp.topics.push_back(std::move(t));
  }
  return resp;
}

} // namespace

void metadata_handler::handle(const context_ptr& ctx, request_type&& req) {
  auto query = make_query(req, ctx->version());
  ctx->self->request(ctx->node, node_timeout, metadata_atom::value, query)
    .then(
      [ctx](const metadata_snapshot& snap) { ctx->respond(to_wire(snap, ctx->config.node_id)); },
      [ctx, query](const caf::error& err) {
        CAFKA_WARN("net", "metadata request failed: " << to_string(err));
        ctx->respond(failed(query, to_kafka_error(from_caf_error(err)), ctx->config));
      });
}

} // namespace cafka::net
