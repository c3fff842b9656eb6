#pragma once
// Creates one partition's pair of actors: its log actor (owning the opened storage::log) and its
// partition replica. Lifetime is the caller's job (the node monitors both and stops them when it
// ends, see node.cpp); they are not linked, so one partition's failure stays local.
#include "actors/actors.hpp"
#include "config/broker_config.hpp"

#include <caf/local_actor.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <system_error>

namespace cafka {

struct partition_actors {
  log_actor log;
  partition_replica_actor replica;
  explicit operator bool() const { return static_cast<bool>(replica); }
};

struct partition_spec {
  std::string topic;
  int32_t partition = 0;
  int32_t leader_epoch = 0;
  std::map<std::string, std::string> configs; // the topic's overrides (actors/topic_config.hpp)
  // Cluster mode: where the leader sends ISR changes (the node's controller client).
  alter_partition_actor alter_partition;
};

// Kafka's directory naming: <log.dir>/<topic>-<partition>.
std::filesystem::path partition_dir(const broker_config& cfg, const std::string& topic,
                                    int32_t partition);

// Opens the partition's log (running recovery) and spawns its actors. `detached` puts the log
// actor on its own thread (production); the test scheduler needs it scheduled. Returns empty
// handles and sets ec when the log cannot be opened.
partition_actors spawn_partition(caf::local_actor* parent, const broker_config& cfg,
                                 const partition_spec& spec, bool detached, std::error_code& ec);

} // namespace cafka
