// The group state machine on its own (no actors): joins, rebalances, syncs, timeouts.
#include "group_sim.hpp"

using namespace cafka;
using namespace cafka::test;

TEST_CASE("group: one member joins after the initial delay, syncs, is stable", "[group]") {
  group_sim sim;
  CHECK(sim.g->phase() == group_phase::empty);
  auto id = sim.join_new();
  CHECK(id == "client-1");
  CHECK(sim.g->phase() == group_phase::preparing_rebalance);
  sim.advance(2999);
  CHECK_FALSE(sim.take_join(id));
  sim.advance(1);
  auto j = sim.take_join(id);
  REQUIRE(j);
  CHECK(j->ec == errc::none);
  CHECK(j->generation_id == 1);
  CHECK(j->leader == id);
  CHECK(j->member_id == id);
  CHECK(j->protocol_type == "consumer");
  CHECK(j->protocol_name == "range");
  REQUIRE(j->members.size() == 1);
  CHECK(j->members[0].metadata == bytes("meta-range"));
  CHECK(sim.g->phase() == group_phase::completing_rebalance);
  CHECK(sim.heartbeat(id, 1) == errc::none);
  auto s = sim.sync(id, 1, {{id, bytes("mine")}});
  REQUIRE(s.parked);
  auto sr = sim.take_sync(id);
  REQUIRE(sr);
  CHECK(sr->ec == errc::none);
  CHECK(sr->assignment == bytes("mine"));
  CHECK(sr->protocol_name == "range");
  CHECK(sim.g->phase() == group_phase::stable);
  REQUIRE(sim.stored.size() == 1);
  CHECK(sim.stored[0].generation == 1);
  CHECK(sim.stored[0].leader == id);
  REQUIRE(sim.stored[0].members.size() == 1);
  CHECK(sim.stored[0].members[0].assignment == bytes("mine"));
  CHECK(sim.stored[0].members[0].subscription == bytes("meta-range"));
  auto d = sim.g->describe();
  CHECK(d.state == "Stable");
  CHECK(d.protocol == "range");
  REQUIRE(d.members.size() == 1);
  CHECK(d.members[0].assignment == bytes("mine"));
  CHECK(d.members[0].client_host == "/127.0.0.1");
  // Stable: SyncGroup returns the current assignment at once.
  auto again = sim.sync(id, 1);
  CHECK_FALSE(again.parked);
  CHECK(again.reply.assignment == bytes("mine"));
}

TEST_CASE("group: MEMBER_ID_REQUIRED hands out an id to come back with", "[group]") {
  group_sim sim;
  join_request req;
  req.args.require_known_member_id = true;
  auto first = sim.join(req);
  REQUIRE_FALSE(first.parked);
  CHECK(first.reply.ec == errc::member_id_required);
  CHECK(first.reply.member_id == "client-1");
  CHECK(sim.g->is_pending("client-1"));
  CHECK(sim.g->phase() == group_phase::empty);
  req.args.member_id = "client-1";
  auto second = sim.join(req);
  REQUIRE(second.parked);
  CHECK_FALSE(sim.g->is_pending("client-1"));
  sim.advance(3000);
  auto j = sim.take_join("client-1");
  REQUIRE(j);
  CHECK(j->ec == errc::none);
  CHECK(j->generation_id == 1);
}

TEST_CASE("group: a pending member id expires after the session timeout", "[group]") {
  group_sim sim;
  join_request req;
  req.args.require_known_member_id = true;
  auto first = sim.join(req);
  REQUIRE(first.reply.ec == errc::member_id_required);
  sim.advance(10000);
  CHECK_FALSE(sim.g->is_pending(first.reply.member_id));
  req.args.member_id = first.reply.member_id;
  CHECK(sim.join(req).reply.ec == errc::unknown_member_id);
}

TEST_CASE("group: three members join within the delay; leader assigns for all", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{}.metadata(bytes("A")));
  sim.advance(1000);
  auto b = sim.join_new(join_request{}.metadata(bytes("B")));
  sim.advance(1500);
  auto c = sim.join_new(join_request{}.metadata(bytes("C")));
  // Newcomers stretched the initial delay: still waiting at 3 s.
  sim.advance(500);
  CHECK_FALSE(sim.take_join(a));
  sim.advance(3000);
  auto ja = sim.take_join(a);
  auto jb = sim.take_join(b);
  auto jc = sim.take_join(c);
  REQUIRE(ja);
  REQUIRE(jb);
  REQUIRE(jc);
  CHECK(ja->leader == a);
  CHECK(jb->leader == a);
  CHECK(jc->generation_id == 1);
  REQUIRE(ja->members.size() == 3);
  CHECK(ja->members[1].member_id == b);
  CHECK(ja->members[1].metadata == bytes("B"));
  CHECK(ja->members[2].metadata == bytes("C"));
  CHECK(jb->members.empty());
  CHECK(jc->members.empty());
  // Followers wait for the leader's assignment.
  CHECK(sim.sync(b, 1).parked);
  CHECK(sim.sync(c, 1).parked);
  CHECK_FALSE(sim.take_sync(b));
  // The leader forgets c: it gets an empty assignment.
  CHECK(sim.sync(a, 1, {{a, bytes("x")}, {b, bytes("y")}}).parked);
  CHECK(sim.take_sync(a)->assignment == bytes("x"));
  CHECK(sim.take_sync(b)->assignment == bytes("y"));
  auto sc = sim.take_sync(c);
  REQUIRE(sc);
  CHECK(sc->ec == errc::none);
  CHECK(sc->assignment.empty());
  CHECK(sim.g->phase() == group_phase::stable);
}

TEST_CASE("group: the leader leaving mid-rebalance hands leadership on", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(2);
  // The follower changes its metadata: rebalance; the leader leaves instead of rejoining.
  REQUIRE(sim.join(join_request{ids[1]}.metadata(bytes("new"))).parked);
  CHECK(sim.g->phase() == group_phase::preparing_rebalance);
  auto r = sim.leave({{ids[0], ""}});
  REQUIRE(r.members.size() == 1);
  CHECK(r.members[0].ec == errc::none);
  auto j = sim.take_join(ids[1]);
  REQUIRE(j);
  CHECK(j->generation_id == 2);
  CHECK(j->leader == ids[1]);
  REQUIRE(j->members.size() == 1);
  CHECK(j->members[0].metadata == bytes("new"));
  CHECK(sim.heartbeat(ids[0], 2) == errc::unknown_member_id);
}

TEST_CASE("group: members that do not rejoin are dropped at the rebalance timeout", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(2);
  // The leader rejoins (e.g. metadata change); the follower keeps heartbeating but never joins.
  REQUIRE(sim.join(join_request{ids[0]}).parked);
  CHECK(sim.heartbeat(ids[1], 1) == errc::rebalance_in_progress);
  sim.advance(9999);
  CHECK_FALSE(sim.take_join(ids[0]));
  sim.advance(1);
  auto j = sim.take_join(ids[0]);
  REQUIRE(j);
  CHECK(j->generation_id == 2);
  CHECK(j->members.size() == 1);
  CHECK(sim.g->find(ids[1]) == nullptr);
  CHECK(sim.heartbeat(ids[1], 1) == errc::unknown_member_id);
}

TEST_CASE("group: members that never sync are dropped at the rebalance timeout", "[group]") {
  group_sim sim;
  auto a = sim.join_new();
  auto b = sim.join_new();
  sim.advance(6000);
  REQUIRE(sim.take_join(a));
  REQUIRE(sim.take_join(b));
  REQUIRE(sim.sync(a, 1, {{a, bytes("x")}, {b, bytes("y")}}).parked);
  CHECK(sim.g->phase() == group_phase::stable);
  sim.advance(5000);
  CHECK(sim.heartbeat(a, 1) == errc::none);
  CHECK(sim.heartbeat(b, 1) == errc::none); // alive, but never sends SyncGroup
  sim.advance(5000);
  CHECK(sim.g->find(b) == nullptr);
  CHECK(sim.heartbeat(a, 1) == errc::rebalance_in_progress);
}

TEST_CASE("group: an expired session triggers a rebalance", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(2);
  sim.advance(4000);
  CHECK(sim.heartbeat(ids[0], 1) == errc::none);
  sim.advance(4000);
  CHECK(sim.heartbeat(ids[0], 1) == errc::none);
  CHECK(sim.g->find(ids[1]) != nullptr);
  sim.advance(2000);
  // ids[1] never heartbeated: its 10 s session ran out.
  CHECK(sim.g->find(ids[1]) == nullptr);
  CHECK(sim.g->phase() == group_phase::preparing_rebalance);
  CHECK(sim.heartbeat(ids[0], 1) == errc::rebalance_in_progress);
  REQUIRE(sim.join(join_request{ids[0]}).parked);
  auto j = sim.take_join(ids[0]); // everyone left has rejoined: done at once
  REQUIRE(j);
  CHECK(j->generation_id == 2);
}

TEST_CASE("group: the last member expiring empties the group", "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(1);
  sim.advance(10000);
  CHECK(sim.g->phase() == group_phase::empty);
  CHECK(sim.g->generation() == 2);
  REQUIRE(sim.stored.size() == 2);
  CHECK(sim.stored[1].members.empty());
  CHECK(sim.stored[1].generation == 2);
  CHECK(sim.stored[1].protocol.empty());
}

TEST_CASE("group: a follower rejoining unchanged in Stable gets the generation back",
          "[group]") {
  group_sim sim;
  auto ids = sim.stable_group(2);
  auto out = sim.join(join_request{ids[1]});
  REQUIRE_FALSE(out.parked);
  CHECK(out.reply.ec == errc::none);
  CHECK(out.reply.generation_id == 1);
  CHECK(out.reply.leader == ids[0]);
  CHECK(sim.g->phase() == group_phase::stable);
  // The leader rejoining always rebalances.
  CHECK(sim.join(join_request{ids[0]}).parked);
  CHECK(sim.g->phase() == group_phase::preparing_rebalance);
}

TEST_CASE("group: a restarted static member takes over without a rebalance", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{}.instance("i-a"));
  auto b = sim.join_new(join_request{}.instance("i-b"));
  CHECK(a == "i-a-1");
  sim.advance(6000);
  REQUIRE(sim.take_join(a));
  REQUIRE(sim.take_join(b));
  REQUIRE(sim.sync(b, 1, {}, "i-b").parked);
  REQUIRE(sim.sync(a, 1, {{a, bytes("x")}, {b, bytes("y")}}, "i-a").parked);
  REQUIRE(sim.take_sync(b)->assignment == bytes("y"));
  auto stores = sim.stored.size();
  // i-b restarts: new member id, same generation, no rebalance; the new id is persisted first.
  auto out = sim.join(join_request{}.instance("i-b"));
  REQUIRE(out.parked);
  auto nb = out.member_id;
  CHECK(nb != b);
  auto j = sim.take_join(nb);
  REQUIRE(j);
  CHECK(j->ec == errc::none);
  CHECK(j->generation_id == 1);
  CHECK(j->leader == a);
  CHECK(sim.g->phase() == group_phase::stable);
  REQUIRE(sim.stored.size() == stores + 1);
  CHECK(sim.stored.back().members[1].member_id == nb);
  auto s = sim.sync(nb, 1, {}, "i-b");
  REQUIRE_FALSE(s.parked);
  CHECK(s.reply.assignment == bytes("y"));
  // The zombie with the old id is fenced everywhere.
  CHECK(sim.heartbeat(b, 1, "i-b") == errc::fenced_instance_id);
  CHECK(sim.commit(b, 1, "i-b") == errc::fenced_instance_id);
  CHECK(sim.sync(b, 1, {}, "i-b").reply.ec == errc::fenced_instance_id);
  CHECK(sim.join(join_request{b}.instance("i-b")).reply.ec == errc::fenced_instance_id);
  auto lr = sim.leave({{b, "i-b"}});
  CHECK(lr.members[0].ec == errc::fenced_instance_id);
  CHECK(sim.heartbeat(nb, 1, "i-b") == errc::none);
}

TEST_CASE("group: a restarted static leader is not told it leads", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{}.instance("i-a"));
  sim.advance(3000);
  REQUIRE(sim.take_join(a));
  REQUIRE(sim.sync(a, 1, {{a, bytes("x")}}, "i-a").parked);
  auto out = sim.join(join_request{}.instance("i-a"));
  auto j = sim.take_join(out.member_id);
  REQUIRE(j);
  CHECK(j->leader == a); // the old id: the new one must not run an assignment
  CHECK(sim.g->leader() == out.member_id);
  CHECK(sim.sync(out.member_id, 1, {}, "i-a").reply.assignment == bytes("x"));
}

TEST_CASE("group: a failed static takeover keeps the old member id", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{}.instance("i-a"));
  sim.advance(3000);
  REQUIRE(sim.take_join(a));
  REQUIRE(sim.sync(a, 1, {{a, bytes("x")}}, "i-a").parked);
  sim.store_result = errc::not_enough_replicas;
  auto out = sim.join(join_request{}.instance("i-a"));
  auto j = sim.take_join(out.member_id);
  REQUIRE(j);
  CHECK(j->ec == errc::coordinator_not_available);
  CHECK(sim.g->find(a) != nullptr);
  CHECK(sim.g->find(out.member_id) == nullptr);
  CHECK(sim.heartbeat(a, 1, "i-a") == errc::none);
}

TEST_CASE("group: a static takeover during CompletingRebalance starts over", "[group]") {
  group_sim sim;
  auto a = sim.join_new(join_request{}.instance("i-a"));
  auto b = sim.join_new(join_request{}.instance("i-b"));
  sim.advance(6000);
  REQUIRE(sim.take_join(a));
  REQUIRE(sim.take_join(b));
  REQUIRE(sim.sync(b, 1, {}, "i-b").parked);
  // i-b restarts before the leader assigned: its old sync is fenced, everyone rejoins.
  auto out = sim.join(join_request{}.instance("i-b"));
  REQUIRE(out.parked);
  CHECK(sim.take_sync(b)->ec == errc::fenced_instance_id);
  CHECK(sim.g->phase() == group_phase::preparing_rebalance);
  CHECK(sim.heartbeat(a, 1, "i-a") == errc::rebalance_in_progress);
  REQUIRE(sim.join(join_request{a}.instance("i-a")).parked);
  auto j = sim.take_join(out.member_id);
  REQUIRE(j);
  CHECK(j->generation_id == 2);
  CHECK(sim.take_join(a)->members.size() == 2);
}
