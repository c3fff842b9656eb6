// Deterministic tests of the offset and administration handlers of consumer groups
// (OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups, OffsetDelete,
// FindCoordinator) against the fakes of group_handlers_fakes.hpp (harness:
// group_handlers_harness.hpp).
#include "tests/actors/group_handlers_harness.hpp"

#include <climits>
#include <set>

using namespace cafka;
using namespace cafka::test;
using namespace std::chrono_literals;

TEST_CASE("offset_commit versions and per-partition errors", "[groups]") {
  group_harness h;
  auto resp = h.call<p::offset_commit_response>(commit_req("g"), 2);
  REQUIRE(resp.topics.size() == 2);
  CHECK(resp.topics[0].name == "t");
  CHECK(resp.topics[0].partitions.size() == 2);
  CHECK(resp.topics[0].partitions[1].partition_index == 1);
  CHECK(resp.topics[0].partitions[1].error_code == 0);
  CHECK(resp.topics[1].partitions[0].error_code == 3);
  auto& v2 = h.world->commits.back();
  CHECK(v2.generation_id == -1);
  CHECK(v2.offsets.at(0).leader_epoch == -1); // v6+ only
  CHECK(v2.offsets.at(0).metadata == "meta");
  CHECK(v2.offsets.at(1).metadata.empty());

  auto req = commit_req("g");
  req.retention_time_ms = 5000;
  h.call<p::offset_commit_response>(req, 4);
  CHECK(h.world->commits.back().retention_time_ms == 5000);
  h.call<p::offset_commit_response>(commit_req("g"), 5);
  CHECK(h.world->commits.back().retention_time_ms == -1);
  h.call<p::offset_commit_response>(commit_req("g"), 6);
  CHECK(h.world->commits.back().offsets.at(0).leader_epoch == 3);
  req = commit_req("g", 1);
  req.group_instance_id = "i1";
  h.call<p::offset_commit_response>(req, 7);
  CHECK(h.world->commits.back().group_instance_id == "i1");
  CHECK(h.world->commits.back().member_id == "m1");

  // A member commit into a group that does not exist: its generation is gone.
  resp = h.call<p::offset_commit_response>(commit_req("nope", 3), 3);
  CHECK(resp.topics.at(0).partitions.at(0).error_code == 22);
  CHECK(resp.topics.at(1).partitions.at(0).error_code == 22);
  CHECK(h.world->groups.count("nope") == 0);
}

TEST_CASE("offset_commit refuses unknown topics and partitions itself", "[groups]") {
  group_harness h;
  p::offset_commit_request req;
  req.group_id = "g";
  req.topics.push_back({"t", {{0, 1, -1, std::string{}}, {2, 1, -1, std::string{}}}});
  req.topics.push_back({"nope", {{0, 1, -1, std::string{}}}});
  auto resp = h.call<p::offset_commit_response>(req, 3);
  REQUIRE(resp.topics.size() == 2);
  CHECK(resp.topics[0].partitions.at(0).error_code == 0);
  CHECK(resp.topics[0].partitions.at(1).error_code == 3);
  CHECK(resp.topics[1].partitions.at(0).error_code == 3);
  REQUIRE(h.world->commits.size() == 1);
  CHECK(h.world->commits[0].offsets.size() == 1); // only t-0 reached the group
  // Nothing known: answered without the group, even when the coordinator is elsewhere.
  h.world->coord.node_id = 2;
  req.topics.erase(req.topics.begin());
  resp = h.call<p::offset_commit_response>(req, 2);
  CHECK(resp.topics.at(0).partitions.at(0).error_code == 3);
  CHECK(h.world->commits.size() == 1);
}

TEST_CASE("offset_fetch: unknown offsets, null topics, leader epoch", "[groups]") {
  group_harness h;
  h.call<p::offset_commit_response>(commit_req("g"), 6);
  auto v1 = h.call<p::offset_fetch_response>(fetch_req("g"), 1);
  REQUIRE(v1.topics.size() == 1);
  auto& parts = v1.topics[0].partitions;
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].committed_offset == 10);
  CHECK(parts[0].metadata == std::optional<std::string>{"meta"});
  CHECK(parts[1].committed_offset == 20);
  CHECK(parts[2].partition_index == 9);
  CHECK(parts[2].committed_offset == -1);
  CHECK(parts[2].metadata == std::optional<std::string>{""});
  CHECK(parts[2].error_code == 0);

  auto v5 = h.call<p::offset_fetch_response>(fetch_req("g"), 5);
  CHECK(v5.error_code == 0);
  CHECK(v5.topics.at(0).partitions.at(0).committed_leader_epoch == 3);
  CHECK(v5.topics.at(0).partitions.at(2).committed_leader_epoch == -1);

  p::offset_fetch_request all;
  all.group_id = "g";
  all.topics = std::nullopt;
  for (int16_t v : {2, 3, 5}) {
    auto resp = h.call<p::offset_fetch_response>(all, v);
    REQUIRE(resp.topics.size() == 1); // "bad" was never committed
    CHECK(resp.topics[0].name == "t");
    CHECK(resp.topics[0].partitions.size() == 2);
  }
  all.group_id = "unknown";
  CHECK(h.call<p::offset_fetch_response>(all, 2).topics.empty());
  CHECK(h.world->groups.count("unknown") == 0);
}

TEST_CASE("describe_groups: members, Dead for unknown groups, per-version fields", "[groups]") {
  group_harness h;
  CHECK(h.call<join_resp>(join_req("g", "m1"), 1).error_code == 0);
  h.world->members.push_back({"m1", "i1", "cid", "/10.0.0.1", {'m'}, {'a'}});
  p::describe_groups_request req;
  req.groups = {"g", "nope"};
  for (int16_t v = 0; v <= 4; ++v) {
    INFO("version " << v);
    req.include_authorized_operations = v >= 3;
    auto resp = h.call<p::describe_groups_response>(req, v);
    REQUIRE(resp.groups.size() == 2);
    auto& g = resp.groups[0];
    CHECK(g.error_code == 0);
    CHECK(g.group_id == "g");
    CHECK(g.group_state == "Stable");
    CHECK(g.protocol_type == "consumer");
    CHECK(g.protocol_data == "range");
    REQUIRE(g.members.size() == 1);
    CHECK(g.members[0].client_host == "/10.0.0.1");
    CHECK(g.members[0].member_assignment == std::vector<char>{'a'});
    CHECK(g.members[0].group_instance_id.has_value() == (v >= 4));
    CHECK((g.authorized_operations == INT32_MIN) == (v < 3));
    auto& dead = resp.groups[1];
    CHECK(dead.group_id == "nope");
    CHECK(dead.error_code == 0);
    CHECK(dead.group_state == "Dead");
    CHECK(dead.members.empty());
  }
  CHECK(h.world->groups.count("nope") == 0);
  req.groups.clear();
  req.include_authorized_operations = false;
  CHECK(h.call<p::describe_groups_response>(req, 1).groups.empty());
}

TEST_CASE("list_groups fans out over every shard", "[groups]") {
  group_harness h{2};
  h.world->listings = {{{"a", "consumer", "Stable"}}, {{"b", "", "Empty"}, {"c", "x", "Dead"}}};
  for (int16_t v = 0; v <= 2; ++v) {
    auto resp = h.call<p::list_groups_response>(p::list_groups_request{}, v);
    CHECK(resp.error_code == 0);
    REQUIRE(resp.groups.size() == 3);
    std::set<std::string> names;
    for (auto& g : resp.groups)
      names.insert(g.group_id);
    CHECK(names == std::set<std::string>{"a", "b", "c"});
  }
  h.world->shard_count = 0;
  auto none = h.call<p::list_groups_response>(p::list_groups_request{}, 1);
  CHECK(none.error_code == 0);
  CHECK(none.groups.empty());
}

TEST_CASE("delete_groups per group; offset_delete", "[groups]") {
  group_harness h;
  CHECK(h.call<join_resp>(join_req("busy", "m1"), 1).error_code == 0);
  CHECK(h.call<join_resp>(join_req("idle", "m1"), 1).error_code == 0);
  h.world->non_empty = true;
  p::delete_groups_request del{{"busy", "nope"}};
  auto resp = h.call<p::delete_groups_response>(del, 1);
  REQUIRE(resp.results.size() == 2);
  CHECK(resp.results[0].group_id == "busy");
  CHECK(resp.results[0].error_code == 68);
  CHECK(resp.results[1].error_code == 69);
  h.world->non_empty = false;
  del.groups_names = {"idle"};
  CHECK(h.call<p::delete_groups_response>(del, 0).results.at(0).error_code == 0);
  CHECK(h.world->groups.count("idle") == 0);

  p::offset_delete_request od;
  od.group_id = "busy";
  od.topics = {{"t", {{0}, {1}}}, {"subscribed", {{0}}}};
  auto r = h.call<p::offset_delete_response>(od, 0);
  CHECK(r.error_code == 0);
  REQUIRE(r.topics.size() == 2);
  CHECK(r.topics[0].partitions.size() == 2);
  CHECK(r.topics[0].partitions[1].error_code == 0);
  CHECK(r.topics[1].partitions[0].error_code == 86);
  od.group_id = "idle"; // deleted above
  r = h.call<p::offset_delete_response>(od, 0);
  CHECK(r.error_code == 69);
  CHECK(r.topics.empty());
}

TEST_CASE("find_coordinator: this node, transactions, node errors", "[groups]") {
  group_harness h;
  p::find_coordinator_request fc{"g", 0};
  for (int16_t v = 0; v <= 2; ++v) {
    auto resp = h.call<p::find_coordinator_response>(fc, v);
    CHECK(resp.error_code == 0);
    CHECK(resp.node_id == 1);
    CHECK(resp.host == "127.0.0.1");
    CHECK(resp.port == 9092);
  }
  fc.key_type = 1;
  auto txn = h.call<p::find_coordinator_response>(fc, 1);
  CHECK(txn.error_code == 15);
  CHECK(txn.error_message.value_or("").find("transactions") != std::string::npos);
  fc.key_type = 0;
  h.world->coord.ec = errc::coordinator_not_available;
  auto resp = h.call<p::find_coordinator_response>(fc, 2);
  CHECK(resp.error_code == 15);
  CHECK(resp.node_id == -1);
  CHECK_FALSE(resp.error_message.value_or("").empty());
}
