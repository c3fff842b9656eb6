// Controller wiring (controller_wiring.hpp).
#include "actors/controller_wiring.hpp"

#include "actors/logging.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>

namespace cafka {

namespace {

using wiring_self = controller_wiring_actor::stateful_pointer<controller_wiring_state>;

void resolve(wiring_self self, int32_t voter) {
  auto& st = self->state;
  if (st.wired.count(voter) || !st.resolving.insert(voter).second)
    return;
  auto timeout = std::chrono::milliseconds{st.cfg.request_timeout_ms};
  auto done = [self, voter] { self->state.resolving.erase(voter); };
  self->request(st.directory, timeout, gateway_atom::value, voter)
    .then(
      [self, voter, timeout, done](node_gateway_actor& gw) {
        self->request(gw, timeout, controller_atom::value)
          .then(
            [self, voter, done](controller_actor& c) {
              done();
              auto& st = self->state;
              if (!c) {
                CAFKA_WARN("wiring", "node " << voter << " runs no controller, but it is a voter");
                return;
              }
              st.wired[voter] = c;
              self->monitor(c);
              self->send(st.controller, peer_atom::value, voter,
                         caf::actor_cast<controller_peer_actor>(c));
              CAFKA_INFO("wiring", "controller " << st.cfg.id << " linked to voter " << voter);
            },
            [done](caf::error&) { done(); });
      },
      [done](caf::error&) { done(); });
}

} // namespace

controller_wiring_actor::behavior_type
controller_wiring_impl(wiring_self self, controller_wiring_config cfg, controller_actor controller,
                       peer_directory_actor directory) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.controller = std::move(controller);
  st.directory = std::move(directory);
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& wired = self->state.wired;
    for (auto it = wired.begin(); it != wired.end();) {
      if (it->second.address() == msg.source) {
        CAFKA_INFO("wiring", "voter " << it->first << " went away; reconnecting when it is back");
        it = wired.erase(it);
      } else {
        ++it;
      }
    }
  });
  self->send(self, timeout_atom::value);
  return {
    [self](timeout_atom) {
      auto& st = self->state;
      for (auto voter : st.cfg.voters)
        if (voter != st.cfg.id)
          resolve(self, voter);
      self->delayed_send(self, std::chrono::milliseconds{st.cfg.retry_ms}, timeout_atom::value);
    },
  };
}

controller_wiring_actor spawn_controller_wiring(caf::actor_system& sys,
                                                controller_wiring_config cfg,
                                                controller_actor controller,
                                                peer_directory_actor directory) {
  return sys.spawn(controller_wiring_impl, std::move(cfg), std::move(controller),
                   std::move(directory));
}

} // namespace cafka
