#pragma once
// Payloads of the multi-node messages in actors/actors.hpp (issue 5): partition replication
// between nodes, a log's leader epochs, broker registration and heartbeats, ISR changes, and
// the committed metadata a broker follows. Plain data with inspect(), like messages.hpp.
#include "actors/messages.hpp"

#include <caf/actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cafka {

// ---- a log's leader epochs (storage actor) --------------------------------------------------

// Kafka's OffsetsForLeaderEpoch on one log: `epoch` is the largest epoch <= the one asked for
// that the log has, `end_offset` the first offset after it (the next epoch's start, or the log
// end for the latest epoch). epoch -1 / end_offset -1: the log knows no such epoch (empty log,
// or every epoch it has is larger).
struct epoch_end_reply {
  errc ec = errc::none;
  int32_t epoch = -1;
  int64_t end_offset = -1;
};

// ---- partition replication (replica actors across nodes) ------------------------------------

// A partition as the controller committed it, handed to this node's replica. A replica whose
// node id is leader_id leads; one listed in `replicas` otherwise follows `leader` (that node's
// replica actor; invalid until the node could resolve it, then sent again with the same epochs).
// leader_id -1: no leader right now (the replica serves nothing, keeps its data).
struct partition_state {
  int32_t leader_id = -1;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  caf::actor leader; // partition_replica_actor (untyped: the interface mentions this struct)
};

// A follower's fetch from its leader (Kafka's Fetch with replica_id, KIP-320 / KIP-595 style
// divergence detection: the leader compares last_fetched_epoch and fetch_offset with its own
// epochs and answers diverging_* instead of records when the follower's log went astray).
struct replica_fetch_args {
  int32_t replica_id = -1;
  int32_t leader_epoch = -1;       // the epoch the follower follows; mismatch → fenced/unknown
  int64_t fetch_offset = 0;        // the follower's log end
  int32_t last_fetched_epoch = -1; // epoch of the follower's last batch (-1: empty log)
  int32_t max_bytes = 1048576;
  int32_t max_wait_ms = 0;         // long-poll at the leader's log end
};

// ec: fenced_leader_epoch / unknown_leader_epoch (epochs differ), not_leader_or_follower,
// offset_out_of_range (fetch_offset below the leader's log start: the follower resets to it).
// diverging_epoch >= 0: truncate to min(diverging_end_offset, own log end) and fetch again.
struct replica_fetch_reply {
  errc ec = errc::none;
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
  int64_t log_end_offset = -1;
  int32_t diverging_epoch = -1;
  int64_t diverging_end_offset = -1;
  storage::record_bytes records;
};

// ---- the controller quorum's broker-facing side --------------------------------------------

// A broker's registration at start. The controller answers with the broker epoch (the Raft
// index of the committed register_broker record, as KRaft does); the broker stays fenced until
// a heartbeat shows it has applied metadata up to that offset.
struct broker_registration {
  int32_t id = -1;
  std::string host;     // Kafka listener for clients
  int32_t port = 0;
  std::string endpoint; // "host:actor_port" of its node gateway
};

// ec: not_controller (leader = the controller this one knows, -1 if none).
struct registration_reply {
  errc ec = errc::none;
  int32_t leader = -1;
  int64_t broker_epoch = -1;
};

struct broker_heartbeat {
  int32_t id = -1;
  int64_t broker_epoch = -1;
  int64_t metadata_offset = -1; // the metadata offset this broker has applied
  bool shutting_down = false;   // controlled shutdown: fence now, move leadership away
};

// ec: not_controller (leader set), stale_broker_epoch (register again).
struct heartbeat_reply {
  errc ec = errc::none;
  int32_t leader = -1;
  bool fenced = true;
  int64_t metadata_offset = -1; // the controller's committed and applied metadata offset
};

// A partition leader's ISR change request (Kafka's AlterPartition).
struct alter_partition_args {
  int32_t broker_id = -1;       // the leader asking
  int64_t broker_epoch = -1;
  std::string topic;
  int32_t partition = 0;
  int32_t leader_epoch = 0;     // the leader's epoch (fenced_leader_epoch if old)
  int32_t partition_epoch = 0;  // the state it changes (invalid_update_version if old)
  std::vector<int32_t> new_isr;
};

// The committed partition state; ec: not_controller, fenced_leader_epoch,
// invalid_update_version, ineligible_replica (a new member is fenced), unknown_topic_or_partition.
struct alter_partition_reply {
  errc ec = errc::none;
  int32_t leader_id = -1;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
  std::vector<int32_t> isr;
};

CAFKA_INSPECT_FIELDS(epoch_end_reply, x.ec, x.epoch, x.end_offset)
CAFKA_INSPECT_FIELDS(partition_state, x.leader_id, x.leader_epoch, x.partition_epoch, x.replicas,
                     x.isr, x.leader)
CAFKA_INSPECT_FIELDS(replica_fetch_args, x.replica_id, x.leader_epoch, x.fetch_offset,
                     x.last_fetched_epoch, x.max_bytes, x.max_wait_ms)
CAFKA_INSPECT_FIELDS(replica_fetch_reply, x.ec, x.high_watermark, x.log_start_offset,
                     x.log_end_offset, x.diverging_epoch, x.diverging_end_offset, x.records)
CAFKA_INSPECT_FIELDS(broker_registration, x.id, x.host, x.port, x.endpoint)
CAFKA_INSPECT_FIELDS(registration_reply, x.ec, x.leader, x.broker_epoch)
CAFKA_INSPECT_FIELDS(broker_heartbeat, x.id, x.broker_epoch, x.metadata_offset, x.shutting_down)
CAFKA_INSPECT_FIELDS(heartbeat_reply, x.ec, x.leader, x.fenced, x.metadata_offset)
CAFKA_INSPECT_FIELDS(alter_partition_args, x.broker_id, x.broker_epoch, x.topic, x.partition,
                     x.leader_epoch, x.partition_epoch, x.new_isr)
CAFKA_INSPECT_FIELDS(alter_partition_reply, x.ec, x.leader_id, x.leader_epoch, x.partition_epoch,
                     x.isr)

} // namespace cafka
