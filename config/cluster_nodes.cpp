// The cluster.nodes parser (cluster_nodes.hpp).
#include "config/cluster_nodes.hpp"

#include <algorithm>
#include <charconv>

namespace cafka {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

bool parse_port(std::string_view s, uint16_t& out) {
  int port = 0;
  if (!parse_int(s, port) || port < 1 || port > 65535)
    return false;
  out = static_cast<uint16_t>(port);
  return true;
}

// Parses one `id@host:kafka_port:actor_port`; returns an error text or "".
std::string parse_item(std::string_view item, cluster_node& out) {
  auto at = item.find('@');
  if (at == std::string_view::npos)
    return "expected id@host:kafka_port:actor_port";
  if (!parse_int(item.substr(0, at), out.id) || out.id < 0)
    return "bad node id";
  auto rest = item.substr(at + 1);
  auto last = rest.rfind(':');
  if (last == std::string_view::npos)
    return "expected host:kafka_port:actor_port after '@'";
  auto mid = rest.rfind(':', last == 0 ? 0 : last - 1);
  if (mid == std::string_view::npos || mid == 0 || mid == last)
    return "expected host:kafka_port:actor_port after '@'";
  auto host = rest.substr(0, mid);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') // [IPv6]
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    return "empty host";
  if (!parse_port(rest.substr(mid + 1, last - mid - 1), out.kafka_port))
    return "bad Kafka port";
  if (!parse_port(rest.substr(last + 1), out.actor_port))
    return "bad actor port";
  if (out.kafka_port == out.actor_port)
    return "the Kafka port and the actor port must differ";
  out.host = std::string{host};
  return {};
}

} // namespace

parsed_cluster_nodes parse_cluster_nodes(std::string_view text) {
  parsed_cluster_nodes result;
  if (trim(text).empty())
    return result;
  size_t pos = 0;
  for (int n = 1;; ++n) {
    auto comma = text.find(',', pos);
    auto item = trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    cluster_node node;
    if (auto err = parse_item(item, node); !err.empty()) {
      result.error = "node " + std::to_string(n) + " '" + std::string{item} + "': " + err;
      result.nodes.clear();
      return result;
    }
    if (find_node(result.nodes, node.id)) {
      result.error = "node " + std::to_string(n) + ": duplicate node id " + std::to_string(node.id);
      result.nodes.clear();
      return result;
    }
    result.nodes.push_back(std::move(node));
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  return result;
}

std::string to_string(const std::vector<cluster_node>& nodes) {
  std::string out;
  for (const auto& n : nodes) {
    if (!out.empty())
      out += ',';
    auto host = n.host.find(':') != std::string::npos ? "[" + n.host + "]" : n.host;
    out += std::to_string(n.id) + "@" + host + ":" + std::to_string(n.kafka_port) + ":"
           + std::to_string(n.actor_port);
  }
  return out;
}

const cluster_node* find_node(const std::vector<cluster_node>& nodes, int32_t id) {
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const cluster_node& n) { return n.id == id; });
  return it == nodes.end() ? nullptr : &*it;
}

} // namespace cafka
