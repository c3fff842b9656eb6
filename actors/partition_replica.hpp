#pragma once
// The partition replica actor: one partition on this node as leader, follower or neither
// (Kafka's Partition + ReplicaFetcher). Single-node mode starts it as the leader of ISR {self};
// cluster mode starts it without a role until the node hands it the committed state (become).
//
// Split by job: partition_replica.cpp (the behavior, become, roles), replica_reads.cpp
// (consumer fetch, long polls, list offsets), replica_leader.cpp (follower progress, high
// watermark, acks=all, serving follower fetches), replica_isr.cpp (ISR shrink/expand through
// AlterPartition), replica_follower.cpp (the fetch loop to the leader).
#include "actors/actors.hpp"

#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cafka {

// Private timers of one generation (replica_state::generation): the leader's ISR check and the
// follower's next fetch.
using isr_tick_atom = caf::atom_constant<caf::atom("isrtick")>;
using fetch_tick_atom = caf::atom_constant<caf::atom("fetchtick")>;

// The replica's own interface: the public one plus its private timers (the uint64_t of
// timeout_atom names a waiting fetch or produce). Its handles convert to
// partition_replica_actor, which is all anyone else sees.
using replica_impl_actor = partition_replica_actor::extend<
  caf::reacts_to<timeout_atom, uint64_t>, caf::reacts_to<isr_tick_atom, uint64_t>,
  caf::reacts_to<fetch_tick_atom, uint64_t>>;

// Requests to the log actor never wait forever (a stuck disk must surface as an error).
constexpr auto log_request_timeout = std::chrono::seconds(30);
// A follower's fetch may take max_wait_ms at the leader; beyond this much more it is lost.
constexpr auto replica_fetch_slack = std::chrono::seconds(5);
constexpr auto alter_partition_timeout = std::chrono::seconds(30);

// What the node knows when it spawns a replica (offsets come from the freshly opened log).
struct replica_init {
  std::string topic;
  int32_t partition = 0;
  int32_t node_id = -1;                 // this node (node.id)
  int32_t leader_id = -1;               // single-node leader: this node
  int32_t leader_epoch = 0;             // single-node leader: the topic's epoch
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int32_t min_insync_replicas = 1;
  // true: single-node mode (leader of ISR {self}, HW = log end). false: cluster mode, no role
  // and HW = log start until become (no HW checkpoint yet: the leader's fetch replies or, as a
  // new leader, the ISR's fetches raise it).
  bool single_node_leader = true;
  alter_partition_actor alter_partition;  // ISR changes (cluster mode)
  int64_t replica_lag_time_max_ms = 30000;  // replica.lag.time.max.ms
  int32_t replica_fetch_max_bytes = 1048576;
  int32_t replica_fetch_wait_max_ms = 500;
  int32_t replica_fetch_backoff_ms = 1000;
};

struct fetch_waiter {
  uint64_t id;
  fetch_args args;
  caf::typed_response_promise<fetch_reply> rp;
};

// A follower's fetch waiting at the leader's log end (long poll).
struct replica_fetch_waiter {
  uint64_t id;
  replica_fetch_args args;
  caf::typed_response_promise<replica_fetch_reply> rp;
};

// An acks=all produce appended and waiting for the high watermark to pass it.
struct produce_waiter {
  uint64_t id;
  int64_t required_offset;   // last offset + 1
  produce_reply reply;       // the success reply
  caf::typed_response_promise<produce_reply> rp;
};

// The leader's view of one follower (Kafka's Replica state).
struct follower_progress {
  int32_t id = -1;
  int64_t log_end_offset = -1;         // -1: not fetched in this leader's term yet
  int64_t last_caught_up_ms = 0;       // Kafka's lastCaughtUpTimeMs
  int64_t last_fetch_ms = 0;
  int64_t last_fetch_leader_end = -1;  // the leader's log end at that fetch
};

struct leader_state {
  int64_t epoch_start_offset = 0;      // this node's log end when it became leader
  std::vector<follower_progress> followers;
  std::vector<produce_waiter> produces;
  std::vector<replica_fetch_waiter> replica_waiters;
  // The AlterPartition in flight (at most one) and the ISR it proposes.
  bool alter_in_flight = false;
  std::vector<int32_t> pending_isr;
  int64_t alter_retry_at_ms = 0;       // after a failed request: not before this
};

struct follower_state {
  bool fetch_in_flight = false;
  int32_t last_fetched_epoch = -1;     // epoch of the last batch in the local log
  bool positioned = false;             // log end and last epoch read from the log actor
};

struct replica_state {
  static inline const char* name = "cafka.replica";
  log_actor log;
  replica_init info;
  std::string label;               // "<topic>-<partition>" for log lines
  replica_role role = replica_role::none;
  bool has_part = false;           // a state was given (single-node: at spawn; else: become)
  partition_state part;            // the committed state this replica acts on
  // Bumped whenever the role, the leader epoch or the leader handle changes: replies and
  // timers of an older generation are dropped.
  uint64_t generation = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;      // tracked from the log actor's replies
  int64_t high_watermark = 0;
  std::vector<fetch_waiter> waiters;
  uint64_t next_waiter_id = 0;
  leader_state lead;
  follower_state follow;
};

replica_impl_actor::behavior_type
partition_replica_impl(replica_impl_actor::stateful_pointer<replica_state> self, log_actor log,
                       replica_init info);

} // namespace cafka
