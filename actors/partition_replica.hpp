#pragma once
// The partition replica actor: leader of one partition on this node (single-node cluster: the
// ISR is {this node}, so the high watermark follows the log end offset on every append).
// Fetches at the high watermark long-poll: they wait in a list until an append moves the HW past
// their offset or their max_wait_ms expires.
#include "actors/actors.hpp"

#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace cafka {

// The replica's own interface: the public one plus its private long-poll timer.
// Its handles convert to partition_replica_actor, which is all anyone else sees.
using replica_impl_actor =
  partition_replica_actor::extend<caf::reacts_to<timeout_atom, uint64_t>>;

// Requests to the log actor never wait forever (a stuck disk must surface as an error).
constexpr auto log_request_timeout = std::chrono::seconds(30);

// What the node knows when it spawns a replica (offsets come from the freshly opened log).
struct replica_init {
  std::string topic;
  int32_t partition = 0;
  int32_t leader_id = -1;
  int32_t leader_epoch = 0;
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
  int32_t min_insync_replicas = 1;
};

struct fetch_waiter {
  uint64_t id;
  fetch_args args;
  caf::typed_response_promise<fetch_reply> rp;
};

struct replica_state {
  static inline const char* name = "cafka.replica";
  log_actor log;
  replica_init info;
  std::string label;               // "<topic>-<partition>" for log lines
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;      // tracked from append replies: this actor is the only writer
  int64_t high_watermark = 0;
  std::vector<fetch_waiter> waiters;
  uint64_t next_waiter_id = 0;
};

replica_impl_actor::behavior_type
partition_replica_impl(replica_impl_actor::stateful_pointer<replica_state> self, log_actor log,
                       replica_init info);

} // namespace cafka
