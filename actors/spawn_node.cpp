// Wiring: prepares the log directory (meta.properties, topic store) and spawns the node actor.
#include "actors/spawn.hpp"

#include "actors/meta_properties.hpp"
#include "actors/node.hpp"
#include "actors/topic_store.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/defaults.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace cafka {

namespace {

// Every node of a cluster reads the same cluster.nodes, so an id derived from it is the same on
// all of them without any exchange (Kafka's operators run `kafka-storage format` with one id
// instead). 128 bits of two FNV-1a hashes, base64url like Kafka's ids.
std::string cluster_id_from(const std::vector<cluster_node>& nodes) {
  auto text = to_string(nodes);
  auto fnv = [&](uint64_t h) {
    for (unsigned char c : text)
      h = (h ^ c) * 0x100000001b3ULL;
    return h;
  };
  std::array<unsigned char, 16> bytes;
  uint64_t halves[2] = {fnv(0xcbf29ce484222325ULL), fnv(0x84222325cbf29ce4ULL)};
  for (int i = 0; i < 16; ++i)
    bytes[static_cast<size_t>(i)] = static_cast<unsigned char>(halves[i / 8] >> (8 * (i % 8)));
  return uuid_base64(bytes);
}

} // namespace

node_actor spawn_node(caf::actor_system& sys, const broker_config& cfg) {
  if (cfg.log_dirs.empty())
    throw std::runtime_error("log.dirs is empty");
  std::filesystem::path dir{cfg.log_dirs.front()};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("cannot create log dir " + dir.string() + ": " + ec.message());
  // Startup failures (foreign meta.properties, corrupt topic store) throw: main must not serve.
  auto cluster_id = load_or_create_cluster_id(
    dir, cfg.node_id, cfg.cluster_mode() ? cluster_id_from(cfg.cluster_nodes) : std::string{});
  auto topics = load_topic_store(dir);
  // Under CAF's test scheduler a detached actor would get its own thread and break the
  // deterministic run; everywhere else log actors are detached because they block on disk I/O.
  auto policy = caf::get_or(sys.config(), "scheduler.policy", caf::defaults::scheduler::policy);
  bool detached_logs = policy != caf::atom("testing");
  return sys.spawn(node_impl, cfg, std::move(cluster_id), std::move(topics), detached_logs);
}

} // namespace cafka
