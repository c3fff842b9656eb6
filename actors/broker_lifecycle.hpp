#pragma once
// The broker lifecycle: a broker's link to the controller quorum (one per broker process in
// cluster mode). Implements controller_client_actor (actors/actors.hpp).
//
// Every heartbeat interval (a tick) it does one step:
//   - no known active controller: ask every voter's controller for its status (through the peer
//     directory: gateway, then controller_atom); the one that says "leader" becomes active;
//   - not registered: register (broker_registration) and remember the broker epoch;
//   - registered: heartbeat with the metadata offset delivered to the node.
// Replies steer it: not_controller follows the leader hint (or rediscovers), stale_broker_epoch
// registers again, a request error or timeout (a dead controller never answers: NOTES.md) drops
// the active controller with a WARN. When a heartbeat reply shows a newer metadata offset than
// delivered, it pulls controller_metadata (metadata_atom) from the active controller -- one pull
// at a time -- and sends it to the node (cluster_image_atom) only if newer than the last one,
// so the node sees images in offset order.
//
// Relays (create/delete topic, create partitions, alter_partition with this broker's id and
// epoch) go to the active controller and retry on not_controller, errors and timeouts until
// relay_deadline_ms after they arrived; then they answer request_timed_out.
//
// Logs: INFO on registration, fencing changes and controller changes; WARN when a controller
// is unreachable.
#include "actors/actors.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace cafka {

// Private timers of the lifecycle; lifecycle_stop_atom is main's controlled shutdown.
using lifecycle_tick_atom = caf::atom_constant<caf::atom("lctick")>;
using lifecycle_retry_atom = caf::atom_constant<caf::atom("lcretry")>;
using lifecycle_stop_atom = caf::atom_constant<caf::atom("lcstop")>;

// Where the lifecycle delivers metadata: the node actor in production (a subset of node_actor).
using metadata_sink_actor = caf::typed_actor<caf::reacts_to<cluster_image_atom, controller_metadata>>;

using broker_lifecycle_actor = controller_client_actor::extend<
  caf::reacts_to<lifecycle_tick_atom>, caf::reacts_to<lifecycle_retry_atom>,
  // Controlled shutdown: one heartbeat with shutting_down set (fences this broker at once and
  // moves leadership away); replies true once the controller answered, false otherwise. The
  // lifecycle stops heartbeating afterwards.
  caf::replies_to<lifecycle_stop_atom>::with<bool>>;

struct lifecycle_config {
  int32_t id = -1;                     // node.id
  std::vector<int32_t> voters;         // the controller quorum's ids
  broker_registration registration;    // this broker's listener and gateway endpoint
  int64_t heartbeat_interval_ms = 2000;
  int64_t request_timeout_ms = 2000;   // one request to a controller
  int64_t relay_deadline_ms = 25000;   // how long a relayed admin request keeps retrying
  int64_t retry_backoff_ms = 100;      // between relay attempts
};

struct broker_lifecycle_state {
  static inline const char* name = "cafka.broker_lifecycle";
  lifecycle_config cfg;
  peer_directory_actor directory;
  controller_actor local_controller;           // this node's own (invalid: not a voter)
  metadata_sink_actor sink;
  std::map<int32_t, controller_actor> controllers; // resolved handles by voter id (monitored)
  int32_t active_id = -1;                      // the active controller, -1: unknown
  bool warned_unreachable = false;             // one WARN per outage, not one per tick
  int64_t broker_epoch = -1;                   // -1: not registered
  bool fenced = true;
  bool in_flight = false;                      // a register/heartbeat is outstanding
  bool pulling = false;                        // a metadata pull is outstanding
  int64_t delivered_offset = -1;               // the newest image sent to the sink
  int64_t seen_offset = -1;                    // the newest offset a heartbeat reported
  bool stopped = false;                        // after a controlled shutdown
  std::vector<std::function<void()>> waiting;  // relays waiting for their next attempt
  bool retry_armed = false;
};

using lifecycle_self = broker_lifecycle_actor::stateful_pointer<broker_lifecycle_state>;

broker_lifecycle_actor::behavior_type broker_lifecycle_impl(lifecycle_self self,
                                                            lifecycle_config cfg,
                                                            peer_directory_actor directory,
                                                            controller_actor local_controller,
                                                            metadata_sink_actor sink);

broker_lifecycle_actor spawn_broker_lifecycle(caf::actor_system& sys, lifecycle_config cfg,
                                              peer_directory_actor directory,
                                              controller_actor local_controller,
                                              metadata_sink_actor sink);

} // namespace cafka
