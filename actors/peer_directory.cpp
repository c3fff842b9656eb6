// The peer directory (peer_directory.hpp).
#include "actors/peer_directory.hpp"

#include "actors/logging.hpp"

#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace cafka {

namespace {

constexpr auto error_category = caf::atom("cafka");

using directory_self = peer_directory_impl_actor::stateful_pointer<peer_directory_state>;

void remember(directory_self self, int32_t id, const node_gateway_actor& gw) {
  self->state.gateways[id] = gw;
  self->monitor(gw);
}

} // namespace

caf::error peer_error(errc ec) {
  return caf::error{static_cast<uint8_t>(ec), error_category};
}

errc peer_errc(const caf::error& err) {
  if (err.category() != error_category)
    return errc::unknown;
  return static_cast<errc>(err.code());
}

peer_directory_impl_actor::behavior_type peer_directory_impl(directory_self self,
                                                             std::vector<cluster_node> nodes) {
  self->state.nodes = std::move(nodes);
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& gws = self->state.gateways;
    for (auto it = gws.begin(); it != gws.end();) {
      if (it->second.address() == msg.source) {
        CAFKA_INFO("peers", "node " << it->first << " went away (" << caf::to_string(msg.reason)
                                    << ")");
        it = gws.erase(it);
      } else {
        ++it;
      }
    }
  });
  return {
    [self](gateway_atom, int32_t id) -> caf::result<node_gateway_actor> {
      auto& st = self->state;
      if (auto it = st.gateways.find(id); it != st.gateways.end())
        return it->second;
      const auto* node = find_node(st.nodes, id);
      if (!node)
        return peer_error(errc::broker_not_available);
      auto gw = self->system().middleman().remote_actor<node_gateway_actor>(node->host,
                                                                            node->actor_port);
      if (!gw) {
        CAFKA_DEBUG("peers", "node " << id << " at " << node->host << ":" << node->actor_port
                                     << " unreachable: " << self->system().render(gw.error()));
        return peer_error(errc::broker_not_available);
      }
      CAFKA_INFO("peers", "connected to node " << id << " at " << node->host << ":"
                                               << node->actor_port);
      remember(self, id, *gw);
      return *gw;
    },
    [self](gateway_atom, int32_t id, node_gateway_actor& gw) { remember(self, id, gw); },
  };
}

peer_directory_impl_actor spawn_peer_directory(caf::actor_system& sys,
                                               std::vector<cluster_node> nodes, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(peer_directory_impl, std::move(nodes));
  return sys.spawn(peer_directory_impl, std::move(nodes));
}

} // namespace cafka
