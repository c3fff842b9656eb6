// The active controller's broker lifecycle (actors/controller_brokers.cpp): registration with
// the Raft index as epoch, redirects from followers, heartbeats that unfence a caught-up broker,
// stale epochs, controlled shutdown, and fencing of silent brokers with leader re-election and
// ISR shrink. Three controllers in virtual time (controller_quorum.hpp).
#include "controller_quorum.hpp"

#include <algorithm>

using namespace cafka;
using namespace std::chrono_literals;

namespace {

bool in(const std::vector<int32_t>& xs, int32_t x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

} // namespace

TEST_CASE("brokers register with the Raft index as epoch and unfence once caught up",
          "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  auto follower = q.a_follower();

  // Followers redirect to the leader.
  auto redirected = q.register_broker(1, follower);
  CHECK(redirected.ec == errc::not_controller);
  CHECK(redirected.leader == l);
  auto hb_redirected = q.heartbeat(q.beat(1), follower);
  CHECK(hb_redirected.ec == errc::not_controller);
  CHECK(hb_redirected.leader == l);

  auto reg = q.register_broker(1);
  REQUIRE(reg.ec == errc::none);
  CHECK(reg.leader == l);
  CHECK(reg.broker_epoch == q.status(l).applied_index); // the index of its entry
  auto m = q.metadata(l);
  REQUIRE(m.broker(1));
  CHECK(m.broker(1)->epoch == reg.broker_epoch);
  CHECK(m.broker(1)->host == "localhost");
  CHECK(m.broker(1)->port == 9091);
  CHECK(m.broker(1)->endpoint == "localhost:19091");
  CHECK(m.broker(1)->fenced);

  // Not caught up with its own registration yet: stays fenced.
  auto behind = q.beat(1);
  behind.metadata_offset = reg.broker_epoch - 1;
  auto hb = q.heartbeat(behind);
  CHECK(hb.ec == errc::none);
  CHECK(hb.fenced);
  CHECK(hb.metadata_offset == q.status(l).applied_index);
  CHECK_FALSE(q.metadata(l).is_live(1));

  // Caught up: unfenced by a committed record.
  auto caught_up = q.beat(1);
  caught_up.metadata_offset = reg.broker_epoch;
  hb = q.heartbeat(caught_up);
  CHECK(hb.ec == errc::none);
  CHECK_FALSE(hb.fenced);
  CHECK(q.metadata(l).is_live(1));
  CHECK_FALSE(q.heartbeat(caught_up).fenced); // and stays so

  // An unknown broker or an old epoch must register again.
  auto unknown = q.beat(7);
  unknown.broker_epoch = 1;
  CHECK(q.heartbeat(unknown).ec == errc::stale_broker_epoch);
  auto old = q.beat(1);
  auto again = q.register_broker(1); // a restart
  REQUIRE(again.ec == errc::none);
  CHECK(again.broker_epoch > reg.broker_epoch);
  CHECK(q.heartbeat(old).ec == errc::stale_broker_epoch);
  CHECK_FALSE(q.metadata(l).is_live(1)); // fenced until it catches up again
  CHECK_FALSE(q.heartbeat(q.beat(1)).fenced);

  // The followers applied the same.
  q.run_for(200ms);
  CHECK(q.metadata(follower) == q.metadata(l));
}

TEST_CASE("a silent broker is fenced: it leaves the ISRs and its leaderships move",
          "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("orders", 6, 3).ec == errc::none);
  auto before = q.metadata(l);
  std::vector<int32_t> led_by_2;
  for (auto& [p, info] : before.topic("orders")->partitions)
    if (info.leader == 2)
      led_by_2.push_back(p);
  REQUIRE_FALSE(led_by_2.empty());

  // Heartbeating brokers outlive many session timeouts.
  q.run_for(3000ms);
  CHECK(q.metadata(l).unfenced_brokers() == std::vector<int32_t>{1, 2, 3});

  q.beating.erase(2);
  q.run_for(1500ms);
  auto m = q.metadata(l);
  CHECK_FALSE(m.is_live(2));
  CHECK(m.unfenced_brokers() == std::vector<int32_t>{1, 3});
  for (auto& [p, info] : m.topic("orders")->partitions) {
    INFO("partition " << p);
    CHECK(info.leader != 2);
    CHECK(info.leader != cluster::no_leader);
    CHECK_FALSE(in(info.isr, 2));
    CHECK(info.replicas.size() == 3); // assignments stay
  }
  for (auto p : led_by_2)
    CHECK(m.partition("orders", p)->leader_epoch
          == before.partition("orders", p)->leader_epoch + 1);

  // Back with the same epoch and caught up: unfenced (it rejoins ISRs through its leaders).
  q.beating.insert(2);
  q.run_for(500ms);
  CHECK(q.metadata(l).is_live(2));
}

TEST_CASE("controlled shutdown fences at once and moves leadership away", "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("t", 3, 2).ec == errc::none);
  auto hb = q.heartbeat(q.beat(3, true));
  CHECK(hb.ec == errc::none);
  CHECK(hb.fenced);
  auto m = q.metadata(l);
  CHECK_FALSE(m.is_live(3));
  for (auto& [p, info] : m.topic("t")->partitions) {
    CHECK(info.leader != 3);
    CHECK_FALSE(in(info.isr, 3));
  }
  // It does not come back while shutting down, even when caught up.
  CHECK(q.heartbeat(q.beat(3)).fenced);
  CHECK_FALSE(q.metadata(l).is_live(3));
  // A restart (new registration) may.
  REQUIRE(q.register_broker(3).ec == errc::none);
  CHECK_FALSE(q.heartbeat(q.beat(3)).fenced);
}

TEST_CASE("unfencing after catch-up elects leaders for leaderless partitions", "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("solo", 3, 1).ec == errc::none);
  int32_t p2 = -1;
  auto created = q.metadata(l);
  for (auto& [p, info] : created.topic("solo")->partitions)
    if (info.leader == 2)
      p2 = p;
  REQUIRE(p2 >= 0);

  q.beating.erase(2);
  q.run_for(1500ms);
  auto m = q.metadata(l);
  CHECK(m.partition("solo", p2)->leader == cluster::no_leader); // nobody else to lead
  CHECK(m.partition("solo", p2)->isr == std::vector<int32_t>{2});

  // The broker restarts: a new registration, fenced until it has caught up with it.
  auto reg = q.register_broker(2);
  REQUIRE(reg.ec == errc::none);
  auto behind = q.beat(2);
  behind.metadata_offset = reg.broker_epoch - 1;
  CHECK(q.heartbeat(behind).fenced);
  CHECK(q.metadata(l).partition("solo", p2)->leader == cluster::no_leader);
  CHECK_FALSE(q.heartbeat(q.beat(2)).fenced);
  m = q.metadata(l);
  CHECK(m.partition("solo", p2)->leader == 2);
  CHECK(m.partition("solo", p2)->leader_epoch == 2); // lost, then regained
}

TEST_CASE("a restarted broker leaves its ISRs and leaderships at registration",
          "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto l = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("t", 3, 3).ec == errc::none);
  REQUIRE(q.register_broker(1).ec == errc::none); // restarted before its session expired
  auto m = q.metadata(l);
  CHECK_FALSE(m.is_live(1));
  for (auto& [p, info] : m.topic("t")->partitions) {
    CHECK(info.leader != 1);
    CHECK_FALSE(in(info.isr, 1));
  }
}
