#pragma once
// Wiring: how the process's actors are created. The only entry point net/ and main need.
#include "actors/actors.hpp"
#include "config/broker_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

namespace cafka {

// Registers every message type of actors/messages.hpp with CAF (needed on both ends of a
// remote conversation; harmless in-process). Call on the config before creating the system.
void add_message_types(caf::actor_system_config& cfg);

// Spawns the node actor: loads topic definitions from log.dirs, recovers every partition's log
// (spawning one partition replica and one log actor per partition) and starts serving.
node_actor spawn_node(caf::actor_system& sys, const broker_config& cfg);

} // namespace cafka
