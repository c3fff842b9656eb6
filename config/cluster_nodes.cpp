// The cluster.nodes parser (cluster_nodes.hpp).
#include "config/cluster_nodes.hpp"

#include "config/id_list.hpp"

#include <algorithm>

namespace cafka {

namespace {

constexpr const char* syntax = "id@host:kafka_port:actor_port";

// Parses one `id@host:kafka_port:actor_port`; returns an error text or "".
std::string parse_item(std::string_view item, cluster_node& out) {
  std::string_view rest;
  if (auto err = id_list::split_id(item, syntax, out.id, rest); !err.empty())
    return err;
  auto last = rest.rfind(':');
  auto mid = last == std::string_view::npos || last == 0 ? std::string_view::npos
                                                          : rest.rfind(':', last - 1);
  if (mid == std::string_view::npos || mid == 0)
    return "expected host:kafka_port:actor_port after '@'";
  auto host = id_list::unbracket(rest.substr(0, mid));
  if (host.empty())
    return "empty host";
  if (!id_list::parse_port(rest.substr(mid + 1, last - mid - 1), out.kafka_port))
    return "bad Kafka port";
  if (!id_list::parse_port(rest.substr(last + 1), out.actor_port))
    return "bad actor port";
  if (out.kafka_port == out.actor_port)
    return "the Kafka port and the actor port must differ";
  out.host = std::string{host};
  return {};
}

} // namespace

parsed_cluster_nodes parse_cluster_nodes(std::string_view text) {
  parsed_cluster_nodes result;
  result.nodes = id_list::parse<cluster_node>(text, "node", parse_item, result.error);
  return result;
}

std::string to_string(const std::vector<cluster_node>& nodes) {
  std::string out;
  for (const auto& n : nodes) {
    if (!out.empty())
      out += ',';
    out += std::to_string(n.id) + "@" + id_list::bracket(n.host) + ":"
           + std::to_string(n.kafka_port) + ":" + std::to_string(n.actor_port);
  }
  return out;
}

const cluster_node* find_node(const std::vector<cluster_node>& nodes, int32_t id) {
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const cluster_node& n) { return n.id == id; });
  return it == nodes.end() ? nullptr : &*it;
}

} // namespace cafka
