#pragma once
// Every actor interface of cafka, in one place. One comment per message. Message payloads are
// plain structs with inspect() so the same interfaces work between nodes (CAF middleman) later;
// actors/messages.hpp defines them, actors/atoms.hpp names the atoms.
#include "actors/atoms.hpp"
#include "actors/cluster_messages.hpp"
#include "actors/controller_messages.hpp"
#include "actors/group_messages.hpp"
#include "actors/messages.hpp"

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>

namespace cafka {

// Storage actor: owns one partition's storage::log (segments and indexes). One per partition.
using log_actor = caf::typed_actor<
  // Append one validated batch with the given leader epoch; assigns offsets.
  caf::replies_to<append_atom, storage::record_bytes, int32_t>::with<append_reply>,
  // Read whole batches from an offset, up to a byte budget (at least one batch).
  caf::replies_to<read_atom, int64_t, int32_t>::with<read_reply>,
  // First offset with timestamp >= t; -1 latest, -2 earliest (ListOffsets semantics).
  caf::replies_to<offset_for_ts_atom, int64_t>::with<offset_reply>,
  // fdatasync data and indexes (runs on a detached actor: blocking is fine here).
  caf::replies_to<flush_atom>::with<errc>,
  // Delete the partition's directory (topic deletion); the actor then quits.
  caf::replies_to<delete_atom>::with<errc>,
  // DeleteRecords: raise the log start offset to the given offset (<= log end, checked by the
  // replica against the HW) and delete segments below it; offset = the new log start offset.
  caf::replies_to<delete_records_atom, int64_t>::with<offset_reply>,
  // Apply new topic-level settings (AlterConfigs): segment, timestamp, flush, retention and
  // cleanup settings take effect from the next append, roll, flush, retention check or clean.
  caf::replies_to<configure_atom, log_settings>::with<errc>,
  // Follower: append batches that already carry their leader's offsets and epochs (one or more
  // whole batches; a batch starting below the log end is offset_out_of_range; one past it is
  // accepted: a compacted leader's log has gaps). Empty records: a no-op, last_offset + 1 =
  // the log end.
  caf::replies_to<replicate_atom, storage::record_bytes>::with<append_reply>,
  // The leader epoch cache: the largest epoch <= e and its end offset (e = -1: the latest).
  caf::replies_to<epoch_end_atom, int32_t>::with<epoch_end_reply>,
  // Follower truncation: removes every record at or after the offset (never below the log
  // start; a cut inside a batch drops the whole batch); offset = the new log end.
  caf::replies_to<truncate_atom, int64_t>::with<offset_reply>,
  // Follower behind the leader's log start: empties the log and continues at the offset
  // (>= the log end, else offset_out_of_range; Kafka's truncateFullyAndStartAt); offset = the
  // new log start and end.
  caf::replies_to<start_over_atom, int64_t>::with<offset_reply>>;

// A partition replica: serves one partition as leader (this node) or follower. Carries its role
// and leader epoch; the high watermark lives here, not in storage.
using partition_replica_actor = caf::typed_actor<
  // Produce one validated batch; replies after the `acks` condition holds.
  caf::replies_to<produce_atom, produce_args>::with<produce_reply>,
  // Fetch from an offset; waits up to max_wait_ms for data past it when none is there yet.
  caf::replies_to<fetch_atom, fetch_args>::with<fetch_reply>,
  // ListOffsets for one timestamp (-1 latest, -2 earliest, else by time).
  caf::replies_to<list_offsets_atom, int64_t>::with<offset_reply>,
  // Current role, epoch and offsets (metadata, tests).
  caf::replies_to<status_atom>::with<replica_status>,
  // Delete this partition's data and quit (topic deletion).
  caf::replies_to<delete_atom>::with<errc>,
  // DeleteRecords for one partition: -1 means the HW; beyond the HW → offset_out_of_range.
  // offset = the new low watermark (log start offset).
  caf::replies_to<delete_records_atom, int64_t>::with<offset_reply>,
  // A new min.insync.replicas for acks=all produces (AlterConfigs); applies to the next produce.
  caf::replies_to<configure_atom, int32_t>::with<errc>,
  // Take on the committed partition state: lead, follow, or neither (leader -1). A state with
  // an older leader or partition epoch is ignored (fenced_leader_epoch); the same epochs with a
  // new leader handle only retarget the follower's fetches.
  caf::replies_to<become_atom, partition_state>::with<errc>,
  // A follower's fetch (leader only): records from fetch_offset, or where its log diverged;
  // the leader tracks the follower's position for the high watermark and the ISR.
  caf::replies_to<replica_fetch_atom, replica_fetch_args>::with<replica_fetch_reply>>;

// One replica of this node, looked up by another node (a follower finding its leader).
// ec: unknown_topic_or_partition when this node has no replica of it.
struct replica_lookup {
  errc ec = errc::none;
  partition_replica_actor replica;
};
CAFKA_INSPECT_FIELDS(replica_lookup, x.ec, x.replica)

// Where a leader sends ISR changes (Kafka's AlterPartition): the node's controller client in
// production, a fake in tests.
using alter_partition_actor = caf::typed_actor<
  caf::replies_to<alter_partition_atom, alter_partition_args>::with<alter_partition_reply>>;

// The replica actors of one topic, indexed by partition (produce/fetch routing).
struct topic_route {
  errc ec = errc::none;
  std::vector<partition_replica_actor> replicas;
  // Cluster mode: per partition, why its handle is empty (not_leader_or_follower: other nodes
  // host it; storage_error: offline here). Empty: every empty handle is an offline partition.
  std::vector<errc> missing;
};
CAFKA_INSPECT_FIELDS(topic_route, x.ec, x.replicas, x.missing)

// A consumer group's coordinator: one per group, spawned by the group shard that owns the
// group's __consumer_offsets partition. Runs Kafka's state machine (Empty, PreparingRebalance,
// CompletingRebalance, Stable, Dead); changes state only through records it has the shard append.
using group_actor = caf::typed_actor<
  // Join (or rejoin) the group; replies when the rebalance completes (or at once with an error).
  caf::replies_to<join_group_atom, join_group_args>::with<join_group_reply>,
  // Followers wait for the leader's assignments; the leader sends them.
  caf::replies_to<sync_group_atom, sync_group_args>::with<sync_group_reply>,
  // Keep the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
  caf::replies_to<heartbeat_atom, heartbeat_args>::with<errc>,
  // Remove members (v3+: several, static members by instance id).
  caf::replies_to<leave_group_atom, leave_group_args>::with<leave_group_reply>,
  // Commit offsets as a member of a generation (or as a simple client when generation is -1).
  caf::replies_to<offset_commit_atom, offset_commit_args>::with<offset_commit_reply>,
  // Delete committed offsets of partitions the group is not subscribed to.
  caf::replies_to<offset_delete_atom, offset_delete_args>::with<offset_commit_reply>,
  // State, protocol and members (DescribeGroups).
  caf::replies_to<describe_group_atom>::with<group_description>,
  // Delete the group if it has no members (NON_EMPTY_GROUP otherwise); the actor then quits.
  caf::replies_to<delete_group_atom>::with<errc>>;

// The result of a group lookup at a shard. ec: group_id_not_found (create == false),
// coordinator_load_in_progress, invalid_group_id.
struct group_lookup {
  errc ec = errc::none;
  group_actor group;
};
CAFKA_INSPECT_FIELDS(group_lookup, x.ec, x.group)

// A group shard: one per __consumer_offsets partition led by this node. Replays the partition on
// start (COORDINATOR_LOAD_IN_PROGRESS until done), owns the committed offsets of its groups,
// spawns their group actors, and appends their records through the partition's replica.
using group_shard_actor = caf::typed_actor<
  // The group's coordinator actor, created on first use (`create` false: only if it exists).
  caf::replies_to<group_atom, std::string, bool>::with<group_lookup>,
  // Committed offsets of a group.
  caf::replies_to<offset_fetch_atom, offset_fetch_args>::with<offset_fetch_reply>,
  // All groups of this shard (ListGroups).
  caf::replies_to<list_groups_atom>::with<std::vector<group_listing>>,
  // Append records (keys and values of __consumer_offsets) for a group actor; replies once they
  // are durable per acks=all, after the shard applied them to its own state.
  caf::replies_to<store_atom, std::vector<offsets_record>>::with<errc>>;

// Where a group lives. ec: not_coordinator (the shard is elsewhere), coordinator_load_in_progress.
struct coordinator_lookup {
  errc ec = errc::none;
  int32_t node_id = -1;
  std::string host;
  int32_t port = -1;
  int32_t partition = -1;         // the group's __consumer_offsets partition
  group_shard_actor shard;        // set when this node leads that partition
};
CAFKA_INSPECT_FIELDS(coordinator_lookup, x.ec, x.node_id, x.host, x.port, x.partition, x.shard)

// A controller's face towards the other voters of the quorum: the Raft messages (one-way; the
// sender's id is inside each). Remote over the middleman in production.
using controller_peer_actor = caf::typed_actor<
  caf::reacts_to<raft_atom, raft::vote_request>, caf::reacts_to<raft_atom, raft::vote_response>,
  caf::reacts_to<raft_atom, raft::append_request>,
  caf::reacts_to<raft_atom, raft::append_response>,
  caf::reacts_to<raft_atom, raft::snapshot_request>,
  caf::reacts_to<raft_atom, raft::snapshot_response>>;

// A controller: one voter of the KRaft-style quorum (controller.hpp). Runs raft::node over its
// file store and applies committed entries to the cluster metadata (cluster_metadata.hpp).
using controller_actor = controller_peer_actor::extend<
  // The handle of the voter with this id (wiring at start, and again after it restarted).
  caf::reacts_to<peer_atom, int32_t, controller_peer_actor>,
  // Commit metadata records (cluster::encode of a record list, one Raft entry); replies once
  // they are committed and applied, or at once with not_controller and the leader it knows.
  caf::replies_to<propose_atom, std::vector<char>>::with<propose_reply>,
  // The committed metadata as this controller has applied it, and its Raft index.
  caf::replies_to<metadata_atom>::with<controller_metadata>,
  // Role, term, leader, commit and applied index.
  caf::replies_to<status_atom>::with<controller_status>,
  // Broker registration (every start of a broker): commits register_broker, replies its epoch.
  caf::replies_to<register_broker_atom, broker_registration>::with<registration_reply>,
  // Broker heartbeat: liveness (fencing after broker.session.timeout.ms without one), unfencing
  // once the broker caught up, and the committed metadata offset to follow.
  caf::replies_to<broker_heartbeat_atom, broker_heartbeat>::with<heartbeat_reply>,
  // Topic administration on the active controller (not_controller elsewhere): placement over
  // the unfenced brokers, one committed entry per request.
  caf::replies_to<create_topic_atom, create_topic_args>::with<topic_result>,
  caf::replies_to<delete_topic_atom, std::string>::with<topic_result>,
  caf::replies_to<create_parts_atom, create_partitions_args>::with<topic_result>,
  // A partition leader's ISR change (AlterPartition); replies the committed state.
  caf::replies_to<alter_partition_atom, alter_partition_args>::with<alter_partition_reply>>;

// The broker's link to the controller quorum, one per broker process in cluster mode
// (actors/broker_lifecycle.*): registers this broker, heartbeats, pulls newly committed
// metadata from the active controller and hands it to the node (cluster_image_atom), and relays
// these requests to whichever controller is active (retrying on not_controller or an
// unreachable controller until the request's own deadline).
using controller_client_actor = caf::typed_actor<
  caf::replies_to<create_topic_atom, create_topic_args>::with<topic_result>,
  caf::replies_to<delete_topic_atom, std::string>::with<topic_result>,
  caf::replies_to<create_parts_atom, create_partitions_args>::with<topic_result>,
  caf::replies_to<alter_partition_atom, alter_partition_args>::with<alter_partition_reply>>;

// What a node publishes on its actor port (cluster.nodes) for the other nodes; the one entry
// point over the middleman (actors/node_gateway.*).
using node_gateway_actor = caf::typed_actor<
  // This node's controller (an invalid handle when it is not a voter).
  caf::replies_to<controller_atom>::with<controller_actor>,
  // This node's replica of a partition (a follower finding its leader).
  caf::replies_to<replica_atom, std::string, int32_t>::with<replica_lookup>>;

// Connections to the other nodes (actors/peer_directory.*; detached: connecting blocks). Connects
// on demand, caches the gateway handle, forgets it when the peer goes down (the next request
// connects again). Errors: broker_not_available (unknown id, or the peer is unreachable).
using peer_directory_actor = caf::typed_actor<
  caf::replies_to<gateway_atom, int32_t>::with<node_gateway_actor>>;


// The node actor: one per process. Owns the metadata (topics, partitions, leaders, brokers),
// spawns and retargets partition replicas, persists topic definitions under log.dirs.
using node_actor = caf::typed_actor<
  // Cluster metadata for some topics (all when query.topics is empty and all_topics is set);
  // auto-creates missing topics when allowed by query and config.
  caf::replies_to<metadata_atom, metadata_query>::with<metadata_snapshot>,
  // The replica actors of one topic, indexed by partition (for produce/fetch routing).
  caf::replies_to<route_atom, std::string>::with<topic_route>,
  // Create one topic.
  caf::replies_to<create_topic_atom, create_topic_args>::with<topic_result>,
  // Delete one topic and its data.
  caf::replies_to<delete_topic_atom, std::string>::with<topic_result>,
  // Grow a topic to a new total partition count.
  caf::replies_to<create_parts_atom, create_partitions_args>::with<topic_result>,
  // The coordinator of a consumer group: the leader of partition hash(group) % n of
  // __consumer_offsets, and that partition's shard when it is this node.
  caf::replies_to<coordinator_atom, std::string>::with<coordinator_lookup>,
  // Every group shard led by this node (ListGroups, DescribeGroups fan-out).
  caf::replies_to<group_shards_atom>::with<std::vector<group_shard_actor>>,
  // DescribeConfigs of one resource: a topic's keys (effective values, sources, synonyms), this
  // broker's options (read-only), or its loggers. Errors per resource in the reply.
  caf::replies_to<describe_configs_atom, config_resource>::with<config_description>,
  // AlterConfigs / IncrementalAlterConfigs of one topic: validates every change (nothing applied
  // on error), persists the new overrides and applies them to every partition before replying.
  caf::replies_to<alter_configs_atom, alter_configs_args>::with<topic_result>,
  // Cluster mode: the controller client and the peer directory, once, right after spawn.
  caf::reacts_to<cluster_links_atom, controller_client_actor, peer_directory_actor>,
  // Cluster mode: newly committed metadata (a cluster_metadata snapshot and its offset). The
  // node reconciles its partitions with it: spawns replicas it is assigned, tells each one its
  // state (become), deletes partitions and topics that are gone; Metadata answers from it.
  caf::reacts_to<cluster_image_atom, controller_metadata>,
  // This node's replica of a partition (the gateway asks on behalf of other nodes).
  caf::replies_to<replica_atom, std::string, int32_t>::with<replica_lookup>>;

} // namespace cafka
