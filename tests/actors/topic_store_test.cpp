// Topic-name rules and the persistent topic store (no actors involved).
#include "actors/topic_names.hpp"
#include "actors/topic_store.hpp"
#include "fixture.hpp"

#include <fstream>

using namespace cafka;
using namespace cafka::test;

TEST_CASE("topic name rules follow Kafka", "[topic_store]") {
  CHECK(topic_name_error("orders").empty());
  CHECK(topic_name_error("a.b_c-D9").empty());
  CHECK(topic_name_error("__consumer_offsets").empty());
  CHECK(topic_name_error(std::string(249, 'a')).empty());
  CHECK_FALSE(topic_name_error("").empty());
  CHECK_FALSE(topic_name_error(".").empty());
  CHECK_FALSE(topic_name_error("..").empty());
  CHECK_FALSE(topic_name_error(std::string(250, 'a')).empty());
  CHECK_FALSE(topic_name_error("a b").empty());
  CHECK_FALSE(topic_name_error("ä").empty());
  CHECK(is_internal_topic("__consumer_offsets"));
  CHECK_FALSE(is_internal_topic("__mine"));
}

TEST_CASE("topic store round-trips through its file", "[topic_store]") {
  temp_dir dir;
  CHECK(load_topic_store(dir.path).empty());
  topic_map topics;
  topic_definition t;
  t.name = "orders";
  t.id = "AAAAAAAAAAAAAAAAAAAAAA";
  t.partitions = 3;
  t.replication_factor = 1;
  t.leader_epoch = 4;
  t.configs = {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}};
  topics.emplace(t.name, t);
  REQUIRE_FALSE(save_topic_store(dir.path, topics));
  CHECK_FALSE(std::filesystem::exists(dir.path / "cafka-topics.json.tmp"));
  auto back = load_topic_store(dir.path);
  REQUIRE(back.size() == 1);
  auto& b = back.at("orders");
  CHECK(b.id == t.id);
  CHECK(b.partitions == 3);
  CHECK(b.leader_epoch == 4);
  CHECK(b.configs == t.configs);
}

TEST_CASE("a malformed topic store refuses to load", "[topic_store]") {
  temp_dir dir;
  std::ofstream{dir.path / "cafka-topics.json"} << "{ not json";
  CHECK_THROWS(load_topic_store(dir.path));
}
