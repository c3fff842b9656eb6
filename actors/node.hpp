#pragma once
// The node actor: one per process. Holds the topic table (persisted in cafka-topics.json; in
// cluster mode taken from the committed metadata instead, see node_cluster.hpp), owns
// every partition's actors (linked children) and answers metadata/route/topic-admin requests.
// Shutdown: an exit message from outside (e.g. anon_send_exit(node, user_shutdown)) makes the
// node send that exit to every child and quit only after all of them are gone, i.e. after every
// log actor has closed its log. Group shards (one per __consumer_offsets partition) are children
// the same way. See actors/README.md.
#include "actors/actors.hpp"
#include "actors/node_cluster.hpp"
#include "actors/partition_factory.hpp"
#include "actors/topic_store.hpp"
#include "config/broker_config.hpp"

#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/timespan.hpp>
#include <caf/typed_response_promise.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace cafka {

struct topic_entry {
  topic_definition def;
  std::vector<partition_actors> partitions;  // empty handles: partition offline (storage error)
                                             // or, in cluster mode, not hosted here
  std::vector<cluster_partition> cluster;    // cluster mode: per partition, as `partitions`
};

// How the node creates a partition's actors: spawn_partition in production; tests substitute
// fakes to watch what the node tells its replicas.
using partition_spawner = std::function<partition_actors(
  caf::local_actor* parent, const broker_config& cfg, const partition_spec& spec, bool detached,
  std::error_code& ec)>;

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
  partition_spawner spawner;
  // Cluster mode (cfg.cluster_mode()): the committed metadata and the links to the quorum and
  // the other nodes (actors/node_cluster*.cpp). Unused in single-node mode.
  cluster_view cluster;
};

// The node's own interface: the public one plus its private timers. Its handles convert to
// node_actor, which is all anyone else sees.
using node_impl_actor = node_actor::extend<
  caf::reacts_to<resolve_retry_atom, std::string, int32_t, uint64_t>, // leader handle retry
  caf::reacts_to<timeout_atom, uint64_t>>;                           // an image waiter's end

using node_self = node_impl_actor::stateful_pointer<node_state>;

// `topics`: the local topic store (single-node mode; ignored in cluster mode, where the
// committed metadata is the truth).
node_impl_actor::behavior_type node_impl(node_self self, broker_config cfg,
                                         std::string cluster_id, topic_map topics,
                                         bool detached_logs);

// The same with another partition spawner (tests).
node_impl_actor::behavior_type node_impl_with(node_self self, broker_config cfg,
                                              std::string cluster_id, topic_map topics,
                                              bool detached_logs, partition_spawner spawner);

// Spawns one partition's actors through the state's spawner and makes them children
// (monitored, stopped with the node). Empty handles when the log cannot be opened.
partition_actors spawn_child_partition(node_self self, const partition_spec& spec);

// Stops one partition's actors and removes its data (the replica deletes its log); `done` runs
// once that finished or failed. An offline partition's directory is removed right here.
void delete_partition(node_self self, const std::string& topic, int32_t partition,
                      const partition_actors& pa, std::function<void()> done);

// A topic's Metadata entry carrying only an error (unknown topic, invalid name, ...).
topic_metadata topic_error(const std::string& name, errc ec);

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

// ---- cluster mode (actors/node_cluster*.cpp) ------------------------------------------------

// cluster_image_atom: adopts a newer image and reconciles this node's partitions with it.
void on_cluster_image(node_self self, controller_metadata& md);

// Applies the current image again (after a deletion finished, so a re-created topic can start).
void reconcile(node_self self);

// The leader handles: sends become where a partition's state changed, resolves remote leaders.
void update_partition_role(node_self self, const std::string& topic, int32_t partition);
void on_resolve_retry(node_self self, const std::string& topic, int32_t partition,
                      uint64_t generation);
// A down_msg that is not from a child: maybe a resolved remote leader. True if it was one.
bool on_leader_down(node_self self, const caf::actor_addr& source);

// The cluster id every node of cluster.nodes reports (derived from that list, so all agree
// without talking; clients warn when brokers of one cluster report different ids).
std::string cluster_wide_id(const broker_config& cfg);

// Metadata, routes and replica lookups from the image.
metadata_snapshot cluster_metadata_snapshot(node_self self, const metadata_query& q,
                                            const std::map<std::string, errc>& create_errors);
topic_route cluster_route(node_self self, const std::string& topic);
replica_lookup cluster_replica(node_self self, const std::string& topic, int32_t partition);
coordinator_lookup cluster_find_coordinator(node_self self, const std::string& group_id);
// Starts the group shards of __consumer_offsets partitions this node leads, stops the others.
void reconcile_group_shards(node_self self);

// Admin through the controller client; each answers once the image shows the effect (or after
// cluster_image_wait).
caf::typed_response_promise<metadata_snapshot> cluster_metadata_request(node_self self,
                                                                         const metadata_query& q);
caf::typed_response_promise<topic_result> cluster_create_topic(node_self self,
                                                               const create_topic_args& args);
caf::typed_response_promise<topic_result> cluster_delete_topic(node_self self,
                                                               const std::string& name);
caf::typed_response_promise<topic_result>
cluster_create_partitions(node_self self, const create_partitions_args& args);

// Runs `done` once the image satisfies `ready` (at once if it already does) or after `wait`.
void wait_for_image(node_self self, std::function<bool(const cluster::cluster_metadata&)> ready,
                    std::function<void()> done, caf::timespan wait);
// Runs the waiters whose condition holds now (after each image), or one at its timeout.
void notify_image_waiters(node_self self);
void on_waiter_timeout(node_self self, uint64_t id);

} // namespace cafka
