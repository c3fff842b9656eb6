// The broker lifecycle (actors/broker_lifecycle.hpp) against fake controllers on CAF's test
// scheduler: it finds the active controller, registers, heartbeats on its interval, follows
// not_controller hints (keeping its broker epoch), registers again on a stale broker epoch,
// pulls newer metadata and hands it to the node in offset order, and relays admin requests
// with retries.
#include "actors/broker_lifecycle.hpp"
#include "fixture.hpp"

#include <map>

using namespace cafka;
using test::with_ec;
using namespace std::chrono_literals;

namespace {

// What a fake controller answers, and what it was asked.
struct fake_controller_script {
  int32_t id = -1;
  bool leader = false;                  // status role, and whether it accepts broker requests
  int32_t leader_hint = -1;             // not_controller replies name this one
  int64_t next_epoch = 100;
  int64_t metadata_offset = 5;          // heartbeat replies and metadata pulls
  bool fenced = true;                   // heartbeat replies
  int stale_heartbeats = 0;             // answer this many heartbeats with stale_broker_epoch
  int not_controller_relays = 0;        // answer this many relays with not_controller
  std::vector<broker_registration> registrations;
  std::vector<broker_heartbeat> heartbeats;
  std::vector<alter_partition_args> alters;
  std::vector<std::string> created;
  int metadata_pulls = 0;
};

using script_ptr = std::shared_ptr<fake_controller_script>;

controller_actor::behavior_type fake_controller(controller_actor::pointer, script_ptr s) {
  auto relay_refused = [s] {
    if (!s->leader)
      return true;
    if (s->not_controller_relays > 0) {
      --s->not_controller_relays;
      return true;
    }
    return false;
  };
  return {
    [](raft_atom, raft::vote_request&) {},
    [](raft_atom, raft::vote_response&) {},
    [](raft_atom, raft::append_request&) {},
    [](raft_atom, raft::append_response&) {},
    [](raft_atom, raft::snapshot_request&) {},
    [](raft_atom, raft::snapshot_response&) {},
    [](peer_atom, int32_t, controller_peer_actor&) {},
    [](propose_atom, std::vector<char>&) { return propose_reply{errc::invalid_request}; },
    [s](metadata_atom) {
      ++s->metadata_pulls;
      controller_metadata md;
      md.offset = s->metadata_offset;
      md.leader = s->id;
      return md;
    },
    [s](status_atom) {
      controller_status st;
      st.id = s->id;
      st.role = s->leader ? "leader" : "follower";
      st.leader = s->leader ? s->id : s->leader_hint;
      return st;
    },
    [s](register_broker_atom, broker_registration& r) {
      if (!s->leader)
        return registration_reply{errc::not_controller, s->leader_hint};
      s->registrations.push_back(r);
      return registration_reply{errc::none, s->id, s->next_epoch++};
    },
    [s](broker_heartbeat_atom, broker_heartbeat& hb) {
      if (!s->leader)
        return heartbeat_reply{errc::not_controller, s->leader_hint};
      s->heartbeats.push_back(hb);
      if (s->stale_heartbeats > 0) {
        --s->stale_heartbeats;
        return heartbeat_reply{errc::stale_broker_epoch, s->id};
      }
      return heartbeat_reply{errc::none, s->id, s->fenced, s->metadata_offset};
    },
    [s, relay_refused](create_topic_atom, create_topic_args& args) {
      if (relay_refused())
        return with_ec<topic_result>(errc::not_controller);
      s->created.push_back(args.name);
      return with_ec<topic_result>(errc::none);
    },
    [](delete_topic_atom, std::string&) { return with_ec<topic_result>(errc::none); },
    [](create_parts_atom, create_partitions_args&) { return with_ec<topic_result>(errc::none); },
    [s, relay_refused](alter_partition_atom, alter_partition_args& args) {
      if (relay_refused())
        return with_ec<alter_partition_reply>(errc::not_controller);
      s->alters.push_back(args);
      alter_partition_reply r;
      r.leader_id = args.broker_id;
      r.isr = args.new_isr;
      return r;
    },
  };
}

// A gateway that hands out one controller.
node_gateway_actor::behavior_type fake_gateway(node_gateway_actor::pointer, controller_actor c) {
  return {
    [c](controller_atom) { return c; },
    [](replica_atom, std::string&, int32_t) { return with_ec<replica_lookup>(errc::unknown_topic_or_partition); },
  };
}

// A directory over the fake gateways; unknown ids fail like an unreachable peer.
peer_directory_actor::behavior_type
fake_directory(peer_directory_actor::pointer,
               std::shared_ptr<std::map<int32_t, node_gateway_actor>> gws) {
  return {
    [gws](gateway_atom, int32_t id) -> caf::result<node_gateway_actor> {
      auto it = gws->find(id);
      if (it == gws->end())
        return caf::make_error(caf::sec::request_timeout);
      return it->second;
    },
  };
}

struct images {
  std::vector<int64_t> offsets;
};

metadata_sink_actor::behavior_type fake_sink(metadata_sink_actor::pointer,
                                             std::shared_ptr<images> seen) {
  return {
    [seen](cluster_image_atom, controller_metadata& md) { seen->offsets.push_back(md.offset); },
  };
}

struct lifecycle_fixture : test::fixture {
  std::map<int32_t, script_ptr> scripts;
  std::map<int32_t, controller_actor> controllers;
  std::shared_ptr<std::map<int32_t, node_gateway_actor>> gateways
    = std::make_shared<std::map<int32_t, node_gateway_actor>>();
  std::shared_ptr<images> seen = std::make_shared<images>();
  peer_directory_actor directory;
  broker_lifecycle_actor lifecycle;

  lifecycle_fixture() {
    for (int32_t id : {1, 2}) {
      auto s = std::make_shared<fake_controller_script>();
      s->id = id;
      scripts[id] = s;
      controllers[id] = sys.spawn(fake_controller, s);
      (*gateways)[id] = sys.spawn(fake_gateway, controllers[id]);
    }
    directory = sys.spawn(fake_directory, gateways);
  }

  ~lifecycle_fixture() {
    for (auto& [id, c] : controllers)
      caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    for (auto& [id, g] : *gateways)
      caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(directory, caf::exit_reason::user_shutdown);
    if (lifecycle)
      caf::anon_send_exit(lifecycle, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start() {
    lifecycle_config cfg;
    cfg.id = 3;
    cfg.voters = {1, 2};
    cfg.registration = broker_registration{3, "127.0.0.1", 9094, "127.0.0.1:9194"};
    cfg.heartbeat_interval_ms = 500;
    cfg.request_timeout_ms = 1000;
    cfg.relay_deadline_ms = 5000;
    cfg.retry_backoff_ms = 100;
    auto sink = sys.spawn(fake_sink, seen);
    lifecycle = spawn_broker_lifecycle(sys, cfg, directory, controller_actor{}, sink);
    sched.run();
  }

  // One heartbeat interval of virtual time, and everything it set off.
  void tick() {
    sched.advance_time(500ms);
    sched.run();
  }
};

} // namespace

TEST_CASE_METHOD(lifecycle_fixture, "lifecycle finds the leader, registers, heartbeats, delivers metadata in order") {
  scripts[2]->leader = true;
  scripts[1]->leader_hint = 2;
  start();
  auto& s = *scripts[2];
  REQUIRE(s.registrations.size() == 1);
  CHECK(s.registrations[0].id == 3);
  CHECK(s.registrations[0].port == 9094);
  CHECK(s.registrations[0].endpoint == "127.0.0.1:9194");
  CHECK(scripts[1]->registrations.empty());
  // The first heartbeat follows the registration at once and reports nothing applied yet.
  REQUIRE(s.heartbeats.size() == 1);
  CHECK(s.heartbeats[0].broker_epoch == 100);
  CHECK(s.heartbeats[0].metadata_offset == -1);
  CHECK(seen->offsets == std::vector<int64_t>{5});
  tick();
  REQUIRE(s.heartbeats.size() == 2);
  CHECK(s.heartbeats[1].metadata_offset == 5);
  CHECK(s.metadata_pulls == 1); // nothing new: no pull
  s.metadata_offset = 9;
  tick();
  tick();
  CHECK(seen->offsets == std::vector<int64_t>{5, 9});
  CHECK(s.heartbeats.back().metadata_offset == 9);
  CHECK(s.registrations.size() == 1);
}

TEST_CASE_METHOD(lifecycle_fixture, "lifecycle never hands the node an older image") {
  scripts[2]->leader = true;
  scripts[2]->metadata_offset = 8;
  start();
  CHECK(seen->offsets == std::vector<int64_t>{8});
  // Leadership moves to a controller whose metadata lags behind: no image goes back in time.
  scripts[2]->leader = false;
  scripts[2]->leader_hint = 1;
  scripts[1]->leader = true;
  scripts[1]->metadata_offset = 6;
  tick();
  tick();
  REQUIRE_FALSE(scripts[1]->heartbeats.empty());
  CHECK(scripts[1]->heartbeats.back().metadata_offset == 8);
  CHECK(seen->offsets == std::vector<int64_t>{8});
  scripts[1]->metadata_offset = 12;
  tick();
  tick();
  CHECK(seen->offsets == std::vector<int64_t>{8, 12});
}

TEST_CASE_METHOD(lifecycle_fixture, "lifecycle follows a not_controller hint") {
  // Controller 2 leads at first: the broker registers there.
  scripts[2]->leader = true;
  scripts[1]->leader_hint = 2;
  start();
  CHECK(scripts[2]->registrations.size() == 1);
  // Leadership moves to 1: 2's heartbeat reply redirects the broker, which registers at 1.
  scripts[2]->leader = false;
  scripts[2]->leader_hint = 1;
  scripts[1]->leader = true;
  tick();
  tick();
  // The registration is committed metadata, so it outlives the controller change: the broker
  // heartbeats to 1 with the epoch 2 gave it.
  REQUIRE_FALSE(scripts[1]->heartbeats.empty());
  CHECK(scripts[1]->heartbeats.back().broker_epoch == 100);
  CHECK(scripts[1]->registrations.empty());
}

TEST_CASE_METHOD(lifecycle_fixture, "lifecycle registers again on a stale broker epoch") {
  scripts[1]->leader = true;
  start();
  auto& s = *scripts[1];
  REQUIRE(s.registrations.size() == 1);
  s.stale_heartbeats = 1;
  tick();
  CHECK(s.registrations.size() == 2);
  tick();
  CHECK(s.heartbeats.back().broker_epoch == 101);
}

TEST_CASE_METHOD(lifecycle_fixture, "lifecycle rediscovers when the active controller dies") {
  scripts[1]->leader = true;
  start();
  REQUIRE(scripts[1]->registrations.size() == 1);
  caf::anon_send_exit(controllers[1], caf::exit_reason::kill);
  gateways->erase(1);
  controllers.erase(1);
  scripts[2]->leader = true;
  sched.run();
  tick();
  tick();
  REQUIRE_FALSE(scripts[2]->heartbeats.empty());
  CHECK(scripts[2]->heartbeats.back().broker_epoch == 100);
  // Had the new controller not known the epoch, it would say so and the broker re-registers.
  scripts[2]->stale_heartbeats = 1;
  tick();
  CHECK(scripts[2]->registrations.size() == 1);
}

TEST_CASE_METHOD(lifecycle_fixture, "lifecycle relays admin requests and retries on not_controller") {
  scripts[2]->leader = true;
  scripts[2]->not_controller_relays = 2;
  start();
  create_topic_args args;
  args.name = "orders";
  auto created = ask<topic_result>(lifecycle, create_topic_atom::value, args);
  sched.run();
  for (int i = 0; i < 10 && !created->done(); ++i)
    tick();
  REQUIRE(created->value);
  CHECK(created->value->ec == errc::none);
  CHECK(scripts[2]->created == std::vector<std::string>{"orders"});

  alter_partition_args ap;
  ap.topic = "orders";
  ap.new_isr = {3, 1};
  auto altered = ask<alter_partition_reply>(lifecycle, alter_partition_atom::value, ap);
  sched.run();
  REQUIRE(altered->value);
  CHECK(altered->value->ec == errc::none);
  REQUIRE(scripts[2]->alters.size() == 1);
  CHECK(scripts[2]->alters[0].broker_id == 3);
  CHECK(scripts[2]->alters[0].broker_epoch == 100);
}

TEST_CASE_METHOD(lifecycle_fixture, "a relay without any controller times out at its deadline") {
  start(); // neither fake leads
  create_topic_args args;
  args.name = "nowhere";
  auto created = ask<topic_result>(lifecycle, create_topic_atom::value, args);
  for (int i = 0; i < 12 && !created->done(); ++i)
    tick();
  REQUIRE(created->value);
  CHECK(created->value->ec == errc::request_timed_out);
}
