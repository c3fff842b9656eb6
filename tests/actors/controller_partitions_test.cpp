// AlterPartition on the active controller (actors/controller_partitions.cpp): Kafka's rules for
// a leader's ISR change, and leader election after fencing with and without unclean election.
// Three controllers in virtual time (controller_quorum.hpp).
#include "controller_quorum.hpp"

using namespace cafka;
using namespace std::chrono_literals;

TEST_CASE("AlterPartition accepts the leader's ISR changes and refuses the rest",
          "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("p", 1, 3).ec == errc::none);
  auto info = *q.metadata(l).partition("p", 0);
  auto lead = info.leader;
  auto a = info.replicas[1];
  auto b = info.replicas[2];

  // The base request: the leader, with its current epochs.
  alter_partition_args base;
  base.broker_id = lead;
  base.broker_epoch = q.epochs.at(lead);
  base.topic = "p";
  base.partition = 0;
  base.leader_epoch = info.leader_epoch;
  base.partition_epoch = info.partition_epoch;
  base.new_isr = {lead, a};
  auto send = [&](alter_partition_args x, int32_t at = -1) {
    return q.request<alter_partition_reply>(at < 0 ? q.leader() : at, alter_partition_atom::value,
                                            x);
  };

  auto x = base;
  x.broker_epoch -= 1;
  CHECK(send(x).ec == errc::stale_broker_epoch);
  x = base;
  x.topic = "nope";
  CHECK(send(x).ec == errc::unknown_topic_or_partition);
  x = base;
  x.leader_epoch += 1;
  CHECK(send(x).ec == errc::fenced_leader_epoch);
  x = base;
  x.broker_id = a; // not the leader
  x.broker_epoch = q.epochs.at(a);
  CHECK(send(x).ec == errc::invalid_request);
  x = base;
  x.partition_epoch += 1;
  CHECK(send(x).ec == errc::invalid_update_version);
  x = base;
  x.new_isr = {a, b}; // without the leader
  CHECK(send(x).ec == errc::invalid_request);
  x = base;
  x.new_isr = {lead, 42}; // not a replica
  CHECK(send(x).ec == errc::invalid_request);
  x = base;
  x.new_isr = {lead, lead};
  CHECK(send(x).ec == errc::invalid_request);
  CHECK(send(base, q.a_follower()).ec == errc::not_controller);
  CHECK(q.metadata(l).partition("p", 0)->partition_epoch == info.partition_epoch);

  // Shrink: committed, the new state answered.
  auto shrunk = send(base);
  REQUIRE(shrunk.ec == errc::none);
  CHECK(shrunk.leader_id == lead);
  CHECK(shrunk.leader_epoch == info.leader_epoch);
  CHECK(shrunk.partition_epoch == info.partition_epoch + 1);
  CHECK(shrunk.isr == std::vector<int32_t>{lead, a});
  auto now = *q.metadata(l).partition("p", 0);
  CHECK(now.isr == shrunk.isr);
  CHECK(now.partition_epoch == shrunk.partition_epoch);
  // The same request again is outdated.
  CHECK(send(base).ec == errc::invalid_update_version);

  // Expanding with a fenced broker is refused; with a live one accepted.
  REQUIRE(q.heartbeat(q.beat(b, true)).fenced);
  now = *q.metadata(l).partition("p", 0);
  auto grow = base;
  grow.partition_epoch = now.partition_epoch;
  grow.leader_epoch = now.leader_epoch;
  grow.new_isr = {lead, a, b};
  CHECK(send(grow).ec == errc::ineligible_replica);
  REQUIRE(q.register_broker(b).ec == errc::none); // restarted
  REQUIRE_FALSE(q.heartbeat(q.beat(b)).fenced);
  auto grown = send(grow);
  REQUIRE(grown.ec == errc::none);
  CHECK(grown.isr == std::vector<int32_t>{lead, a, b});
  // An unchanged ISR commits nothing and answers the current state.
  auto applied = q.status(l).applied_index;
  grow.partition_epoch = grown.partition_epoch;
  auto same = send(grow);
  CHECK(same.ec == errc::none);
  CHECK(same.partition_epoch == grown.partition_epoch);
  CHECK(q.status(l).applied_index == applied);
}

TEST_CASE("a fenced last ISR member leaves the partition leaderless unless unclean election "
          "is enabled",
          "[controller]") {
  for (bool unclean : {false, true}) {
    INFO("unclean.leader.election.enable=" << unclean);
    test::controller_quorum q;
    q.unclean = unclean;
    q.start_all();
    auto l = q.leader();
    q.live_brokers({1, 2});
    REQUIRE(q.create_topic("u", 1, 2).ec == errc::none);
    auto info = *q.metadata(l).partition("u", 0);
    auto lead = info.leader;
    auto other = info.replicas[1];
    REQUIRE(q.alter_isr(lead, "u", 0, {lead}).ec == errc::none); // the follower fell behind
    q.beating.erase(lead);
    q.run_for(1500ms);
    auto p = *q.metadata(l).partition("u", 0);
    if (unclean) {
      CHECK(p.leader == other);
      CHECK(p.isr == std::vector<int32_t>{other});
    } else {
      CHECK(p.leader == cluster::no_leader);
      CHECK(p.isr == std::vector<int32_t>{lead});
    }
    CHECK(p.leader_epoch == info.leader_epoch + 1);
  }
}
