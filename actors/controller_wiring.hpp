#pragma once
// Controller wiring: gives this node's controller the handles of the other voters (peer_atom).
// Every retry interval it resolves each voter it has no live handle for -- peer directory ->
// gateway -> controller_atom -- and sends it to the controller. The handles are monitored: when
// a voter goes down its entry is dropped and resolved again once the node is back (a restarted
// voter has a new handle). Requests carry timeouts: a dead peer never answers (NOTES.md).
#include "actors/actors.hpp"

#include <caf/actor_system.hpp>

#include <map>
#include <set>
#include <vector>

namespace cafka {

using controller_wiring_actor = caf::typed_actor<caf::reacts_to<timeout_atom>>;

struct controller_wiring_config {
  int32_t id = -1;                // this node (its controller needs no wiring to itself)
  std::vector<int32_t> voters;
  int64_t retry_ms = 500;
  int64_t request_timeout_ms = 2000;
};

struct controller_wiring_state {
  static inline const char* name = "cafka.controller_wiring";
  controller_wiring_config cfg;
  controller_actor controller;
  peer_directory_actor directory;
  std::map<int32_t, controller_actor> wired; // live handles given to the controller
  std::set<int32_t> resolving;               // lookups in flight
};

controller_wiring_actor::behavior_type
controller_wiring_impl(controller_wiring_actor::stateful_pointer<controller_wiring_state> self,
                       controller_wiring_config cfg, controller_actor controller,
                       peer_directory_actor directory);

controller_wiring_actor spawn_controller_wiring(caf::actor_system& sys,
                                                controller_wiring_config cfg,
                                                controller_actor controller,
                                                peer_directory_actor directory);

} // namespace cafka
