#pragma once
// The group shard: one per __consumer_offsets partition led by this node. On start it replays its
// partition from the log start (COORDINATOR_LOAD_IN_PROGRESS until done); afterwards it owns the
// partition's state (offsets_state), appends records for its group actors through the
// partition's replica (acks=all) and applies them once durable, spawns group actors on first use,
// expires offsets of empty groups and logs consumer lag periodically.
#include "actors/actors.hpp"
#include "actors/group_coordinator.hpp" // group_settings, spawn_group
#include "actors/offsets_state.hpp"

#include <caf/actor_clock.hpp>
#include <caf/local_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace cafka {

// How a shard creates a group actor (spawn_group in production; tests may pass a double).
using group_factory = std::function<group_actor(caf::actor_system&, std::string, group_settings,
                                                group_shard_actor, std::optional<stored_group>)>;

struct group_shard_config {
  int32_t partition = 0;                     // the __consumer_offsets partition
  partition_replica_actor replica;           // its replica on this node (the leader)
  node_actor node;                           // for the lag report's routes; may be null
  group_settings settings;
  int64_t retention_ms = 10080LL * 60 * 1000;
  int64_t retention_check_interval_ms = 600000;
  int64_t lag_log_interval_ms = 60000;       // 0: no lag report
  group_factory factory;                     // empty: spawn_group
};

// The shard's own interface: the public one plus its private timers (tag: "replay" retries the
// load, "retention" runs an expiry round, "lag" logs a lag report).
using group_shard_impl_actor =
  group_shard_actor::extend<caf::reacts_to<timeout_atom, caf::atom_value>>;

struct group_shard_state {
  static inline const char* name = "cafka.group_shard";
  group_shard_config cfg;
  std::string label;                         // "__consumer_offsets-<p>" for log lines
  bool loading = true;
  int64_t replay_next = 0;                   // next offset to replay
  int64_t replay_end = 0;                    // the high watermark when the replay started
  offsets_state data;
  size_t appends_in_flight = 0;              // retention waits for none (see run_retention)
  // Group actors spawned so far (monitored). Shared with a functor that stops them when the
  // shard ends, whatever the reason (the state is gone by then).
  std::shared_ptr<std::map<std::string, group_actor>> live
    = std::make_shared<std::map<std::string, group_actor>>();
  std::map<std::string, std::string> last_lag; // last reported line per group
  // Wall-clock milliseconds at spawn and the actor clock then: "now" = wall at spawn + elapsed
  // actor-clock time, so CAF's test clock (advance_time) drives retention deterministically.
  int64_t wall_at_start_ms = 0;
  caf::actor_clock::time_point clock_at_start;
};

using group_shard_self = group_shard_impl_actor::stateful_pointer<group_shard_state>;

// Spawns a shard as a child of `parent` (the node), which monitors it and stops it on shutdown.
// The shard stops its group actors when it ends.
group_shard_actor spawn_group_shard(caf::local_actor* parent, group_shard_config cfg);

// Sends the shard one of its timer ticks after `ms` (0: never). Long intervals are capped at a
// day so the actor clock's time point cannot overflow (the options allow any long).
void schedule_timer(group_shard_self self, int64_t ms, caf::atom_value tag);

// The shard's notion of now, in wall-clock milliseconds (see group_shard_state).
int64_t shard_now_ms(group_shard_self self);

// Offsets expiry and lag report (actors/group_shard_timers.cpp).
void run_retention(group_shard_self self);
void run_lag_report(group_shard_self self);

// Appends records through the replica (one batch, acks=all), then applies them to the state;
// `done` gets errc::none or the error. A group tombstone also tombstones the group's offsets
// (Kafka's DeleteGroups removes both, and replay must not bring the offsets back).
void append_records(group_shard_self self, std::vector<offsets_record> records,
                   std::function<void(errc)> done);

} // namespace cafka
