#pragma once
// Wiring: how the process's actors are created. The only entry point net/ and main need.
#include "actors/actors.hpp"
#include "config/broker_config.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <chrono>
#include <cstdint>

namespace cafka {

// Registers every message type of actors/messages.hpp with CAF (needed on both ends of a
// remote conversation; harmless in-process). Call on the config before creating the system.
void add_message_types(caf::actor_system_config& cfg);

// Spawns the node actor: loads topic definitions from log.dirs, recovers every partition's log
// (spawning one partition replica and one log actor per partition) and starts serving.
node_actor spawn_node(caf::actor_system& sys, const broker_config& cfg);

// The actors of one process in cluster mode (cfg.cluster_mode()).
struct cluster_process {
  peer_directory_actor directory;      // connections to the other nodes
  controller_actor controller;         // invalid unless process.roles has controller
  caf::actor wiring;                   // gives the controller its peers (with a controller)
  node_actor node;
  node_gateway_actor gateway;          // published on this node's actor port
  uint16_t actor_port = 0;             // where it is published
  controller_client_actor lifecycle;   // invalid unless process.roles has broker
};

// Spawns a cluster node in this order: peer directory, controller (if a voter; its Raft store
// in <log.dirs[0]>/__cluster_metadata-0), controller wiring, node actor (spawn_node), gateway
// (published on the actor port of this node's cluster.nodes entry), broker lifecycle (if a
// broker); then hands the node its cluster links. Throws std::runtime_error when a part cannot
// start (e.g. the actor port is taken); what was spawned is stopped again first.
cluster_process spawn_cluster_node(caf::actor_system& sys, const broker_config& cfg);

// Controlled shutdown, step one: the lifecycle sends a last heartbeat with shutting_down set
// and stops heartbeating (waits at most `timeout`). Returns true if the controller answered.
bool stop_broker_lifecycle(caf::actor_system& sys, const cluster_process& p,
                           std::chrono::milliseconds timeout);

// Stops every actor of `p` but the node (main stops that after the Kafka server) and closes
// the published port: lifecycle, gateway, wiring, controller, directory.
void stop_cluster_actors(caf::actor_system& sys, const cluster_process& p);

// After every actor is done: drops the actor registry's references to this process's actors
// that were handed to other nodes (the controller, the gateway). CAF keeps them until each
// remote proxy is released, which never happens when the peers stop at the same time; a
// detached actor still referenced there would keep ~actor_system waiting forever.
void release_remote_references(caf::actor_system& sys, const cluster_process& p);

} // namespace cafka
