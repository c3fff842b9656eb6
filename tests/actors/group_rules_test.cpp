// The group state machine's admission rules and bookkeeping: protocols, sizes, commits,
// deletion, restore.
#include "group_sim.hpp"

using namespace cafka;
using namespace cafka::test;

TEST_CASE("group: JoinGroup argument checks", "[group]") {
  group_sim sim;
  join_request low;
  low.args.session_timeout_ms = 5999;
  CHECK(sim.join(low).reply.ec == errc::invalid_session_timeout);
  join_request high;
  high.args.session_timeout_ms = 1800001;
  CHECK(sim.join(high).reply.ec == errc::invalid_session_timeout);
  join_request no_type;
  no_type.args.protocol_type.clear();
  CHECK(sim.join(no_type).reply.ec == errc::inconsistent_group_protocol);
  join_request no_protocols{"", {}};
  CHECK(sim.join(no_protocols).reply.ec == errc::inconsistent_group_protocol);
  auto unknown = sim.join(join_request{"nobody"});
  CHECK(unknown.reply.ec == errc::unknown_member_id);
  CHECK(unknown.reply.member_id.empty());
  CHECK(sim.g->phase() == group_phase::empty);
}

TEST_CASE("group: protocols must be compatible with the group's", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(1, join_request{"", {"range", "roundrobin"}});
  join_request other_type;
  other_type.args.protocol_type = "connect";
  CHECK(sim.join(other_type).reply.ec == errc::inconsistent_group_protocol);
  CHECK(sim.join(join_request{"", {"sticky"}}).reply.ec == errc::inconsistent_group_protocol);
  CHECK(sim.g->phase() == group_phase::stable);
  CHECK(sim.join(join_request{"", {"sticky", "roundrobin"}}).parked);
}

TEST_CASE("group: the protocol is chosen by vote among common protocols", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{"", {"sticky", "range", "roundrobin"}});
  auto b = sim.join_new(join_request{"", {"roundrobin", "range"}});
  auto c = sim.join_new(join_request{"", {"range", "roundrobin"}});
  sim.advance(6000);
  auto j = sim.take_join(a);
  REQUIRE(j);
  // sticky is not common; a and c prefer range over roundrobin (b).
  CHECK(j->protocol_name == "range");
  REQUIRE(j->members.size() == 3);
  CHECK(j->members[1].metadata == bytes("meta-range"));
  CHECK(sim.take_join(b)->protocol_name == "range");
  CHECK(sim.take_join(c)->protocol_name == "range");
}

TEST_CASE("group: the only common protocol wins the vote", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{"", {"range", "roundrobin"}});
  sim.join_new(join_request{"", {"roundrobin", "range"}});
  sim.join_new(join_request{"", {"roundrobin"}});
  sim.advance(6000);
  CHECK(sim.take_join(a)->protocol_name == "roundrobin");
}

TEST_CASE("group: group.max.size caps membership", "[group]") {
  group_settings s;
  s.max_size = 2;
  group_sim sim{s};
  auto ids = sim.stable_group(2);
  auto third = sim.join(join_request{});
  REQUIRE_FALSE(third.parked);
  CHECK(third.reply.ec == errc::group_max_size_reached);
  CHECK(sim.g->members().size() == 2);
  // Existing members still rejoin.
  CHECK(sim.join(join_request{ids[0]}).parked);
}

TEST_CASE("group: offset commit rules per state", "[group]") {
  group_sim sim;
  // A group that never existed: simple commits only.
  CHECK(sim.commit("", -1) == errc::none);
  CHECK(sim.commit("", 3) == errc::illegal_generation);
  auto a = sim.join_new();
  sim.advance(3000);
  REQUIRE(sim.take_join(a));
  // CompletingRebalance: a valid member must sync first.
  CHECK(sim.commit(a, 1) == errc::rebalance_in_progress);
  CHECK(sim.commit(a, 0) == errc::illegal_generation);
  CHECK(sim.commit("ghost", 1) == errc::unknown_member_id);
  REQUIRE(sim.sync(a, 1, {{a, bytes("x")}}).parked);
  CHECK(sim.commit(a, 1) == errc::none);
  CHECK(sim.commit(a, 2) == errc::illegal_generation);
  CHECK(sim.commit("", -1) == errc::unknown_member_id); // simple commit to a live group
  // A commit counts as a heartbeat: committing alone keeps the member alive.
  for (int i = 0; i < 4; ++i) {
    sim.advance(6000);
    CHECK(sim.commit(a, 1) == errc::none);
  }
  CHECK(sim.g->phase() == group_phase::stable);
}

TEST_CASE("group: members may commit while a rebalance is being prepared", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(2);
  REQUIRE(sim.join(join_request{ids[0]}).parked);
  REQUIRE(sim.g->phase() == group_phase::preparing_rebalance);
  // Heartbeats tell members about the rebalance; their commits still go through.
  CHECK(sim.commit(ids[1], 1) == errc::none);
}

TEST_CASE("group: simple commits are allowed again once the group is empty", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(1);
  auto r = sim.leave({{ids[0], ""}});
  CHECK(r.members[0].ec == errc::none);
  CHECK(sim.g->phase() == group_phase::empty);
  CHECK(sim.commit("", -1) == errc::none);
  CHECK(sim.commit(ids[0], 1) == errc::unknown_member_id);
}

TEST_CASE("group: LeaveGroup by member id and by instance id", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{}.instance("i-a"));
  auto b = sim.join_new();
  auto c = sim.join_new();
  sim.advance(6000);
  REQUIRE(sim.take_join(a));
  auto r = sim.leave({{"", "i-a"}, {"", "i-zz"}, {"nobody", ""}, {c, ""}});
  REQUIRE(r.members.size() == 4);
  CHECK(r.members[0].ec == errc::none);
  CHECK(r.members[1].ec == errc::unknown_member_id);
  CHECK(r.members[2].ec == errc::unknown_member_id);
  CHECK(r.members[3].ec == errc::none);
  REQUIRE(sim.g->members().size() == 1);
  CHECK(sim.g->leader() == b);
  CHECK(sim.g->phase() == group_phase::preparing_rebalance);
}

TEST_CASE("group: a leave during CompletingRebalance fails the waiting syncs", "[group]") {
  group_sim sim;
  auto a = sim.join_new();
  auto b = sim.join_new();
  sim.advance(6000);
  REQUIRE(sim.take_join(a));
  REQUIRE(sim.sync(b, 1).parked);
  sim.leave({{a, ""}});
  auto s = sim.take_sync(b);
  REQUIRE(s);
  CHECK(s->ec == errc::rebalance_in_progress);
  // b rejoins alone and leads generation 2.
  REQUIRE(sim.join(join_request{b}).parked);
  auto j = sim.take_join(b);
  REQUIRE(j);
  CHECK(j->generation_id == 2);
  CHECK(j->leader == b);
}

TEST_CASE("group: a failed assignment store sends members back to rejoin", "[group]") {
  group_sim sim;
  auto a = sim.join_new();
  auto b = sim.join_new();
  sim.advance(6000);
  REQUIRE(sim.take_join(a));
  REQUIRE(sim.take_join(b));
  REQUIRE(sim.sync(b, 1).parked);
  sim.store_result = errc::not_leader_or_follower;
  REQUIRE(sim.sync(a, 1, {{a, bytes("x")}, {b, bytes("y")}}).parked);
  CHECK(sim.take_sync(a)->ec == errc::not_coordinator);
  CHECK(sim.take_sync(b)->ec == errc::not_coordinator);
  CHECK(sim.g->phase() == group_phase::preparing_rebalance);
}

TEST_CASE("group: SyncGroup and heartbeat checks", "[group]") {
  group_sim sim;
  auto a = sim.join_new();
  CHECK(sim.sync(a, 0).reply.ec == errc::rebalance_in_progress);
  sim.advance(3000);
  REQUIRE(sim.take_join(a));
  CHECK(sim.sync("ghost", 1).reply.ec == errc::unknown_member_id);
  CHECK(sim.sync(a, 7).reply.ec == errc::illegal_generation);
  sync_group_args wrong;
  wrong.member_id = a;
  wrong.generation_id = 1;
  wrong.protocol_name = "roundrobin";
  group_effects fx;
  CHECK(sim.g->sync(wrong, fx).reply.ec == errc::inconsistent_group_protocol);
  CHECK(sim.heartbeat(a, 1) == errc::none); // CompletingRebalance: fine
  CHECK(sim.heartbeat(a, 2) == errc::illegal_generation);
  CHECK(sim.heartbeat("ghost", 1) == errc::unknown_member_id);
}

TEST_CASE("group: deletion needs an empty group", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(1);
  CHECK(sim.g->begin_delete() == errc::non_empty_group);
  sim.leave({{ids[0], ""}});
  REQUIRE(sim.g->phase() == group_phase::empty);
  CHECK(sim.g->begin_delete() == errc::none);
  CHECK(sim.g->phase() == group_phase::dead);
  CHECK(sim.join(join_request{}).reply.ec == errc::coordinator_not_available);
  sim.g->abort_delete();
  CHECK(sim.g->phase() == group_phase::empty);
}

TEST_CASE("group: a restored group is Stable with its members", "[group]") {
  group_sim sim;
  stored_group g;
  g.group_id = "g";
  g.protocol_type = "consumer";
  g.generation = 5;
  g.protocol = "range";
  g.leader = "m-2";
  for (auto id : {"m-1", "m-2"}) {
    stored_member m;
    m.member_id = id;
    m.client_id = "client";
    m.session_timeout_ms = 10000;
    m.rebalance_timeout_ms = 20000;
    m.subscription = subscription({"orders"});
    m.assignment = bytes(std::string{"as-"} + id);
    g.members.push_back(m);
  }
  group_effects fx;
  sim.g->restore(g, fx);
  sim.absorb(fx);
  CHECK(sim.g->phase() == group_phase::stable);
  CHECK(sim.g->generation() == 5);
  CHECK(sim.g->leader() == "m-2");
  CHECK(sim.g->describe().protocol == "range");
  CHECK(sim.heartbeat("m-1", 5) == errc::none);
  CHECK(sim.sync("m-2", 5).reply.assignment == bytes("as-m-2"));
  CHECK(sim.g->subscribed_to("orders"));
  CHECK_FALSE(sim.g->subscribed_to("other"));
  // Only m-1 keeps heartbeating: m-2's restarted session expires.
  sim.advance(6000);
  CHECK(sim.heartbeat("m-1", 5) == errc::none);
  sim.advance(4000);
  CHECK(sim.g->find("m-2") == nullptr);
  CHECK(sim.g->leader() == "m-1");
  CHECK(sim.heartbeat("m-1", 5) == errc::rebalance_in_progress);
}

TEST_CASE("group: offset deletion respects subscriptions", "[group]") {
  group_sim sim;
  CHECK(sim.g->validate_offset_delete() == errc::none); // Empty: anything goes
  auto ids = sim.stable_group(1, join_request{}.metadata(subscription({"orders", "audit"})));
  CHECK(sim.g->validate_offset_delete() == errc::none);
  CHECK(sim.g->subscribed_to("orders"));
  CHECK(sim.g->subscribed_to("audit"));
  CHECK_FALSE(sim.g->subscribed_to("payments"));
  // Unparseable consumer metadata: every topic counts as subscribed.
  group_sim opaque;
  opaque.stable_group(1, join_request{}.metadata(bytes("??")));
  CHECK(opaque.g->subscribed_to("payments"));
  // Non-consumer groups with members: NON_EMPTY_GROUP.
  group_sim connect;
  join_request req;
  req.args.protocol_type = "connect";
  connect.stable_group(1, req);
  CHECK(connect.g->validate_offset_delete() == errc::non_empty_group);
}

TEST_CASE("group: a retried join of an awaiting member stays parked", "[group]") {
  group_sim sim;
  auto a = sim.join_new();
  auto again = sim.join(join_request{a});
  CHECK(again.parked);
  CHECK(again.member_id == a);
  sim.advance(3000);
  CHECK(sim.take_join(a)->generation_id == 1);
}
