#pragma once
// The node gateway: what a cluster node publishes on its actor port (cluster.nodes) so the other
// nodes can reach it over CAF's middleman. Its only job is to hand out local handles -- this
// node's controller (for the quorum's wiring and the brokers' controller clients) and this
// node's replica of a partition (a follower finding its leader). Interface: node_gateway_actor
// in actors/actors.hpp. main publishes it with middleman().publish(gateway, actor_port, host).
#include "actors/actors.hpp"

#include <caf/actor_system.hpp>

namespace cafka {

// `controller` may be invalid (the node is not a voter); `node` answers replica lookups.
// The gateway is stateless apart from these handles and never blocks.
node_gateway_actor::behavior_type node_gateway_impl(node_gateway_actor::pointer self,
                                                    controller_actor controller, node_actor node);

node_gateway_actor spawn_node_gateway(caf::actor_system& sys, controller_actor controller,
                                      node_actor node);

} // namespace cafka
