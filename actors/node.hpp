#pragma once
// The node actor: one per process. Holds the topic table (persisted in cafka-topics.json), owns
// every partition's actors (linked children) and answers metadata/route/topic-admin requests.
// Shutdown: an exit message from outside (e.g. anon_send_exit(node, user_shutdown)) makes the
// node send that exit to every child and quit only after all of them are gone, i.e. after every
// log actor has closed its log. Group shards (one per __consumer_offsets partition) are children
// the same way. See actors/README.md.
#include "actors/actors.hpp"
#include "actors/partition_factory.hpp"
#include "actors/topic_store.hpp"
#include "config/broker_config.hpp"

#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/typed_response_promise.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace cafka {

struct topic_entry {
  topic_definition def;
  std::vector<partition_actors> partitions;  // empty handles: partition offline (storage error)
};

struct node_state {
  static inline const char* name = "cafka.node";
  broker_config cfg;
  std::filesystem::path dir;                 // log.dirs[0]: topic store, meta.properties, logs
  std::string cluster_id;
  bool detached_logs = true;
  std::map<std::string, topic_entry> topics;
  std::set<std::string> deleting;            // deleted, waiting for partitions to remove data
  // Live log and replica actors (monitored). Shared with a functor attached to the node that
  // stops whatever is still alive when the node ends for any reason (even exit_reason::kill).
  // Group shards by __consumer_offsets partition (empty handle: partition offline). They are
  // children too: monitored, in `children`, stopped like the partitions on shutdown.
  std::vector<group_shard_actor> shards;
  std::shared_ptr<std::set<caf::actor_addr>> children = std::make_shared<std::set<caf::actor_addr>>();
  bool shutting_down = false;
  caf::error shutdown_reason;
};

using node_self = node_actor::stateful_pointer<node_state>;

node_actor::behavior_type node_impl(node_self self, broker_config cfg, std::string cluster_id,
                                    topic_map topics, bool detached_logs);

// Topic administration (actors/node_topics.cpp).
topic_result create_topic(node_self self, const create_topic_args& args);
caf::typed_response_promise<topic_result> delete_topic(node_self self, const std::string& name);
topic_result create_partitions(node_self self, const create_partitions_args& args);

// Topic and broker configs (actors/node_configs.cpp).
config_description describe_configs(node_self self, const config_resource& res);
caf::typed_response_promise<topic_result> alter_configs(node_self self,
                                                        const alter_configs_args& args);

// Spawns the actors of partitions [from, to) of `entry`, marking failures offline.
void spawn_partitions(node_self self, topic_entry& entry, int32_t from, int32_t to);

// Consumer groups (actors/node_groups.cpp).
constexpr const char* offsets_topic_name = "__consumer_offsets";

// FindCoordinator: the group's __consumer_offsets partition and its shard, creating the topic on
// first use (Kafka creates it lazily too).
coordinator_lookup find_coordinator(node_self self, const std::string& group_id);

// Spawns the group shards of __consumer_offsets partitions [from, to) that are online.
void spawn_group_shards(node_self self, const topic_entry& entry, int32_t from, int32_t to);

// Stops the shard of `partition` (its replica went away) or of every partition (partition -1).
void stop_group_shards(node_self self, int32_t partition, const caf::error& reason);

// Writes the current topic table to disk.
std::error_code persist_topics(node_self self);

} // namespace cafka
