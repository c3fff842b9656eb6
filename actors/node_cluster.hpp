#pragma once
// The node in cluster mode (cluster.nodes set): its truth is the committed cluster metadata the
// controller client hands it (cluster_image_atom), not the local topic store. Types and
// functions shared by node_cluster_*.cpp; the node's state holds one cluster_view.
#include "actors/actors.hpp"
#include "actors/cluster_metadata.hpp"

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace cafka {

// Private timer: retry resolving the leader handle of (topic, partition) for a generation.
using resolve_retry_atom = caf::atom_constant<caf::atom("resolvertr")>;

// One partition of the image as seen by this node (cluster mode only).
struct cluster_partition {
  bool hosted = false;       // assigned here: actors spawned (empty handles when offline)
  bool announced = false;    // a become was sent
  partition_state sent;      // the last become sent (leader handle included)
  caf::actor leader;         // the leader node's replica (resolved; this node's when it leads)
  int32_t leader_for = -1;   // the leader id `leader` belongs to
  uint64_t generation = 0;   // new on every leader change (node-wide unique): older
                             // resolutions and retries are dropped
  bool resolving = false;    // a lookup or a retry timer is pending for `generation`
};

// Someone waiting for an image with some property (an admin request that must not answer
// before its effect is visible here), or for its timeout.
struct image_waiter {
  std::function<bool(const cluster::cluster_metadata&)> ready;
  std::function<void()> done; // runs once: when ready, or at the timeout
};

struct cluster_view {
  controller_client_actor client; // admin relay (cluster_links_atom)
  peer_directory_actor peers;     // other nodes' gateways
  bool has_image = false;
  int64_t offset = -1;            // the image's metadata offset
  int32_t controller_id = -1;     // the active controller the image came from (-1: unknown)
  cluster::cluster_metadata image;
  std::map<uint64_t, image_waiter> waiters;
  uint64_t next_waiter = 0;
  uint64_t next_generation = 1;   // for cluster_partition::generation
  bool creating_offsets = false;  // a __consumer_offsets creation is in flight
  // Partitions whose data is being deleted (no longer assigned here): not re-spawned until done.
  std::set<std::pair<std::string, int32_t>> removing;
};

// How long the node waits for the controller to answer an admin request, and then for the
// image that shows its effect (Kafka answers CreateTopics before every broker knows the topic;
// waiting a little here makes the next Metadata request see it). Both stay well below the
// handlers' node_timeout (10 s).
constexpr auto cluster_admin_timeout = std::chrono::seconds(6);
constexpr auto cluster_image_wait = std::chrono::seconds(3);

} // namespace cafka
