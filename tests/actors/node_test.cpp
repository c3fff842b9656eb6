// The node actor: metadata, topic administration, persistence and restart.
#include "fixture.hpp"

#include <fstream>

using namespace cafka;
using namespace cafka::test;

namespace {

metadata_query query(std::vector<std::string> topics, bool auto_create) {
  metadata_query q;
  q.all_topics = false;
  q.topics = std::move(topics);
  q.allow_auto_create = auto_create;
  return q;
}

metadata_query all_topics() {
  return metadata_query{};
}

} // namespace

TEST_CASE_METHOD(fixture, "metadata describes this broker", "[node]") {
  bcfg.node_id = 7;
  bcfg.advertised_listeners = {listener{"PLAINTEXT", "broker.example", 29092}};
  start_node();
  auto md = call<metadata_snapshot>(node, metadata_atom::value, all_topics());
  CHECK(md.controller_id == 7);
  CHECK(md.cluster_id.size() == 22);
  REQUIRE(md.brokers.size() == 1);
  CHECK(md.brokers[0].node_id == 7);
  CHECK(md.brokers[0].host == "broker.example");
  CHECK(md.brokers[0].port == 29092);
  CHECK(md.topics.empty());
  std::ifstream props{dir.path / "meta.properties"};
  std::string text{std::istreambuf_iterator<char>{props}, {}};
  CHECK(text.find("cluster.id=" + md.cluster_id) != std::string::npos);
  CHECK(text.find("node.id=7") != std::string::npos);
  CHECK(text.find("version=1") != std::string::npos);
}

TEST_CASE_METHOD(fixture, "metadata auto-creates when request and config allow", "[node]") {
  bcfg.num_partitions = 3;
  start_node();
  auto md = call<metadata_snapshot>(node, metadata_atom::value, query({"auto"}, true));
  REQUIRE(md.topics.size() == 1);
  auto& t = md.topics[0];
  CHECK(t.ec == errc::none);
  CHECK(t.name == "auto");
  CHECK_FALSE(t.is_internal);
  REQUIRE(t.partitions.size() == 3);
  for (int32_t p = 0; p < 3; ++p) {
    CHECK(t.partitions[p].ec == errc::none);
    CHECK(t.partitions[p].partition == p);
    CHECK(t.partitions[p].leader_id == bcfg.node_id);
    CHECK(t.partitions[p].replicas == std::vector<int32_t>{bcfg.node_id});
    CHECK(t.partitions[p].isr == std::vector<int32_t>{bcfg.node_id});
  }
  // It is a real topic now: routable and listed.
  CHECK(call<topic_route>(node, route_atom::value, std::string{"auto"}).replicas.size() == 3);
  CHECK(call<metadata_snapshot>(node, metadata_atom::value, all_topics()).topics.size() == 1);
}

TEST_CASE_METHOD(fixture, "metadata does not auto-create when the request says no", "[node]") {
  start_node();
  auto md = call<metadata_snapshot>(node, metadata_atom::value, query({"nope"}, false));
  REQUIRE(md.topics.size() == 1);
  CHECK(md.topics[0].ec == errc::unknown_topic_or_partition);
  CHECK(md.topics[0].partitions.empty());
  CHECK(call<metadata_snapshot>(node, metadata_atom::value, all_topics()).topics.empty());
}

TEST_CASE_METHOD(fixture, "metadata does not auto-create when the config says no", "[node]") {
  bcfg.auto_create_topics_enable = false;
  start_node();
  auto md = call<metadata_snapshot>(node, metadata_atom::value, query({"nope"}, true));
  REQUIRE(md.topics.size() == 1);
  CHECK(md.topics[0].ec == errc::unknown_topic_or_partition);
  CHECK(call<topic_route>(node, route_atom::value, std::string{"nope"}).ec
        == errc::unknown_topic_or_partition);
}

TEST_CASE_METHOD(fixture, "metadata reports invalid topic names", "[node]") {
  start_node();
  auto md = call<metadata_snapshot>(node, metadata_atom::value, query({"bad name!", "ok"}, true));
  REQUIRE(md.topics.size() == 2);
  CHECK(md.topics[0].ec == errc::invalid_topic);
  CHECK(md.topics[1].ec == errc::none);
}

TEST_CASE_METHOD(fixture, "create topic validates its arguments", "[node]") {
  start_node();
  REQUIRE(create("t", 2).ec == errc::none);
  auto dup = create("t", 2);
  CHECK(dup.ec == errc::topic_already_exists);
  CHECK_FALSE(dup.message.empty());
  for (auto bad : {std::string{}, std::string{"."}, std::string{".."}, std::string{"a/b"},
                   std::string{"sp ace"}, std::string(250, 'x')})
    CHECK(create(bad).ec == errc::invalid_topic);
  CHECK(create(std::string(249, 'x')).ec == errc::none);
  auto rf = create("rf", 1, 3);
  CHECK(rf.ec == errc::invalid_replication_factor);
  CHECK(rf.message.find("larger than available brokers: 1") != std::string::npos);
  CHECK(create("rf0", 1, 0).ec == errc::invalid_replication_factor);
  CHECK(create("p0", 0).ec == errc::invalid_partitions);
  auto dflt = create("dflt", -1, -1);
  CHECK(dflt.ec == errc::none);
  CHECK(dflt.num_partitions == bcfg.num_partitions);
  CHECK(dflt.replication_factor == 1);
  // Internal names are legal.
  CHECK(create("__consumer_offsets", 1).ec == errc::none);
  auto md = call<metadata_snapshot>(node, metadata_atom::value, query({"__consumer_offsets"}, false));
  CHECK(md.topics.at(0).is_internal);
}

TEST_CASE_METHOD(fixture, "create topic with validate_only changes nothing", "[node]") {
  start_node();
  auto res = create("v", 4, 1, true);
  CHECK(res.ec == errc::none);
  CHECK(res.num_partitions == 4);
  CHECK(call<topic_route>(node, route_atom::value, std::string{"v"}).ec
        == errc::unknown_topic_or_partition);
  CHECK_FALSE(std::filesystem::exists(dir.path / "v-0"));
}

TEST_CASE_METHOD(fixture, "delete topic removes it and its data", "[node]") {
  start_node();
  CHECK(call<topic_result>(node, delete_topic_atom::value, std::string{"ghost"}).ec
        == errc::unknown_topic_or_partition);
  REQUIRE(create("t", 2).ec == errc::none);
  produce(replica("t", 1), make_batch({"old"}));
  REQUIRE(std::filesystem::exists(dir.path / "t-1"));
  CHECK(call<topic_result>(node, delete_topic_atom::value, std::string{"t"}).ec == errc::none);
  CHECK_FALSE(std::filesystem::exists(dir.path / "t-0"));
  CHECK_FALSE(std::filesystem::exists(dir.path / "t-1"));
  CHECK(call<topic_route>(node, route_atom::value, std::string{"t"}).ec
        == errc::unknown_topic_or_partition);
  // The same name again starts empty.
  REQUIRE(create("t", 2).ec == errc::none);
  auto f = fetch(replica("t", 1), 0);
  CHECK(f.high_watermark == 0);
  CHECK(f.records.empty());
}

TEST_CASE_METHOD(fixture, "create partitions grows and refuses to shrink", "[node]") {
  start_node();
  REQUIRE(create("t", 2).ec == errc::none);
  auto grow = [&](const std::string& name, int32_t count, bool validate_only = false) {
    create_partitions_args args;
    args.name = name;
    args.count = count;
    args.validate_only = validate_only;
    return call<topic_result>(node, create_parts_atom::value, args);
  };
  CHECK(grow("t", 1).ec == errc::invalid_partitions);
  CHECK(grow("t", 2).ec == errc::invalid_partitions);
  CHECK(grow("ghost", 5).ec == errc::unknown_topic_or_partition);
  CHECK(grow("t", 4, true).ec == errc::none);
  CHECK(call<topic_route>(node, route_atom::value, std::string{"t"}).replicas.size() == 2);
  auto res = grow("t", 4);
  CHECK(res.ec == errc::none);
  CHECK(res.num_partitions == 4);
  auto route = call<topic_route>(node, route_atom::value, std::string{"t"});
  REQUIRE(route.replicas.size() == 4);
  auto p = produce(route.replicas[3], make_batch({"new"}));
  CHECK(p.ec == errc::none);
  CHECK(p.base_offset == 0);
}

TEST_CASE_METHOD(fixture, "a restarted node recovers topics and data", "[node]") {
  start_node();
  REQUIRE(create("t", 2).ec == errc::none);
  create_partitions_args grow;
  grow.name = "t";
  grow.count = 3;
  REQUIRE(call<topic_result>(node, create_parts_atom::value, grow).ec == errc::none);
  REQUIRE(create("gone").ec == errc::none);
  REQUIRE(call<topic_result>(node, delete_topic_atom::value, std::string{"gone"}).ec
          == errc::none);
  produce(replica("t", 1), make_batch({"a", "b"}));
  produce(replica("t", 2), make_batch({"c"}));
  auto cluster_id = call<metadata_snapshot>(node, metadata_atom::value, all_topics()).cluster_id;
  stop_node();
  // Every log was closed: storage leaves its clean-shutdown marker in each partition directory.
  for (int p = 0; p < 3; ++p)
    CHECK(std::filesystem::exists(dir.path / ("t-" + std::to_string(p))
                                  / ".cafka_clean_shutdown"));
  start_node();
  auto md = call<metadata_snapshot>(node, metadata_atom::value, all_topics());
  CHECK(md.cluster_id == cluster_id);
  REQUIRE(md.topics.size() == 1);
  CHECK(md.topics[0].name == "t");
  CHECK(md.topics[0].partitions.size() == 3);
  auto f = fetch(replica("t", 1), 0);
  CHECK(f.high_watermark == 2);
  auto recs = decode(f.records);
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].value == "b");
  // Offsets continue where they stopped.
  CHECK(produce(replica("t", 2), make_batch({"d"})).base_offset == 1);
  CHECK(fetch(replica("t", 0), 0).high_watermark == 0);
}

TEST_CASE_METHOD(fixture, "the node quits only after its partitions", "[node]") {
  start_node();
  REQUIRE(create("t", 2).ec == errc::none);
  auto r = replica("t", 0);
  fetch_args args;
  args.offset = 0;
  args.max_wait_ms = 10000;
  auto pending = ask<fetch_reply>(r, fetch_atom::value, args);
  sched.run();
  REQUIRE_FALSE(pending->done());
  // Watch the node go down.
  auto node_down = std::make_shared<bool>(false);
  auto watched = node;
  // Held here: an actor nobody references is terminated as unreachable.
  auto watcher = sys.spawn([=](caf::event_based_actor* self) {
    self->monitor(watched);
    self->set_down_handler([=](caf::down_msg&) {
      *node_down = true;
      self->quit();
    });
    return caf::behavior{[](int) {}};
  });
  sched.run();
  stop_node();
  CHECK(*node_down);
  // The long-polling fetch was answered, not left to time out.
  REQUIRE(pending->done());
  REQUIRE(pending->value);
  CHECK(pending->value->ec == errc::not_leader_or_follower);
  CHECK(std::filesystem::exists(dir.path / "t-0" / ".cafka_clean_shutdown"));
  CHECK(std::filesystem::exists(dir.path / "t-1" / ".cafka_clean_shutdown"));
}

TEST_CASE_METHOD(fixture, "a log dir of another node is refused", "[node]") {
  start_node();
  stop_node();
  bcfg.node_id = 2;
  CHECK_THROWS_WITH(spawn_node(sys, bcfg), Catch::Contains("node.id"));
}
