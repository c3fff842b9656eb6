#pragma once
// Every actor interface of cafka, in one place. One comment per message. Message payloads are
// plain structs with inspect() so the same interfaces work between nodes (CAF middleman) later;
// actors/messages.hpp defines them, actors/atoms.hpp names the atoms.
#include "actors/atoms.hpp"
#include "actors/messages.hpp"

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>

namespace cafka {

// Storage actor: owns one partition's storage::log (segments and indexes). One per partition.
using log_actor = caf::typed_actor<
  // Append one validated batch with the given leader epoch; assigns offsets.
  caf::replies_to<append_atom, std::vector<char>, int32_t>::with<append_reply>,
  // Read whole batches from an offset, up to a byte budget (at least one batch).
  caf::replies_to<read_atom, int64_t, int32_t>::with<read_reply>,
  // First offset with timestamp >= t; -1 latest, -2 earliest (ListOffsets semantics).
  caf::replies_to<offset_for_ts_atom, int64_t>::with<offset_reply>,
  // fdatasync data and indexes (runs on a detached actor: blocking is fine here).
  caf::replies_to<flush_atom>::with<errc>,
  // Delete the partition's directory (topic deletion); the actor then quits.
  caf::replies_to<delete_atom>::with<errc>>;

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
  caf::replies_to<delete_atom>::with<errc>>;

// The replica actors of one topic, indexed by partition (produce/fetch routing).
struct topic_route {
  errc ec = errc::none;
  std::vector<partition_replica_actor> replicas;
};
CAFKA_INSPECT_FIELDS(topic_route, x.ec, x.replicas)

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
  caf::replies_to<create_parts_atom, create_partitions_args>::with<topic_result>>;

} // namespace cafka
