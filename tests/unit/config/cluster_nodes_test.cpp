// cluster.nodes (config/cluster_nodes.*), its validation in load_config, the listener and quorum
// it implies, `${node.id}` substitution, and config/cluster-3.properties (issue 5).
#include "config/cluster_nodes.hpp"
#include "config/load.hpp"
#include "helpers.hpp"

using namespace cafka;
using Catch::Matchers::Contains;

static const std::string three = "1@127.0.0.1:9092:9192,2@127.0.0.1:9093:9193,3@127.0.0.1:9094:9194";

TEST_CASE("cluster.nodes parser: id@host:kafka_port:actor_port, spaces and IPv6 allowed") {
  auto p = parse_cluster_nodes(" 1@a:9092:9192 , 7@[::1]:19092:19192");
  REQUIRE(p.ok());
  REQUIRE(p.nodes.size() == 2);
  CHECK(p.nodes[0].id == 1);
  CHECK(p.nodes[0].host == "a");
  CHECK(p.nodes[0].kafka_port == 9092);
  CHECK(p.nodes[0].actor_port == 9192);
  CHECK(p.nodes[1].id == 7);
  CHECK(p.nodes[1].host == "::1");
  CHECK(p.nodes[1].actor_port == 19192);
  CHECK(to_string(p.nodes) == "1@a:9092:9192,7@[::1]:19092:19192");
  CHECK(parse_cluster_nodes(to_string(p.nodes)).nodes.size() == 2);
  CHECK(parse_cluster_nodes("").nodes.empty());
  CHECK(parse_cluster_nodes("  ").ok());
  REQUIRE(find_node(p.nodes, 7));
  CHECK(find_node(p.nodes, 7)->host == "::1");
  CHECK_FALSE(find_node(p.nodes, 2));
}

TEST_CASE("cluster.nodes parser: errors name the item and what is wrong") {
  struct bad_case {
    const char* text;
    const char* says;
  };
  for (auto [text, says] : {bad_case{"1:a:1:2", "expected id@host"},
                            bad_case{"x@a:1:2", "bad node id"},
                            bad_case{"-1@a:1:2", "bad node id"},
                            bad_case{"1@a:9092", "host:kafka_port:actor_port"},
                            bad_case{"1@:9092:9192", "host:kafka_port:actor_port"},
                            bad_case{"1@a:0:9192", "bad Kafka port"},
                            bad_case{"1@a:9092:70000", "bad actor port"},
                            bad_case{"1@a:9092:x", "bad actor port"},
                            bad_case{"1@a:9092:9092", "must differ"},
                            bad_case{"1@a:1:2,1@b:3:4", "duplicate node id 1"},
                            bad_case{"1@a:1:2,", "node 2"},
                            bad_case{"1@[]:1:2", "empty host"}}) {
    INFO(text);
    auto p = parse_cluster_nodes(text);
    CHECK_FALSE(p.ok());
    CHECK(p.nodes.empty());
    CHECK_THAT(p.error, Contains(says));
  }
}

TEST_CASE("cluster mode: node.id must be listed; it listens where its entry says") {
  CHECK_FALSE(load_config(std::nullopt, {}).cluster_mode());
  auto c = load_config(std::nullopt, {"node.id=2", "cluster.nodes=" + three});
  CHECK(c.cluster_mode());
  REQUIRE(c.listeners.size() == 1);
  CHECK(c.listeners[0].host == "127.0.0.1");
  CHECK(c.listeners[0].port == 9093);
  // An explicit listeners setting wins.
  c = load_config(std::nullopt,
                  {"node.id=2", "cluster.nodes=" + three, "listeners=PLAINTEXT://0.0.0.0:7000"});
  CHECK(c.listeners[0].port == 7000);
  CHECK_THROWS_WITH(load_config(std::nullopt, {"node.id=4", "cluster.nodes=" + three}),
                    Contains("cluster.nodes") && Contains("node.id 4"));
  CHECK_THROWS_WITH(load_config(std::nullopt, {"cluster.nodes=1@a:1:1"}),
                    Contains("cluster.nodes") && Contains("must differ"));
}

TEST_CASE("cluster mode: every node is a voter at its actor port unless voters are given") {
  auto c = load_config(std::nullopt, {"node.id=1", "cluster.nodes=" + three});
  CHECK(c.controller_quorum_voters.empty());
  auto voters = c.quorum_voters();
  REQUIRE(voters.size() == 3);
  CHECK(voters[2].id == 3);
  CHECK(voters[2].port == 9194);
  // Explicit voters: a subset of the nodes at their actor ports.
  c = load_config(std::nullopt, {"node.id=3", "process.roles=broker", "cluster.nodes=" + three,
                                 "controller.quorum.voters=1@127.0.0.1:9192"});
  CHECK(c.quorum_voters().size() == 1);
  CHECK_THROWS_WITH(load_config(std::nullopt, {"node.id=1", "cluster.nodes=" + three,
                                               "controller.quorum.voters=1@127.0.0.1:9092"}),
                    Contains("voter 1 must be a node of cluster.nodes"));
  CHECK_THROWS_WITH(load_config(std::nullopt, {"node.id=3", "cluster.nodes=" + three,
                                               "controller.quorum.voters=1@127.0.0.1:9192"}),
                    Contains("node.id 3 is not a voter"));
  // Single-node mode: no voters, as before.
  CHECK(load_config(std::nullopt, {}).quorum_voters().empty());
}

TEST_CASE("${node.id} in any value becomes the final node.id, from the file or an override") {
  test::temp_file f("node.id=1\nlog.dirs=/tmp/c/node-${node.id},/tmp/d/${node.id}-${node.id}\n");
  auto c = load_config(f.str(), {});
  CHECK(c.log_dirs == std::vector<std::string>{"/tmp/c/node-1", "/tmp/d/1-1"});
  c = load_config(f.str(), {"node.id=3"});
  CHECK(c.node_id == 3);
  CHECK(c.log_dirs == std::vector<std::string>{"/tmp/c/node-3", "/tmp/d/3-3"});
  // In an override too, and with node.id from the file.
  c = load_config(f.str(), {"log.dirs=/x/${node.id}"});
  CHECK(c.log_dirs == std::vector<std::string>{"/x/1"});
  // Without node.id anywhere: its default (1).
  c = load_config(std::nullopt, {"log.dirs=/y/${node.id}"});
  CHECK(c.log_dirs == std::vector<std::string>{"/y/1"});
  // Text that only looks similar stays.
  c = load_config(std::nullopt, {"log.dirs=/z/${node}/$node.id"});
  CHECK(c.log_dirs == std::vector<std::string>{"/z/${node}/$node.id"});
}

TEST_CASE("config/cluster-3.properties: three local nodes, one file") {
  const std::string file = std::string{CAFKA_SOURCE_DIR} + "/config/cluster-3.properties";
  for (int32_t id : {1, 2, 3}) {
    INFO("node " << id);
    auto c = load_config(file, {"node.id=" + std::to_string(id)});
    CHECK(c.cluster_mode());
    CHECK(c.cluster_nodes.size() == 3);
    CHECK(c.role_broker);
    CHECK(c.role_controller);
    CHECK(c.quorum_voters().size() == 3);
    CHECK(c.listeners[0].port == 9091 + id);
    CHECK(find_node(c.cluster_nodes, id)->actor_port == 9191 + id);
    CHECK(c.log_dirs == std::vector<std::string>{"./data/cluster-3/node-" + std::to_string(id)});
    CHECK(c.broker_heartbeat_interval_ms == 500);
    CHECK(c.broker_session_timeout_ms == 3000);
    CHECK(c.replica_lag_time_max_ms == 10000);
    CHECK(c.default_replication_factor == 3);
    CHECK(c.offsets_topic_replication_factor == 3);
    CHECK(c.min_insync_replicas == 2);
  }
  CHECK_THROWS_WITH(load_config(file, {"node.id=4"}), Contains("node.id 4"));
}
