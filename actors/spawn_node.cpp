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

#include <filesystem>
#include <stdexcept>

namespace cafka {

node_actor spawn_node(caf::actor_system& sys, const broker_config& cfg) {
  if (cfg.log_dirs.empty())
    throw std::runtime_error("log.dirs is empty");
  std::filesystem::path dir{cfg.log_dirs.front()};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("cannot create log dir " + dir.string() + ": " + ec.message());
  // Startup failures (foreign meta.properties, corrupt topic store) throw: main must not serve.
  auto cluster_id = load_or_create_cluster_id(dir, cfg.node_id);
  auto topics = load_topic_store(dir);
  // Under CAF's test scheduler a detached actor would get its own thread and break the
  // deterministic run; everywhere else log actors are detached because they block on disk I/O.
  auto policy = caf::get_or(sys.config(), "scheduler.policy", caf::defaults::scheduler::policy);
  bool detached_logs = policy != caf::atom("testing");
  return sys.spawn(node_impl, cfg, std::move(cluster_id), std::move(topics), detached_logs);
}

} // namespace cafka
