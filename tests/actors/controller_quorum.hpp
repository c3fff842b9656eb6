#pragma once
// Three controller actors (actors/controller.hpp) with file stores on CAF's test scheduler, in
// virtual time, plus brokers that talk to them: registration, heartbeats (sent by run_for every
// heartbeat_every for the brokers in `beating`), topic administration and AlterPartition. Used
// by the controller_*_test.cpp files.
#include "actors/cluster_metadata.hpp"
#include "actors/controller.hpp"
#include "fixture.hpp"

#include <map>
#include <set>

namespace cafka::test {

using namespace std::chrono_literals;

struct controller_quorum : fixture {
  std::vector<int32_t> ids{1, 2, 3};
  std::map<int32_t, controller_actor> ctl;
  int64_t snapshot_interval = 1000;
  int64_t session_timeout_ms = 1000;
  bool unclean = false;
  int32_t num_partitions = 1;
  int16_t default_rf = 1;

  // Registered brokers and their epochs; those in `beating` heartbeat (caught up) in run_for.
  std::map<int32_t, int64_t> epochs;
  std::set<int32_t> beating;
  std::chrono::milliseconds heartbeat_every = 200ms;
  std::chrono::milliseconds since_heartbeat = 0ms;

  ~controller_quorum() {
    for (auto& [id, c] : ctl)
      caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
    sched.run();
  }

  controller_config config_for(int32_t id) {
    controller_config c;
    c.id = id;
    c.voters = ids;
    c.dir = dir.path / ("controller-" + std::to_string(id)) / "__cluster_metadata-0";
    c.election_timeout_min_ms = 100;
    c.election_timeout_max_ms = 200;
    c.heartbeat_interval_ms = 20;
    c.seed = static_cast<uint64_t>(id) * 7919;
    c.snapshot_interval_entries = snapshot_interval;
    c.segment_bytes = 4096;
    c.broker_session_timeout_ms = session_timeout_ms;
    c.unclean_leader_election_enable = unclean;
    c.num_partitions = num_partitions;
    c.default_replication_factor = default_rf;
    return c;
  }

  void start(int32_t id) {
    std::error_code ec;
    auto c = spawn_controller(sys, config_for(id), false, ec);
    REQUIRE_FALSE(ec);
    ctl[id] = c;
    for (auto& [other, h] : ctl) {
      if (other == id)
        continue;
      caf::anon_send(h, peer_atom::value, id, controller_peer_actor{c});
      caf::anon_send(c, peer_atom::value, other, controller_peer_actor{h});
    }
    sched.run();
  }

  void start_all() {
    for (auto id : ids)
      start(id);
    run_for(1000ms);
  }

  void kill(int32_t id) {
    caf::anon_send_exit(ctl.at(id), caf::exit_reason::kill);
    ctl.erase(id);
    sched.run();
  }

  // Virtual time in 10 ms steps; the beating brokers heartbeat every heartbeat_every (to every
  // controller: only the active one accepts).
  void run_for(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 10ms) {
      sched.advance_time(10ms);
      sched.run();
      since_heartbeat += 10ms;
      if (since_heartbeat >= heartbeat_every) {
        since_heartbeat = 0ms;
        for (auto b : beating)
          for (auto& [id, c] : ctl)
            ask<heartbeat_reply>(c, broker_heartbeat_atom::value, beat(b));
        sched.run();
      }
    }
  }

  // A heartbeat of broker b with its registered epoch, caught up with any metadata.
  broker_heartbeat beat(int32_t b, bool shutting_down = false) const {
    broker_heartbeat h;
    h.id = b;
    h.broker_epoch = epochs.count(b) ? epochs.at(b) : -1;
    h.metadata_offset = int64_t{1} << 40;
    h.shutting_down = shutting_down;
    return h;
  }

  // A request answered after commit: virtual time passes until the reply is there.
  template <class Reply, class... Ts>
  Reply request(int32_t id, Ts... xs) {
    auto slot = ask<Reply>(ctl.at(id), xs...);
    for (int i = 0; i < 100 && !slot->done(); ++i)
      run_for(10ms);
    REQUIRE(slot->done());
    if (slot->error)
      FAIL("request failed: " << caf::to_string(*slot->error));
    return *slot->value;
  }

  controller_status status(int32_t id) {
    return call<controller_status>(ctl.at(id), status_atom::value);
  }

  int32_t leader() {
    int32_t leader = -1;
    for (auto& [id, c] : ctl)
      if (status(id).role == "leader") {
        REQUIRE(leader == -1);
        leader = id;
      }
    REQUIRE(leader != -1);
    return leader;
  }

  int32_t a_follower() {
    auto l = leader();
    for (auto& [id, c] : ctl)
      if (id != l)
        return id;
    FAIL("no follower");
    return -1;
  }

  cluster::cluster_metadata metadata(int32_t id) {
    auto m = call<controller_metadata>(ctl.at(id), metadata_atom::value);
    cluster::cluster_metadata out;
    REQUIRE_FALSE(out.restore(m.state));
    return out;
  }

  // -- broker and admin requests to the leader ----------------------------------------------

  registration_reply register_broker(int32_t b, int32_t at = -1) {
    broker_registration r;
    r.id = b;
    r.host = "localhost";
    r.port = 9090 + b;
    r.endpoint = "localhost:" + std::to_string(19090 + b);
    auto reply = request<registration_reply>(at < 0 ? leader() : at,
                                              register_broker_atom::value, r);
    if (reply.ec == errc::none)
      epochs[b] = reply.broker_epoch;
    return reply;
  }

  heartbeat_reply heartbeat(const broker_heartbeat& h, int32_t at = -1) {
    return request<heartbeat_reply>(at < 0 ? leader() : at, broker_heartbeat_atom::value, h);
  }

  // Registers the brokers, unfences them with a caught-up heartbeat, keeps them beating.
  void live_brokers(std::vector<int32_t> bs) {
    for (auto b : bs) {
      REQUIRE(register_broker(b).ec == errc::none);
      REQUIRE_FALSE(heartbeat(beat(b)).fenced);
      beating.insert(b);
    }
  }

  topic_result create_topic(const std::string& name, int32_t partitions, int16_t rf,
                            int32_t at = -1, bool validate_only = false) {
    create_topic_args args;
    args.name = name;
    args.num_partitions = partitions;
    args.replication_factor = rf;
    args.validate_only = validate_only;
    return request<topic_result>(at < 0 ? leader() : at, create_topic_atom::value, args);
  }

  alter_partition_reply alter_isr(int32_t broker, const std::string& topic, int32_t partition,
                                  std::vector<int32_t> isr) {
    auto p = metadata(leader()).partition(topic, partition);
    REQUIRE(p);
    alter_partition_args a;
    a.broker_id = broker;
    a.broker_epoch = epochs.at(broker);
    a.topic = topic;
    a.partition = partition;
    a.leader_epoch = p->leader_epoch;
    a.partition_epoch = p->partition_epoch;
    a.new_isr = std::move(isr);
    return request<alter_partition_reply>(leader(), alter_partition_atom::value, a);
  }
};

} // namespace cafka::test
