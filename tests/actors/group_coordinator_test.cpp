// The group coordinator actor on CAF's test scheduler, with a fake shard that records what the
// group stores: parked JoinGroup/SyncGroup replies, timers in virtual time, persistence.
#include "actors/group_coordinator.hpp"
#include "fixture.hpp"
#include "group_sim.hpp"

using namespace cafka;
using namespace cafka::test;
using namespace std::chrono_literals;

namespace {

// What the fake shard saw, and how it should answer.
struct shard_log {
  std::vector<offsets_record> records;
  int stores = 0;
  errc result = errc::none;
};

group_shard_actor::behavior_type fake_shard(group_shard_actor::pointer,
                                            std::shared_ptr<shard_log> log) {
  return {
    [](group_atom, const std::string&, bool) { return group_lookup{errc::invalid_request, {}}; },
    [](offset_fetch_atom, const offset_fetch_args&) { return offset_fetch_reply{}; },
    [](list_groups_atom) { return std::vector<group_listing>{}; },
    [log](store_atom, std::vector<offsets_record>& records) {
      ++log->stores;
      if (log->result == errc::none)
        log->records.insert(log->records.end(), records.begin(), records.end());
      return log->result;
    },
  };
}

struct group_fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::shared_ptr<shard_log> log = std::make_shared<shard_log>();
  group_shard_actor shard = sys.spawn(fake_shard, log);
  group_settings settings;
  group_actor group;

  ~group_fixture() {
    if (group)
      caf::anon_send_exit(group, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
    sched.run();
    sched.trigger_timeouts();
    sched.run();
  }

  void start(std::optional<stored_group> restored = std::nullopt) {
    group = spawn_group(sys, "g", settings, shard, std::move(restored));
    sched.run();
  }

  // Probes wait an hour: virtual time moves by minutes in these tests.
  template <class Reply, class Handle, class... Ts>
  std::shared_ptr<reply_slot<Reply>> ask(const Handle& h, Ts... xs) {
    auto slot = std::make_shared<reply_slot<Reply>>();
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(h, std::chrono::seconds(3600), xs...)
        .then([slot](Reply& r) { slot->value = std::move(r); },
              [slot](caf::error& e) { slot->error = std::move(e); });
    });
    sched.run();
    return slot;
  }

  template <class Reply, class... Ts>
  Reply call(Ts... xs) {
    auto slot = ask<Reply>(group, xs...);
    REQUIRE(slot->done());
    if (slot->error)
      FAIL("request failed: " << caf::to_string(*slot->error));
    return *slot->value;
  }

  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }

  std::shared_ptr<reply_slot<join_group_reply>> join(const join_group_args& a) {
    return ask<join_group_reply>(group, join_group_atom::value, a);
  }

  std::shared_ptr<reply_slot<sync_group_reply>>
  sync(const std::string& member, int32_t generation, std::vector<member_assignment> as = {}) {
    sync_group_args a;
    a.group_id = "g";
    a.member_id = member;
    a.generation_id = generation;
    a.assignments = std::move(as);
    return ask<sync_group_reply>(group, sync_group_atom::value, a);
  }

  errc heartbeat(const std::string& member, int32_t generation) {
    heartbeat_args a;
    a.group_id = "g";
    a.member_id = member;
    a.generation_id = generation;
    return call<errc>(heartbeat_atom::value, a);
  }

  offset_commit_reply commit(const std::string& member, int32_t generation,
                             std::vector<partition_offset> offsets) {
    offset_commit_args a;
    a.group_id = "g";
    a.member_id = member;
    a.generation_id = generation;
    a.offsets = std::move(offsets);
    return call<offset_commit_reply>(offset_commit_atom::value, a);
  }

  group_description describe() {
    return call<group_description>(describe_group_atom::value);
  }
};

partition_offset offset(std::string topic, int32_t partition, int64_t at,
                        std::string metadata = {}) {
  partition_offset p;
  p.topic = std::move(topic);
  p.partition = partition;
  p.offset = at;
  p.metadata = std::move(metadata);
  return p;
}

// Decodes every stored record (the shard engineer's codec) for inspection.
std::vector<offsets_entry> entries(const shard_log& log) {
  std::vector<offsets_entry> out;
  for (auto& r : log.records) {
    offsets_entry e;
    auto ec = cafka::decode(r.key.data(), r.key.size(), r.value.data(), r.value.size(),
                            r.tombstone, e);
    REQUIRE(!ec);
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

TEST_CASE_METHOD(group_fixture, "group actor: three members join, sync, become stable",
                 "[group]") {
  start();
  auto a = join(join_request{}.metadata(bytes("A")));
  auto b = join(join_request{}.metadata(bytes("B")));
  auto c = join(join_request{}.metadata(bytes("C")));
  // The initial delay, stretched once by the newcomers. (Step through: advance_time jumps the
  // clock before firing timers, so a timer armed by a timer would start late.)
  advance(3000ms);
  advance(2999ms);
  CHECK_FALSE(a->done());
  CHECK(describe().state == "PreparingRebalance");
  advance(1ms);
  REQUIRE(a->value);
  REQUIRE(b->value);
  REQUIRE(c->value);
  auto leader = a->value->member_id;
  CHECK(a->value->leader == leader);
  REQUIRE(a->value->members.size() == 3);
  CHECK(a->value->members[2].metadata == bytes("C"));
  CHECK(b->value->members.empty());
  CHECK(describe().state == "CompletingRebalance");
  auto sb = sync(b->value->member_id, 1);
  auto sc = sync(c->value->member_id, 1);
  CHECK_FALSE(sb->done());
  CHECK(log->stores == 0);
  auto sa = sync(leader, 1,
                 {{leader, bytes("x")}, {b->value->member_id, bytes("y")},
                  {c->value->member_id, bytes("z")}});
  REQUIRE(sa->value);
  REQUIRE(sb->value);
  REQUIRE(sc->value);
  CHECK(sa->value->assignment == bytes("x"));
  CHECK(sb->value->assignment == bytes("y"));
  CHECK(sc->value->assignment == bytes("z"));
  CHECK(sc->value->protocol_name == "range");
  CHECK(log->stores == 1);
  auto stored = entries(*log);
  REQUIRE(stored.size() == 1);
  auto* g = std::get_if<stored_group>(&stored[0]);
  REQUIRE(g);
  CHECK(g->generation == 1);
  CHECK(g->leader == leader);
  REQUIRE(g->members.size() == 3);
  CHECK(g->members[1].assignment == bytes("y"));
  auto d = describe();
  CHECK(d.state == "Stable");
  CHECK(d.protocol_type == "consumer");
  CHECK(d.members.size() == 3);
}

TEST_CASE_METHOD(group_fixture, "group actor: MEMBER_ID_REQUIRED, then join with the id",
                 "[group]") {
  settings.initial_rebalance_delay_ms = 0;
  start();
  join_request req;
  req.args.require_known_member_id = true;
  req.args.client_id = "rdkafka";
  auto first = join(req);
  REQUIRE(first->value);
  CHECK(first->value->ec == errc::member_id_required);
  auto id = first->value->member_id;
  CHECK(id.rfind("rdkafka-", 0) == 0);
  CHECK(id.size() == std::string{"rdkafka-"}.size() + 36); // a UUID
  req.args.member_id = id;
  auto second = join(req);
  REQUIRE(second->value); // no initial delay configured: done at once
  CHECK(second->value->ec == errc::none);
  CHECK(second->value->generation_id == 1);
  CHECK(second->value->leader == id);
}

TEST_CASE_METHOD(group_fixture, "group actor: session expiry rebalances the others",
                 "[group]") {
  settings.initial_rebalance_delay_ms = 0;
  start();
  auto a = join(join_request{});
  REQUIRE(a->value);
  auto ida = a->value->member_id;
  REQUIRE(sync(ida, 1, {{ida, bytes("x")}})->value);
  auto b = join(join_request{}); // a must rejoin for b to get in
  CHECK(heartbeat(ida, 1) == errc::rebalance_in_progress);
  auto a2 = join(join_request{ida});
  REQUIRE(b->value);
  REQUIRE(a2->value);
  auto idb = b->value->member_id;
  CHECK(a2->value->generation_id == 2);
  REQUIRE(sync(idb, 2)->done() == false);
  REQUIRE(sync(ida, 2, {{ida, bytes("x")}, {idb, bytes("y")}})->value);
  CHECK(describe().state == "Stable");
  // Only a heartbeats from now on.
  advance(4s);
  CHECK(heartbeat(ida, 2) == errc::none);
  advance(4s);
  CHECK(heartbeat(ida, 2) == errc::none);
  CHECK(describe().members.size() == 2);
  advance(2s); // b's session ends
  CHECK(describe().members.size() == 1);
  CHECK(heartbeat(idb, 2) == errc::unknown_member_id);
  CHECK(heartbeat(ida, 2) == errc::rebalance_in_progress);
  auto a3 = join(join_request{ida});
  REQUIRE(a3->value);
  CHECK(a3->value->generation_id == 3);
}

TEST_CASE_METHOD(group_fixture, "group actor: a failed store fails the syncs", "[group]") {
  settings.initial_rebalance_delay_ms = 0;
  start();
  auto a = join(join_request{});
  REQUIRE(a->value);
  log->result = errc::request_timed_out;
  auto s = sync(a->value->member_id, 1, {{a->value->member_id, bytes("x")}});
  REQUIRE(s->value);
  CHECK(s->value->ec == errc::coordinator_not_available);
  CHECK(describe().state == "PreparingRebalance");
}

TEST_CASE_METHOD(group_fixture, "group actor: offset commits", "[group]") {
  settings.initial_rebalance_delay_ms = 0;
  start();
  // Simple commit to an empty group; one partition's metadata is too large.
  auto r = commit("", -1, {offset("t", 0, 42, "meta"), offset("t", 1, 7, std::string(4097, 'x'))});
  CHECK(r.ec == errc::none);
  REQUIRE(r.offsets.size() == 2);
  CHECK(r.offsets[0].ec == errc::none);
  CHECK(r.offsets[1].ec == errc::offset_metadata_too_large);
  auto stored = entries(*log);
  REQUIRE(stored.size() == 1);
  auto* o = std::get_if<stored_offset>(&stored[0]);
  REQUIRE(o);
  CHECK(o->group_id == "g");
  CHECK(o->topic == "t");
  CHECK(o->offset == 42);
  CHECK(o->metadata == "meta");
  CHECK(o->commit_timestamp > 0);
  // A member of generation 1.
  auto a = join(join_request{});
  REQUIRE(a->value);
  auto id = a->value->member_id;
  auto during = commit(id, 1, {offset("t", 0, 50)});
  CHECK(during.offsets[0].ec == errc::rebalance_in_progress);
  REQUIRE(sync(id, 1, {{id, bytes("x")}})->value);
  CHECK(commit(id, 1, {offset("t", 0, 50)}).offsets[0].ec == errc::none);
  CHECK(commit(id, 0, {offset("t", 0, 51)}).offsets[0].ec == errc::illegal_generation);
  CHECK(commit("", -1, {offset("t", 0, 52)}).offsets[0].ec == errc::unknown_member_id);
  // The shard failing the append.
  log->result = errc::not_leader_or_follower;
  CHECK(commit(id, 1, {offset("t", 0, 53)}).offsets[0].ec == errc::not_coordinator);
}

TEST_CASE_METHOD(group_fixture, "group actor: offset delete refuses subscribed topics",
                 "[group]") {
  settings.initial_rebalance_delay_ms = 0;
  start();
  auto a = join(join_request{}.metadata(subscription({"orders"})));
  REQUIRE(a->value);
  offset_delete_args args;
  args.group_id = "g";
  args.partitions = {offset("orders", 0, -1), offset("old", 3, -1)};
  auto r = call<offset_commit_reply>(offset_delete_atom::value, args);
  REQUIRE(r.offsets.size() == 2);
  CHECK(r.offsets[0].ec == errc::group_subscribed_to_topic);
  CHECK(r.offsets[1].ec == errc::none);
  auto stored = entries(*log);
  REQUIRE(stored.size() == 1);
  auto* t = std::get_if<offset_tombstone>(&stored[0]);
  REQUIRE(t);
  CHECK(t->topic == "old");
  CHECK(t->partition == 3);
}

TEST_CASE_METHOD(group_fixture, "group actor: delete_group", "[group]") {
  settings.initial_rebalance_delay_ms = 0;
  start();
  auto a = join(join_request{});
  REQUIRE(a->value);
  CHECK(call<errc>(delete_group_atom::value) == errc::non_empty_group);
  leave_group_args leave;
  leave.group_id = "g";
  leave.members = {{a->value->member_id, ""}};
  CHECK(call<leave_group_reply>(leave_group_atom::value, leave).members[0].ec == errc::none);
  CHECK(describe().state == "Empty");
  CHECK(call<errc>(delete_group_atom::value) == errc::none);
  auto stored = entries(*log);
  REQUIRE_FALSE(stored.empty());
  CHECK(std::holds_alternative<group_tombstone>(stored.back()));
  // The actor is gone.
  auto after = ask<group_description>(group, describe_group_atom::value);
  REQUIRE(after->done());
  CHECK(after->error);
}

TEST_CASE_METHOD(group_fixture, "group actor: restored group keeps generation and members",
                 "[group]") {
  stored_group g;
  g.group_id = "g";
  g.protocol_type = "consumer";
  g.generation = 7;
  g.protocol = "range";
  g.leader = "m-1";
  stored_member m;
  m.member_id = "m-1";
  m.session_timeout_ms = 10000;
  m.rebalance_timeout_ms = 10000;
  m.subscription = bytes("sub");
  m.assignment = bytes("as");
  g.members.push_back(m);
  start(g);
  auto d = describe();
  CHECK(d.state == "Stable");
  REQUIRE(d.members.size() == 1);
  CHECK(d.members[0].assignment == bytes("as"));
  CHECK(heartbeat("m-1", 7) == errc::none);
  auto s = sync("m-1", 7);
  REQUIRE(s->value);
  CHECK(s->value->assignment == bytes("as"));
  // Its restarted session runs out without heartbeats: the group empties and says so.
  advance(10s);
  CHECK(describe().state == "Empty");
  auto stored = entries(*log);
  REQUIRE(stored.size() == 1);
  CHECK(std::get<stored_group>(stored[0]).generation == 8);
  CHECK(std::get<stored_group>(stored[0]).members.empty());
}

TEST_CASE_METHOD(group_fixture, "group actor: parked joins learn when the shard goes away",
                 "[group]") {
  start();
  auto a = join(join_request{});
  CHECK_FALSE(a->done());
  caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
  sched.run();
  REQUIRE(a->value);
  CHECK(a->value->ec == errc::not_coordinator);
}
