#pragma once
// The peer directory: node id -> that node's gateway (node_gateway_actor) over CAF's middleman.
// Interface: peer_directory_actor in actors/actors.hpp.
//
// A lookup of an unknown id, or of a node that cannot be reached, fails with
// peer_error(errc::broker_not_available). Reachable gateways are cached and monitored; a down
// message (the peer died or the connection broke) forgets the entry, so the next lookup connects
// again (remote_actor reconnects after a restart). Each lookup makes at most one connect attempt:
// callers retry on their own schedule, and a dead peer (connection refused on a LAN is
// immediate) never holds up lookups of the others for long.
//
// remote_actor blocks until the connection and handshake are done, so the directory runs
// detached. This node's own gateway is registered locally (gateway_atom + handle) instead of
// connecting to ourselves.
#include "actors/actors.hpp"
#include "config/cluster_nodes.hpp"

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

#include <map>
#include <vector>

namespace cafka {

// The directory's own interface: the public one plus the local gateway's registration.
using peer_directory_impl_actor
  = peer_directory_actor::extend<caf::reacts_to<gateway_atom, int32_t, node_gateway_actor>>;

struct peer_directory_state {
  static inline const char* name = "cafka.peer_directory";
  std::vector<cluster_node> nodes;
  std::map<int32_t, node_gateway_actor> gateways; // connected (or local), monitored
};

// errc as a caf::error (category "cafka"), for request errors between actors; peer_errc reads it
// back (errc::unknown for any other error, e.g. a request timeout).
caf::error peer_error(errc ec);
errc peer_errc(const caf::error& err);

peer_directory_impl_actor::behavior_type
peer_directory_impl(peer_directory_impl_actor::stateful_pointer<peer_directory_state> self,
                    std::vector<cluster_node> nodes);

// Detached in production; `detached = false` only for tests on CAF's test scheduler (where a
// lookup must then not reach the middleman).
peer_directory_impl_actor spawn_peer_directory(caf::actor_system& sys,
                                               std::vector<cluster_node> nodes, bool detached);

} // namespace cafka
