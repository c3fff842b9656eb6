#pragma once
// The `cluster.nodes` syntax: every node of a cluster with its Kafka listener and its inter-node
// actor port (CAF middleman), `id@host:kafka_port:actor_port` separated by commas, e.g.
// "1@127.0.0.1:9092:9192,2@127.0.0.1:9093:9193". One file describes the whole cluster; each
// process picks its own entry by node.id.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cafka {

struct cluster_node {
  int32_t id = -1;
  std::string host;        // without the brackets of an IPv6 literal
  uint16_t kafka_port = 0; // its PLAINTEXT listener (what clients are told)
  uint16_t actor_port = 0; // where its node gateway is published for the other nodes
};

struct parsed_cluster_nodes {
  std::vector<cluster_node> nodes; // in the order given
  std::string error;               // empty on success; else what is wrong and where
  bool ok() const { return error.empty(); }
};

// Rejects malformed items, ids < 0, ports outside 1..65535, duplicate ids and a node whose two
// ports are equal. Empty text is an empty list (single-node mode).
parsed_cluster_nodes parse_cluster_nodes(std::string_view text);

// Back to the option's syntax (IPv6 hosts in brackets).
std::string to_string(const std::vector<cluster_node>& nodes);

// The entry of `id`, nullptr if none.
const cluster_node* find_node(const std::vector<cluster_node>& nodes, int32_t id);

} // namespace cafka
