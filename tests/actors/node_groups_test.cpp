// The node's part in consumer groups: FindCoordinator creates __consumer_offsets lazily, one group
// shard per partition, the same group always lands on the same partition.
#include "actors/node.hpp"
#include "actors/offsets_records.hpp"
#include "fixture.hpp"

#include <fstream>

using namespace cafka;
using namespace cafka::test;


namespace {

metadata_snapshot offsets_metadata(fixture& f) {
  metadata_query q;
  q.all_topics = false;
  q.topics = {"__consumer_offsets"};
  return f.call<metadata_snapshot>(f.node, metadata_atom::value, q);
}

} // namespace

TEST_CASE_METHOD(fixture, "FindCoordinator creates __consumer_offsets on first use", "[node]") {
  bcfg.offsets_topic_num_partitions = 4;
  bcfg.advertised_listeners = {listener{"PLAINTEXT", "broker.example", 29092}};
  start_node();
  CHECK(offsets_metadata(*this).topics.at(0).ec == errc::unknown_topic_or_partition);
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).empty());
  auto r = call<coordinator_lookup>(node, coordinator_atom::value, std::string{"my-group"});
  CHECK(r.ec == errc::none);
  CHECK(r.node_id == bcfg.node_id);
  CHECK(r.host == "broker.example");
  CHECK(r.port == 29092);
  CHECK(r.partition == offsets_partition_for("my-group", 4));
  CHECK(r.shard);
  // The topic: internal, 4 partitions led by this node, compacted.
  auto md = offsets_metadata(*this);
  REQUIRE(md.topics.size() == 1);
  CHECK(md.topics[0].ec == errc::none);
  CHECK(md.topics[0].is_internal);
  REQUIRE(md.topics[0].partitions.size() == 4);
  for (auto& p : md.topics[0].partitions)
    CHECK(p.leader_id == bcfg.node_id);
  std::ifstream store{dir.path / "cafka-topics.json"};
  std::string text{std::istreambuf_iterator<char>{store}, {}};
  CHECK(text.find("\"cleanup.policy\"") != std::string::npos);
  CHECK(text.find("\"compact\"") != std::string::npos);
  // One shard per partition; the same group always gets the same partition and shard.
  auto shards = call<std::vector<group_shard_actor>>(node, group_shards_atom::value);
  CHECK(shards.size() == 4);
  auto again = call<coordinator_lookup>(node, coordinator_atom::value, std::string{"my-group"});
  CHECK(again.partition == r.partition);
  CHECK(again.shard == r.shard);
  CHECK(std::find(shards.begin(), shards.end(), r.shard) != shards.end());
  // Another group may land elsewhere, but always on its hash partition.
  auto other = call<coordinator_lookup>(node, coordinator_atom::value, std::string{"group"});
  CHECK(other.partition == offsets_partition_for("group", 4));
  CHECK(other.shard == shards.at(static_cast<size_t>(other.partition)));
}

TEST_CASE_METHOD(fixture, "FindCoordinator rejects an empty group id", "[node]") {
  bcfg.offsets_topic_num_partitions = 2;
  start_node();
  auto r = call<coordinator_lookup>(node, coordinator_atom::value, std::string{});
  CHECK(r.ec == errc::invalid_group_id);
  CHECK_FALSE(r.shard);
  // ... and creates nothing for it.
  CHECK(offsets_metadata(*this).topics.at(0).ec == errc::unknown_topic_or_partition);
}

TEST_CASE_METHOD(fixture, "the group shards come back with the node", "[node]") {
  bcfg.offsets_topic_num_partitions = 3;
  start_node();
  auto first = call<coordinator_lookup>(node, coordinator_atom::value, std::string{"g"});
  REQUIRE(first.ec == errc::none);
  stop_node();
  // The config now says 5, but the topic exists with 3: its partitions decide.
  bcfg.offsets_topic_num_partitions = 5;
  start_node();
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).size() == 3);
  auto r = call<coordinator_lookup>(node, coordinator_atom::value, std::string{"g"});
  CHECK(r.ec == errc::none);
  CHECK(r.partition == first.partition);
  CHECK(offsets_metadata(*this).topics.at(0).partitions.size() == 3);
}

TEST_CASE_METHOD(fixture, "an unplaceable __consumer_offsets means no coordinator", "[node]") {
  bcfg.offsets_topic_replication_factor = 3; // one broker
  start_node();
  auto r = call<coordinator_lookup>(node, coordinator_atom::value, std::string{"g"});
  CHECK(r.ec == errc::coordinator_not_available);
  CHECK(offsets_metadata(*this).topics.at(0).ec == errc::unknown_topic_or_partition);
}

TEST_CASE_METHOD(fixture, "deleting __consumer_offsets stops its shards", "[node]") {
  bcfg.offsets_topic_num_partitions = 2;
  start_node();
  REQUIRE(call<coordinator_lookup>(node, coordinator_atom::value, std::string{"g"}).ec
          == errc::none);
  auto del = call<topic_result>(node, delete_topic_atom::value, std::string{"__consumer_offsets"});
  REQUIRE(del.ec == errc::none);
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).empty());
  // The next lookup recreates the topic and its shards.
  auto r = call<coordinator_lookup>(node, coordinator_atom::value, std::string{"g"});
  CHECK(r.ec == errc::none);
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).size() == 2);
}
