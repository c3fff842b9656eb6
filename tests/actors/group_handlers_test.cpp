// Deterministic tests of the consumer-group membership handlers (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup) and of the coordinator routing every group handler shares
// (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, a group actor that quit meanwhile), against
// the fakes of group_handlers_fakes.hpp (harness: group_handlers_harness.hpp).
#include "tests/actors/group_handlers_harness.hpp"
#include "tests/actors/net_fixture.hpp"

#include <climits>
#include <set>

using namespace cafka;
using namespace cafka::test;
using namespace std::chrono_literals;

TEST_CASE("join_group v0 uses the session timeout and the header's client id", "[groups]") {
  group_harness h;
  auto resp = h.call<join_resp>(join_req("g"), 0);
  CHECK(resp.error_code == 0);
  CHECK(resp.generation_id == 1);
  CHECK(resp.protocol_name == "range");
  CHECK(resp.leader == resp.member_id);
  REQUIRE(resp.members.size() == 1);
  CHECK(resp.members[0].metadata == std::vector<char>{'m', 'd'});
  REQUIRE(h.world->joins.size() == 1);
  auto& args = h.world->joins[0];
  CHECK(args.rebalance_timeout_ms == 10000);
  CHECK_FALSE(args.require_known_member_id);
  CHECK(args.client_id == "test-client");
  CHECK(args.client_host.empty()); // no real bridge in this harness
  CHECK(args.protocol_type == "consumer");
}

TEST_CASE("join_group through a real bridge reports the peer as client_host", "[groups]") {
  group_harness h;
  auto sink = std::make_shared<net::test::fake_sink>();
  sink->peer_name = "10.1.2.3:5555";
  auto bridge = h.sys->spawn(net::bridge, net::frame_sink_ptr{sink},
                             caf::actor_cast<node_actor>(h.node), &h.bcfg);
  h.bridges.push_back(bridge);
  std::vector<char> body;
  p::writer w{body};
  join_req("g", "m1").encode(w, 2);
  caf::anon_send(bridge, net::test::fixture::request(11, 2, 7, body));
  h.sched->run();
  REQUIRE(h.world->joins.size() == 1);
  CHECK(h.world->joins[0].client_host == "/10.1.2.3");
  CHECK(h.world->joins[0].client_id == "test");
  REQUIRE(sink->frames.size() == 1);
  CHECK(sink->closes.empty());
}

TEST_CASE("join_group v4 answers MEMBER_ID_REQUIRED with the new id", "[groups]") {
  group_harness h;
  auto first = h.call<join_resp>(join_req("g"), 4);
  CHECK(first.error_code == 79);
  CHECK_FALSE(first.member_id.empty());
  CHECK(h.world->joins.at(0).require_known_member_id);
  CHECK(h.world->joins.at(0).rebalance_timeout_ms == 60000);
  auto second = h.call<join_resp>(join_req("g", first.member_id), 4);
  CHECK(second.error_code == 0);
  CHECK(second.member_id == first.member_id);
  CHECK(second.leader == first.member_id);
}

TEST_CASE("join_group v5 carries group_instance_id both ways", "[groups]") {
  group_harness h;
  auto req = join_req("g", "m1");
  req.group_instance_id = "inst-1";
  auto resp = h.call<join_resp>(req, 5);
  REQUIRE(resp.members.size() == 1);
  CHECK(resp.members[0].group_instance_id == std::optional<std::string>{"inst-1"});
  CHECK(h.world->joins.at(0).group_instance_id == "inst-1");
  // Null instance id: "" inside, null on the wire.
  resp = h.call<join_resp>(join_req("g", "m2"), 5);
  CHECK(h.world->joins.at(1).group_instance_id.empty());
  CHECK_FALSE(resp.members.at(0).group_instance_id.has_value());
}

TEST_CASE("join_group rejects an empty group id", "[groups]") {
  group_harness h;
  auto resp = h.call<join_resp>(join_req("", "m1"), 2);
  CHECK(resp.error_code == 24);
  CHECK(resp.member_id == "m1");
  CHECK(h.world->joins.empty());
}

TEST_CASE("join_group waits for the rebalance timeout before giving up", "[groups]") {
  group_harness h;
  h.world->silent = true;
  h.bcfg.group_initial_rebalance_delay_ms = 1000;
  auto out = h.start(join_req("g"), 0); // v0: session timeout 10 s
  const auto wait = 10000ms + 1000ms + net::reply_margin;
  CHECK(net::join_timeout(h.bcfg, 10000) == wait);
  h.sched->advance_time(wait - 1ms);
  h.sched->run();
  CHECK_FALSE(out->done);
  h.sched->advance_time(1ms);
  h.sched->run();
  CHECK(group_harness::decode<join_resp>(*out, 0).error_code == 15);
}

TEST_CASE("group requests for another node's group get NOT_COORDINATOR", "[groups]") {
  group_harness h;
  h.world->coord.node_id = 2;
  h.world->coord.host = "other";
  h.world->coord.port = 9093;
  CHECK(h.call<join_resp>(join_req("g"), 5).error_code == 16);
  p::heartbeat_request hb{"g", 1, "m1", std::nullopt};
  CHECK(h.call<p::heartbeat_response>(hb, 3).error_code == 16);
  auto commit = h.call<p::offset_commit_response>(commit_req("g"), 7);
  CHECK(commit.topics.at(0).partitions.at(1).error_code == 16);
  CHECK(h.call<p::offset_fetch_response>(fetch_req("g"), 5).error_code == 16);
  p::describe_groups_request dg;
  dg.groups = {"g"};
  CHECK(h.call<p::describe_groups_response>(dg, 0).groups.at(0).error_code == 16);
  // FindCoordinator names the other node.
  p::find_coordinator_request fc{"g", 0};
  auto found = h.call<p::find_coordinator_response>(fc, 2);
  CHECK(found.error_code == 0);
  CHECK(found.node_id == 2);
  CHECK(found.host == "other");
  CHECK(found.port == 9093);
  CHECK_FALSE(found.error_message.has_value());
  CHECK(h.world->group_lookups == 0);
}

TEST_CASE("loading coordinators answer COORDINATOR_LOAD_IN_PROGRESS", "[groups]") {
  group_harness h;
  p::heartbeat_request hb{"g", 1, "m1", std::nullopt};
  h.world->coord.ec = errc::coordinator_load_in_progress; // the node knows
  CHECK(h.call<p::heartbeat_response>(hb, 1).error_code == 14);
  p::find_coordinator_request fc{"g", 0};
  auto found = h.call<p::find_coordinator_response>(fc, 1);
  CHECK(found.error_code == 14);
  CHECK(found.error_message.has_value());
  CHECK(h.call<p::find_coordinator_response>(fc, 0).error_code == 14);
  h.world->coord.ec = errc::none;
  h.world->loading = true; // the shard knows
  CHECK(h.call<p::heartbeat_response>(hb, 1).error_code == 14);
  // OffsetFetch v1 has no top-level error: every partition carries it.
  auto v1 = h.call<p::offset_fetch_response>(fetch_req("g"), 1);
  REQUIRE(v1.topics.size() == 1);
  REQUIRE(v1.topics[0].partitions.size() == 3);
  CHECK(v1.topics[0].partitions[2].error_code == 14);
  CHECK(v1.topics[0].partitions[2].committed_offset == -1);
  auto v2 = h.call<p::offset_fetch_response>(fetch_req("g"), 2);
  CHECK(v2.error_code == 14);
  CHECK(v2.topics.empty());
}

TEST_CASE("a group actor that quit meanwhile is looked up once more", "[groups]") {
  group_harness h;
  p::heartbeat_request hb{"g", 1, "m1", std::nullopt};
  CHECK(h.call<join_resp>(join_req("g", "m1"), 2).error_code == 0);
  h.world->group_lookups = 0;
  h.world->dead_lookups_left = 1;
  CHECK(h.call<p::heartbeat_response>(hb, 0).error_code == 0);
  CHECK(h.world->group_lookups == 2);
  h.world->group_lookups = 0;
  h.world->dead_lookups_left = 5;
  CHECK(h.call<p::heartbeat_response>(hb, 0).error_code == 15);
  CHECK(h.world->group_lookups == 2); // one retry only
}

TEST_CASE("sync_group and heartbeat", "[groups]") {
  group_harness h;
  CHECK(h.call<join_resp>(join_req("g", "m1"), 1).error_code == 0);
  p::sync_group_request sync{"g", 1, "m1", std::nullopt, {{"m1", {'a'}}, {"m2", {'b'}}}};
  for (int16_t v = 0; v <= 3; ++v) {
    auto resp = h.call<p::sync_group_response>(sync, v);
    CHECK(resp.error_code == 0);
    CHECK(resp.assignment == std::vector<char>{'a'});
  }
  sync.group_instance_id = "i1";
  h.call<p::sync_group_response>(sync, 3);
  CHECK(h.world->syncs.back().group_instance_id == "i1");
  CHECK(h.world->syncs.back().assignments.size() == 2);
  sync.group_instance_id = std::nullopt; // not encodable below v3
  sync.generation_id = 2;
  CHECK(h.call<p::sync_group_response>(sync, 1).error_code == 22);
  sync.group_id = "nope"; // no such group: no such member
  CHECK(h.call<p::sync_group_response>(sync, 1).error_code == 25);
  CHECK(h.world->groups.count("nope") == 0);

  p::heartbeat_request hb{"g", 1, "m1", std::nullopt};
  CHECK(h.call<p::heartbeat_response>(hb, 3).error_code == 0);
  hb.generation_id = 0;
  CHECK(h.call<p::heartbeat_response>(hb, 0).error_code == 22);
  hb.group_id = "nope";
  CHECK(h.call<p::heartbeat_response>(hb, 2).error_code == 25);
  hb.group_id = "";
  CHECK(h.call<p::heartbeat_response>(hb, 2).error_code == 24);
}

TEST_CASE("leave_group: one member below v3, per-member errors from v3", "[groups]") {
  group_harness h;
  CHECK(h.call<join_resp>(join_req("g", "m1"), 1).error_code == 0);
  p::leave_group_request old;
  old.group_id = "g";
  old.member_id = "m1";
  CHECK(h.call<p::leave_group_response>(old, 0).error_code == 0);
  old.member_id = "stranger";
  CHECK(h.call<p::leave_group_response>(old, 2).error_code == 25);
  CHECK(h.world->leaves.back().members.size() == 1);

  p::leave_group_request v3;
  v3.group_id = "g";
  v3.members = {{"m1", std::nullopt}, {"", std::string{"i1"}}, {"x", std::nullopt}};
  auto resp = h.call<p::leave_group_response>(v3, 3);
  CHECK(resp.error_code == 0);
  REQUIRE(resp.members.size() == 3);
  CHECK(resp.members[0].error_code == 0);
  CHECK_FALSE(resp.members[0].group_instance_id.has_value());
  CHECK(resp.members[1].error_code == 0);
  CHECK(resp.members[1].group_instance_id == std::optional<std::string>{"i1"});
  CHECK(resp.members[2].member_id == "x");
  CHECK(resp.members[2].error_code == 25);

  // Unknown group: the group is fine, its members are unknown (Kafka's answer).
  v3.group_id = "nope";
  resp = h.call<p::leave_group_response>(v3, 3);
  CHECK(resp.error_code == 0);
  REQUIRE(resp.members.size() == 3);
  CHECK(resp.members[1].error_code == 25);
  old.group_id = "nope";
  CHECK(h.call<p::leave_group_response>(old, 1).error_code == 25);
  // Coordinator errors are group-level, without members.
  h.world->loading = true;
  resp = h.call<p::leave_group_response>(v3, 3);
  CHECK(resp.error_code == 14);
  CHECK(resp.members.empty());
}
