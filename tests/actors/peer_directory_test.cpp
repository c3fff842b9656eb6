// The peer directory (actors/peer_directory.hpp) with real middlemen on loopback: two actor
// systems in this process, one publishing a node gateway, the other looking it up. Covers the
// connect, the cache, unknown and unreachable nodes, forgetting a dead peer and reconnecting to
// its restarted successor. Real scheduler and sockets; every wait is bounded.
#include "actors/node_gateway.hpp"
#include "actors/peer_directory.hpp"
#include "fixture.hpp"

#include <caf/io/middleman.hpp>

using namespace cafka;
using namespace std::chrono_literals;

namespace {

struct net_config : caf::actor_system_config {
  net_config() {
    set("scheduler.max-threads", size_t{2});
    set("logger.file-verbosity", caf::atom("quiet"));
    load<caf::io::middleman>();
    cafka::add_message_types(*this);
  }
};

// A gateway publishing no controller (a broker-only node) on an ephemeral loopback port.
struct remote_node {
  net_config cfg;
  caf::actor_system sys{cfg};
  node_gateway_actor gateway;
  uint16_t port = 0;

  explicit remote_node(uint16_t wanted = 0) {
    gateway = spawn_node_gateway(sys, controller_actor{}, node_actor{});
    auto p = sys.middleman().publish(gateway, wanted, "127.0.0.1", true);
    REQUIRE(p);
    port = *p;
  }
  ~remote_node() { caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown); }
};

// A lookup from a blocking actor: the handle, or the directory's error code.
struct lookup {
  node_gateway_actor gw;
  errc ec = errc::none;
};

lookup find(caf::scoped_actor& self, const peer_directory_actor& dir, int32_t id) {
  lookup out;
  bool answered = false;
  self->request(dir, 10s, gateway_atom::value, id)
    .receive([&](node_gateway_actor& gw) { out.gw = gw; answered = true; },
             [&](caf::error& e) { out.ec = peer_errc(e); answered = true; });
  REQUIRE(answered);
  return out;
}

cluster_node node_at(int32_t id, uint16_t actor_port) {
  return cluster_node{id, "127.0.0.1", static_cast<uint16_t>(actor_port == 1 ? 2 : 1), actor_port};
}

} // namespace

TEST_CASE("peer directory: connects, caches, forgets a dead peer and reconnects", "[peers][real]") {
  auto first = std::make_unique<remote_node>();
  auto port = first->port;
  // Node 2 at a port where nothing listens: the port of a published-then-closed socket.
  uint16_t closed_port = 0;
  {
    remote_node gone;
    closed_port = gone.port;
    gone.sys.middleman().unpublish(gone.gateway, gone.port);
  }
  net_config cfg;
  caf::actor_system sys{cfg};
  auto dir = spawn_peer_directory(sys, {node_at(1, port), node_at(2, closed_port)}, true);
  caf::scoped_actor self{sys};

  auto a = find(self, dir, 1);
  REQUIRE(a.ec == errc::none);
  REQUIRE(a.gw);
  // The remote gateway answers through the connection: no controller on that node.
  bool has_controller = true;
  self->request(a.gw, 10s, controller_atom::value)
    .receive([&](controller_actor& c) { has_controller = static_cast<bool>(c); },
             [&](caf::error& e) { FAIL("controller_atom failed: " << caf::to_string(e)); });
  CHECK_FALSE(has_controller);
  // Cached: the same proxy again.
  CHECK(find(self, dir, 1).gw == a.gw);
  // Unknown and unreachable nodes.
  CHECK(find(self, dir, 9).ec == errc::broker_not_available);
  CHECK(find(self, dir, 2).ec == errc::broker_not_available);

  // The peer dies: the directory forgets it once the connection's down message arrived
  // (bounded wait), and then reports it unreachable.
  self->monitor(a.gw);
  first.reset();
  bool down = false;
  self->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
  REQUIRE(down);
  errc ec = errc::none;
  for (int i = 0; i < 200 && ec == errc::none; ++i) {
    ec = find(self, dir, 1).ec;
    if (ec == errc::none)
      self->receive(caf::after(10ms) >> [] {});
  }
  CHECK(ec == errc::broker_not_available);

  // Restarted at the same port: a new connection, a new handle.
  remote_node second{port};
  auto b = find(self, dir, 1);
  REQUIRE(b.ec == errc::none);
  CHECK(b.gw != a.gw);
  caf::anon_send_exit(dir, caf::exit_reason::user_shutdown);
}
