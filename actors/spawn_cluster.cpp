// Wiring of a cluster node (spawn.hpp): directory, controller, node, gateway, lifecycle.
#include "actors/broker_lifecycle.hpp"
#include "actors/controller.hpp"
#include "actors/controller_wiring.hpp"
#include "actors/logging.hpp"
#include "actors/node_gateway.hpp"
#include "actors/peer_directory.hpp"
#include "actors/spawn.hpp"

#include <caf/defaults.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace cafka {

namespace {

bool testing_scheduler(caf::actor_system& sys) {
  auto policy = caf::get_or(sys.config(), "scheduler.policy", caf::defaults::scheduler::policy);
  return policy == caf::atom("testing");
}

std::vector<int32_t> voter_ids(const broker_config& cfg) {
  std::vector<int32_t> ids;
  for (const auto& v : cfg.quorum_voters())
    ids.push_back(v.id);
  return ids;
}

controller_actor start_controller(caf::actor_system& sys, const broker_config& cfg) {
  controller_config cc;
  cc.id = cfg.node_id;
  cc.voters = voter_ids(cfg);
  cc.dir = std::filesystem::path{cfg.log_dirs.front()} / "__cluster_metadata-0";
  cc.election_timeout_min_ms = cfg.controller_quorum_election_timeout_ms;
  cc.election_timeout_max_ms = 2 * int64_t{cfg.controller_quorum_election_timeout_ms};
  cc.heartbeat_interval_ms = std::max<int64_t>(10, cfg.controller_quorum_election_timeout_ms / 10);
  cc.seed = 0;
  set_broker_options(cc, cfg); // session timeout, topic defaults, unclean election
  std::error_code ec;
  std::filesystem::create_directories(cc.dir, ec);
  // Scheduled, not detached: other nodes hold its handle, and CAF 0.17 keeps a detached actor
  // that was known remotely alive after it quit, so ~actor_system waited forever for its
  // thread (seen in about one of three cluster shutdowns). The price: its Raft store's
  // fdatasync (a few per metadata change) runs on a scheduler thread.
  auto controller = spawn_controller(sys, cc, /*detached=*/false, ec);
  if (ec)
    throw std::runtime_error("cannot open the controller's log in " + cc.dir.string() + ": "
                             + ec.message());
  return controller;
}

lifecycle_config make_lifecycle_config(const broker_config& cfg, const cluster_node& self) {
  lifecycle_config lc;
  lc.id = cfg.node_id;
  lc.voters = voter_ids(cfg);
  const auto& adv = cfg.advertised().front();
  lc.registration = broker_registration{cfg.node_id, adv.host, adv.port,
                                        self.host + ":" + std::to_string(self.actor_port)};
  lc.heartbeat_interval_ms = cfg.broker_heartbeat_interval_ms;
  // A reply later than a third of the session is as good as none: look elsewhere.
  lc.request_timeout_ms = std::clamp<int64_t>(cfg.broker_session_timeout_ms / 3, 500, 5000);
  return lc;
}

} // namespace

cluster_process spawn_cluster_node(caf::actor_system& sys, const broker_config& cfg) {
  const auto* self = find_node(cfg.cluster_nodes, cfg.node_id);
  if (!self)
    throw std::runtime_error("cluster.nodes has no entry for node.id "
                             + std::to_string(cfg.node_id));
  bool detached = !testing_scheduler(sys);
  cluster_process p;
  auto directory = spawn_peer_directory(sys, cfg.cluster_nodes, detached);
  p.directory = directory;
  try {
    if (cfg.role_controller) {
      p.controller = start_controller(sys, cfg);
      controller_wiring_config wc;
      wc.id = cfg.node_id;
      wc.voters = voter_ids(cfg);
      wc.request_timeout_ms = std::max(1000, cfg.controller_quorum_election_timeout_ms);
      p.wiring = caf::actor_cast<caf::actor>(
        spawn_controller_wiring(sys, wc, p.controller, p.directory));
    }
    p.node = spawn_node(sys, cfg);
    p.gateway = spawn_node_gateway(sys, p.controller, p.node);
    caf::anon_send(directory, gateway_atom::value, cfg.node_id, p.gateway);
    auto port = sys.middleman().publish(p.gateway, self->actor_port, self->host.c_str(), true);
    if (!port)
      throw std::runtime_error("cannot publish the node gateway on " + self->host + ":"
                               + std::to_string(self->actor_port) + ": "
                               + sys.render(port.error()));
    p.actor_port = *port;
    if (cfg.role_broker) {
      p.lifecycle = spawn_broker_lifecycle(sys, make_lifecycle_config(cfg, *self), p.directory,
                                           p.controller, p.node);
      caf::anon_send(p.node, cluster_links_atom::value, p.lifecycle, p.directory);
    }
  } catch (...) {
    stop_cluster_actors(sys, p);
    if (p.node)
      caf::anon_send_exit(p.node, caf::exit_reason::user_shutdown);
    throw;
  }
  return p;
}

bool stop_broker_lifecycle(caf::actor_system& sys, const cluster_process& p,
                           std::chrono::milliseconds timeout) {
  if (!p.lifecycle)
    return false;
  auto lifecycle = caf::actor_cast<broker_lifecycle_actor>(p.lifecycle);
  bool answered = false;
  caf::scoped_actor blocking{sys};
  blocking->request(lifecycle, timeout, lifecycle_stop_atom::value)
    .receive([&](bool ok) { answered = ok; }, [](caf::error&) {});
  return answered;
}

void stop_cluster_actors(caf::actor_system& sys, const cluster_process& p) {
  if (p.gateway && p.actor_port)
    sys.middleman().unpublish(p.gateway, p.actor_port);
  auto stop = [](const auto& handle) {
    if (handle)
      caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
  };
  stop(p.lifecycle);
  stop(p.gateway);
  stop(p.wiring);
  stop(p.controller);
  stop(p.directory);
}

void release_remote_references(caf::actor_system& sys, const cluster_process& p) {
  auto release = [&](const auto& handle) {
    if (handle)
      sys.registry().erase(handle->id());
  };
  release(p.controller);
  release(p.gateway);
  release(p.directory);
  release(p.wiring);
  release(p.lifecycle);
}

} // namespace cafka
