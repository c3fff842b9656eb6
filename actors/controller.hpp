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
// Peers are controller_peer_actor handles given by peer_atom (remote over the middleman in
// production, later); a message to a dead or unknown peer is lost, which Raft tolerates. Store
// I/O errors end the actor with an error (a controller cannot go on without its log).
#include "actors/actors.hpp"
#include "actors/cluster_metadata.hpp"
#include "actors/raft_file_log_store.hpp"
#include "actors/raft_node.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_response_promise.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <random>
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
};

// The controller's own interface: the public one plus its Raft timer (the deadline it was set
// for; a timer whose deadline was superseded does nothing).
using controller_impl_actor = controller_actor::extend<caf::reacts_to<timeout_atom, int64_t>>;

struct controller_state {
  static inline const char* name = "cafka.controller";
  struct pending_proposal {
    raft::term_t term;
    caf::typed_response_promise<propose_reply> promise;
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

  ~controller_state(); // closes the store (clean-shutdown marker)
};

// Opens the store in cfg.dir (nullptr handle and ec on failure) and spawns the controller:
// detached in production (fdatasync blocks), scheduled under CAF's test scheduler.
controller_actor spawn_controller(caf::actor_system& sys, controller_config cfg, bool detached,
                                  std::error_code& ec);

} // namespace cafka
