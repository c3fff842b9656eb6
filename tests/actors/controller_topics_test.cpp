// Topic administration on the active controller (actors/controller_topics.cpp): create with
// Kafka's validation and defaults, placement over the unfenced brokers, validate_only, delete,
// create partitions, redirects from followers. Three controllers in virtual time.
#include "controller_quorum.hpp"

#include <algorithm>
#include <map>
#include <set>

using namespace cafka;
using namespace std::chrono_literals;

TEST_CASE("topics are created over the live brokers with Kafka's rules", "[controller]") {
  test::controller_quorum q;
  q.num_partitions = 2;
  q.default_rf = 2;
  q.start_all();
  auto l = q.leader();
  // No broker yet: nothing to place on.
  CHECK(q.create_topic("early", 1, 1).ec == errc::invalid_replication_factor);
  q.live_brokers({1, 2, 3});

  auto r = q.create_topic("orders", 6, 2);
  REQUIRE(r.ec == errc::none);
  CHECK(r.num_partitions == 6);
  CHECK(r.replication_factor == 2);
  auto m = q.metadata(l); // committed before the reply
  auto t = m.topic("orders");
  REQUIRE(t);
  CHECK(t->id.size() == 22);
  REQUIRE(t->partitions.size() == 6);
  std::map<int32_t, int> leaders;
  for (auto& [p, info] : t->partitions) {
    INFO("partition " << p);
    REQUIRE(info.replicas.size() == 2);
    CHECK(info.replicas[0] != info.replicas[1]);
    CHECK(info.isr == info.replicas);
    CHECK(info.leader == info.replicas[0]);
    ++leaders[info.leader];
  }
  CHECK(leaders == std::map<int32_t, int>{{1, 2}, {2, 2}, {3, 2}}); // spread evenly

  // Defaults from the config.
  auto d = q.create_topic("defaults", -1, -1);
  REQUIRE(d.ec == errc::none);
  CHECK(d.num_partitions == 2);
  CHECK(d.replication_factor == 2);
  CHECK(q.metadata(l).topic("defaults")->partitions.size() == 2);
  CHECK(q.metadata(l).topic("defaults")->id != t->id);

  // Errors, nothing committed.
  auto applied = q.status(l).applied_index;
  CHECK(q.create_topic("orders", 1, 1).ec == errc::topic_already_exists);
  CHECK(q.create_topic("bad/name", 1, 1).ec == errc::invalid_topic);
  CHECK(q.create_topic("zero", 0, 1).ec == errc::invalid_partitions);
  CHECK(q.create_topic("rf0", 1, 0).ec == errc::invalid_replication_factor);
  auto too_many = q.create_topic("rf4", 1, 4);
  CHECK(too_many.ec == errc::invalid_replication_factor);
  CHECK(too_many.message.find("only 3 broker(s)") != std::string::npos);
  create_topic_args bad_config;
  bad_config.name = "cfg";
  bad_config.configs = {{"no.such.config", "1"}};
  CHECK(q.request<topic_result>(l, create_topic_atom::value, bad_config).ec
        == errc::invalid_config);
  auto dry = q.create_topic("dry", 3, 3, -1, true);
  CHECK(dry.ec == errc::none);
  CHECK(dry.num_partitions == 3);
  CHECK_FALSE(q.metadata(l).topic("dry"));
  CHECK(q.status(l).applied_index == applied);

  // Followers redirect.
  CHECK(q.create_topic("x", 1, 1, q.a_follower()).ec == errc::not_controller);
}

TEST_CASE("placement uses only unfenced brokers", "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.heartbeat(q.beat(2, true)).fenced); // controlled shutdown
  CHECK(q.create_topic("three", 1, 3).ec == errc::invalid_replication_factor);
  REQUIRE(q.create_topic("two", 4, 2).ec == errc::none);
  auto m = q.metadata(l);
  for (auto& [p, info] : m.topic("two")->partitions) {
    CHECK(info.replicas.size() == 2);
    CHECK(std::count(info.replicas.begin(), info.replicas.end(), 2) == 0);
  }
}

TEST_CASE("topics are deleted and grown on the active controller", "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("t", 2, 3).ec == errc::none);

  auto grow = [&](const std::string& name, int32_t count, bool validate_only = false) {
    create_partitions_args a;
    a.name = name;
    a.count = count;
    a.validate_only = validate_only;
    return q.request<topic_result>(l, create_parts_atom::value, a);
  };
  auto dry = grow("t", 4, true);
  CHECK(dry.ec == errc::none);
  CHECK(q.metadata(l).topic("t")->partitions.size() == 2);
  auto r = grow("t", 5);
  REQUIRE(r.ec == errc::none);
  CHECK(r.num_partitions == 5);
  CHECK(r.replication_factor == 3);
  auto m = q.metadata(l);
  REQUIRE(m.topic("t")->partitions.size() == 5);
  for (auto& [p, info] : m.topic("t")->partitions)
    CHECK(std::set<int32_t>(info.replicas.begin(), info.replicas.end()).size() == 3);
  auto same = grow("t", 5);
  CHECK(same.ec == errc::invalid_partitions);
  CHECK(same.message == "Topic already has 5 partitions.");
  CHECK(grow("t", 3).ec == errc::invalid_partitions);
  CHECK(grow("nope", 3).ec == errc::unknown_topic_or_partition);

  auto del = q.request<topic_result>(l, delete_topic_atom::value, std::string{"t"});
  CHECK(del.ec == errc::none);
  CHECK_FALSE(q.metadata(l).topic("t"));
  CHECK(q.request<topic_result>(l, delete_topic_atom::value, std::string{"t"}).ec
        == errc::unknown_topic_or_partition);
  CHECK(q.request<topic_result>(q.a_follower(), delete_topic_atom::value, std::string{"t"}).ec
        == errc::not_controller);
  // The name is free again.
  CHECK(q.create_topic("t", 1, 1).ec == errc::none);
}

TEST_CASE("requests in flight are validated against each other", "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1});
  create_topic_args a;
  a.name = "twice";
  a.num_partitions = 1;
  a.replication_factor = 1;
  // Both arrive before the first commits: the second sees the first (KRaft's uncommitted state).
  auto first = q.ask<topic_result>(q.ctl.at(l), create_topic_atom::value, a);
  auto second = q.ask<topic_result>(q.ctl.at(l), create_topic_atom::value, a);
  q.run_for(500ms);
  REQUIRE(first->done());
  REQUIRE(second->done());
  CHECK(first->value->ec == errc::none);
  CHECK(second->value->ec == errc::topic_already_exists);
}
