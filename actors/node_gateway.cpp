// The node gateway (node_gateway.hpp).
#include "actors/node_gateway.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace cafka {

node_gateway_actor::behavior_type node_gateway_impl(node_gateway_actor::pointer self,
                                                    controller_actor controller, node_actor node) {
  return {
    [controller](controller_atom) { return controller; },
    // The node answers itself; delegating keeps the gateway out of the reply path (and a
    // remote requester's timeout covers a node that never answers).
    [self, node](replica_atom, std::string& topic, int32_t partition)
      -> caf::delegated<replica_lookup> {
      return self->delegate(node, replica_atom::value, std::move(topic), partition);
    },
  };
}

node_gateway_actor spawn_node_gateway(caf::actor_system& sys, controller_actor controller,
                                      node_actor node) {
  return sys.spawn(node_gateway_impl, std::move(controller), std::move(node));
}

} // namespace cafka
