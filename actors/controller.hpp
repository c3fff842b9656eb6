#pragma once
// The controller actor: one voter of the controller quorum (issue 5). It drives a raft::node
// (raft_node.hpp) over a file_log_store in `<dir>` (KRaft's __cluster_metadata-0 layout) and
// applies committed entries -- lists of cluster records (cluster_records.hpp) -- to its
// cluster_metadata. Interface: controller_actor in actors/actors.hpp.
//
// The ready contract of raft_node.hpp, per input: sync the store, then send the messages to the
// peers, then restore a received snapshot, then apply the committed entries (answering the
// proposals they carry). Timers: one delayed timeout_atom for the node's next_deadline(), on
// the actor clock (so CAF's test scheduler drives it with advance_time). Every
// snapshot_interval_entries applied entries the metadata is serialized and handed to
// node::compact(), which keeps it as the snapshot and drops the log before it.
//
// The Raft leader is the active controller once it has applied every entry before its term:
// it serves brokers (registration, heartbeats, session timeouts), topic administration and
// AlterPartition (controller_ops.hpp, controller_brokers/topics/partitions.cpp), validating
// against `projected` and answering after commit; docs/architecture.md, "The active controller".
//
// Peers are controller_peer_actor handles given by peer_atom (remote over the middleman in
// production, later); a message to a dead or unknown peer is lost, which Raft tolerates. Store
// I/O errors end the actor with an error (a controller cannot go on without its log).
#include "actors/actors.hpp"
#include "actors/cluster_metadata.hpp"
#include "actors/raft_file_log_store.hpp"
#include "actors/raft_node.hpp"
#include "config/broker_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_response_promise.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <system_error>
#include <vector>

namespace cafka {

struct controller_config {
  raft::node_id id = -1;                 // node.id
  std::vector<raft::node_id> voters;     // controller.quorum.voters ids; empty: just `id`
  std::filesystem::path dir;             // e.g. <metadata.log.dir>/__cluster_metadata-0
  int64_t election_timeout_min_ms = 1000;
  int64_t election_timeout_max_ms = 2000;
  int64_t heartbeat_interval_ms = 100;
  uint64_t seed = 0;                     // election timeout RNG; 0: from std::random_device
  int64_t snapshot_interval_entries = 1000;
  uint64_t segment_bytes = raft::file_log_store::default_segment_bytes;
  // Serving brokers (the active controller only).
  int64_t broker_session_timeout_ms = 9000;     // broker.session.timeout.ms
  int32_t num_partitions = 1;                   // num.partitions (create topic with -1)
  int16_t default_replication_factor = 1;       // default.replication.factor (create with -1)
  bool unclean_leader_election_enable = false;  // unclean.leader.election.enable
};

// The controller's own interface: the public one plus its Raft timer (the deadline it was set
// for; a timer whose deadline was superseded does nothing).
using controller_impl_actor = controller_actor::extend<caf::reacts_to<timeout_atom, int64_t>>;

struct controller_state {
  static inline const char* name = "cafka.controller";
  // A proposal of this leader: `done` gets its outcome once committed and applied (or
  // not_controller when leadership is lost first).
  struct pending_proposal {
    raft::term_t term;
    std::function<void(const propose_reply&)> done;
  };

  controller_config cfg;
  std::shared_ptr<raft::file_log_store> store;
  std::unique_ptr<raft::node> node;
  cluster::cluster_metadata metadata;
  raft::index_t applied = 0;                        // metadata reflects entries up to here
  std::map<raft::node_id, controller_peer_actor> peers;
  std::map<raft::index_t, pending_proposal> pending; // proposals of this leader, by index
  int64_t timer_due = -1;                           // the armed timer's deadline, -1: none
  std::mt19937_64 rng;
  raft::role last_role = raft::role::follower;
  raft::term_t last_term = 0;

  // The active controller (controller_ops.hpp): the Raft leader once it has applied every
  // entry before its term's no-op (leader_start). Requests arriving before that wait in
  // `waiting`. `projected` is the committed metadata plus every pending proposal of this leader
  // (KRaft's uncommitted state): requests are validated against it, so proposals in flight
  // are taken into account.
  bool active = false;
  raft::index_t leader_start = 0;
  std::vector<std::function<void()>> waiting;
  cluster::cluster_metadata projected;
  // Broker sessions (in memory, like KRaft's BrokerHeartbeatManager): the last heartbeat time
  // per broker on the actor clock; a new active controller starts everyone afresh.
  std::map<cluster::broker_id, int64_t> last_contact;
  std::set<cluster::broker_id> shutting_down; // asked for controlled shutdown, stays fenced
  std::mt19937_64 admin_rng;                  // placement and topic ids

  ~controller_state(); // closes the store (clean-shutdown marker)
};

// Copies the broker options the active controller uses from the broker's config:
// broker.session.timeout.ms, num.partitions, default.replication.factor,
// unclean.leader.election.enable.
void set_broker_options(controller_config& c, const broker_config& cfg);

// Opens the store in cfg.dir (nullptr handle and ec on failure) and spawns the controller:
// detached when asked (fdatasync blocks; but see spawn_cluster.cpp for why cafka-server does not).
controller_actor spawn_controller(caf::actor_system& sys, controller_config cfg, bool detached,
                                  std::error_code& ec);

} // namespace cafka
