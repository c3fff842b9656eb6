// The broker-facing state across controller failover and restarts: registrations, fencing and
// topics are committed records, so a new active controller and restarted controllers have
// them; broker sessions are not, so a new active controller gives every broker a fresh session
// before it fences anyone. Three controllers in virtual time (controller_quorum.hpp).
#include "controller_quorum.hpp"

using namespace cafka;
using namespace std::chrono_literals;

TEST_CASE("a new active controller keeps the brokers and fences only after a fresh session",
          "[controller]") {
  test::controller_quorum q;
  q.start_all();
  auto first = q.leader();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("t", 3, 3).ec == errc::none);
  auto epochs = q.epochs;

  // The leader dies and, at the same time, every broker goes quiet.
  q.beating.clear();
  q.kill(first);
  q.run_for(600ms);
  auto second = q.leader();
  REQUIRE(second != first);
  // Longer than a session since the last heartbeat, yet within one of the new controller's
  // start: nobody fenced.
  q.run_for(500ms);
  CHECK(q.metadata(second).unfenced_brokers() == std::vector<int32_t>{1, 2, 3});
  // The registrations carried over: heartbeats with the old epochs are accepted.
  for (auto b : {1, 2})
    CHECK_FALSE(q.heartbeat(q.beat(b)).fenced);
  q.beating = {1, 2};
  // Broker 3 stays quiet: the new controller fences it after its session.
  q.run_for(1500ms);
  auto m = q.metadata(second);
  CHECK(m.unfenced_brokers() == std::vector<int32_t>{1, 2});
  for (auto& [p, info] : m.topic("t")->partitions) {
    CHECK(info.leader != 3);
    CHECK(info.leader != cluster::no_leader);
  }
  CHECK(q.epochs == epochs);
  // The new controller serves admin requests too.
  CHECK(q.create_topic("after", 2, 2).ec == errc::none);
}

TEST_CASE("brokers and topics survive a restart of every controller from snapshot and log",
          "[controller]") {
  test::controller_quorum q;
  q.snapshot_interval = 4;
  q.start_all();
  q.live_brokers({1, 2, 3});
  REQUIRE(q.create_topic("a", 3, 2).ec == errc::none);
  REQUIRE(q.create_topic("b", 1, 3).ec == errc::none);
  auto l = q.leader();
  REQUIRE(q.status(l).snapshot_index > 0);
  auto before = q.metadata(l);

  q.beating.clear();
  for (auto id : q.ids)
    q.kill(id);
  for (auto id : q.ids)
    q.start(id);
  q.run_for(600ms);
  l = q.leader();
  CHECK(q.metadata(l) == before);
  // The same epochs are still registered: no re-registration needed.
  for (auto b : {1, 2, 3}) {
    auto hb = q.heartbeat(q.beat(b));
    CHECK(hb.ec == errc::none);
    CHECK_FALSE(hb.fenced);
  }
  CHECK(q.create_topic("a", 1, 1).ec == errc::topic_already_exists);
}
