// Controller actors (actors/controller.hpp) on CAF's test scheduler in virtual time: three
// voters with file stores in temp dirs elect a leader, commit metadata records and agree on
// them; the leader is killed and the survivors go on with the committed state; a restarted
// controller catches up from its files and the leader (by entries or by snapshot).
#include "actors/cluster_metadata.hpp"
#include "actors/controller.hpp"
#include "controller_quorum.hpp"

#include <map>

using namespace cafka;
using namespace std::chrono_literals;

namespace {

// The shared three-controller fixture (controller_quorum.hpp), plus agreement checks.
struct quorum : test::controller_quorum {
  // The one leader all running controllers agree on (requires it).
  int32_t leader() {
    auto l = controller_quorum::leader();
    for (auto& [id, c] : ctl)
      CHECK(status(id).leader == l);
    return l;
  }

  propose_reply propose(int32_t id, const std::vector<cluster::record>& records) {
    return request<propose_reply>(id, propose_atom::value, cluster::encode(records));
  }

  cluster::cluster_metadata metadata(int32_t id, int64_t* offset = nullptr) {
    auto m = call<controller_metadata>(ctl.at(id), metadata_atom::value);
    if (offset)
      *offset = m.offset;
    cluster::cluster_metadata out;
    REQUIRE_FALSE(out.restore(m.state));
    return out;
  }

  // Every running controller has applied up to the leader's commit and holds the same state.
  void check_agreement() {
    auto l = leader();
    auto commit = status(l).commit_index;
    auto want = metadata(l);
    for (auto& [id, c] : ctl) {
      INFO("controller " << id);
      int64_t offset = 0;
      auto got = metadata(id, &offset);
      CHECK(offset == commit);
      CHECK(got == want);
    }
  }

  std::vector<cluster::record> brokers_and_topic(const std::string& topic) {
    std::vector<cluster::record> rs;
    for (int32_t b : {1, 2, 3}) {
      rs.push_back(cluster::register_broker{b, 1, "localhost", uint16_t(9090 + b), "localhost:1909"});
      rs.push_back(cluster::broker_unfenced{b, 1});
    }
    cluster::cluster_metadata scratch;
    for (auto& r : rs)
      REQUIRE_FALSE(scratch.apply(r));
    std::error_code ec;
    auto topic_records = cluster::create_topic_records(scratch, topic, "id-" + topic, 3, 3, {},
                                                       0, 0, ec);
    REQUIRE_FALSE(ec);
    rs.insert(rs.end(), topic_records.begin(), topic_records.end());
    return rs;
  }
};

std::vector<cluster::record> topic_only(const std::string& name) {
  return {cluster::topic_record{name, "id-" + name, {}},
          cluster::partition_record{name, 0, {1, 2, 3}, {1, 2, 3}, 1, 0, 0}};
}

} // namespace

TEST_CASE("three controllers elect a leader, commit records and agree", "[controller]") {
  quorum q;
  for (auto id : q.ids)
    q.start(id);
  q.run_for(1000ms);
  auto l = q.leader();

  // A follower refuses proposals and names the leader.
  auto follower = l == 1 ? 2 : 1;
  auto refused = q.propose(follower, topic_only("x"));
  CHECK(refused.ec == errc::not_controller);
  CHECK(refused.leader == l);
  // Garbage is refused before it reaches the log.
  auto garbage = q.call<propose_reply>(q.ctl.at(l), propose_atom::value, std::vector<char>{1, 2});
  CHECK(garbage.ec == errc::invalid_request);

  auto r = q.propose(l, q.brokers_and_topic("orders"));
  CHECK(r.ec == errc::none);
  CHECK(r.offset > 0);
  // A record that does not fit the state commits but changes nothing, and says why.
  auto dup = q.propose(l, topic_only("orders"));
  CHECK(dup.ec == errc::topic_already_exists);
  CHECK(dup.offset > r.offset);
  q.run_for(200ms); // followers learn the commit index with the next heartbeat
  q.check_agreement();
  auto m = q.metadata(follower);
  CHECK(m.unfenced_brokers() == std::vector<int32_t>{1, 2, 3});
  REQUIRE(m.topic("orders"));
  CHECK(m.topic("orders")->partitions.size() == 3);
  CHECK(m.partition("orders", 1)->replicas == std::vector<int32_t>{2, 3, 1});
}

TEST_CASE("a new leader takes over with the committed metadata when the leader dies",
          "[controller]") {
  quorum q;
  for (auto id : q.ids)
    q.start(id);
  q.run_for(1000ms);
  auto first = q.leader();
  REQUIRE(q.propose(first, q.brokers_and_topic("orders")).ec == errc::none);
  q.kill(first);
  q.run_for(1000ms);
  auto second = q.leader();
  CHECK(second != first);
  // The committed records survived; the new leader commits more.
  CHECK(q.metadata(second).topic("orders"));
  auto fenced = cluster::fence_broker_records(q.metadata(second), first, false);
  REQUIRE(q.propose(second, fenced).ec == errc::none);
  q.run_for(200ms);
  q.check_agreement();
  auto m = q.metadata(second);
  CHECK_FALSE(m.is_live(first));
  for (auto& [p, info] : m.topic("orders")->partitions)
    CHECK(info.leader != first);

  // The dead leader restarts from its files and catches up from the new leader.
  q.start(first);
  q.run_for(1000ms);
  CHECK(q.leader() == second); // followers that hear from a leader refuse to disrupt it
  q.check_agreement();
  CHECK_FALSE(q.metadata(first).is_live(first));
}

TEST_CASE("a controller that missed compacted entries catches up by snapshot",
          "[controller]") {
  quorum q;
  q.snapshot_interval = 4;
  for (auto id : q.ids)
    q.start(id);
  q.run_for(1000ms);
  auto l = q.leader();
  auto lagging = l == 3 ? 2 : 3;
  q.kill(lagging);
  REQUIRE(q.propose(l, q.brokers_and_topic("orders")).ec == errc::none);
  for (int i = 0; i < 10; ++i)
    REQUIRE(q.propose(l, topic_only("t" + std::to_string(i))).ec == errc::none);
  CHECK(q.status(l).snapshot_index > 0); // the log before it is gone
  q.start(lagging);
  q.run_for(1000ms);
  q.check_agreement();
  CHECK(q.status(lagging).snapshot_index > 0);
  CHECK(q.metadata(lagging).topic("t9"));

  // Everyone restarts from files alone (snapshot + log) with the same metadata.
  auto before = q.metadata(l);
  for (auto id : q.ids)
    q.kill(id);
  for (auto id : q.ids)
    q.start(id);
  q.run_for(1000ms);
  q.check_agreement();
  CHECK(q.metadata(q.leader()) == before);
}

TEST_CASE("a single controller is a quorum of one", "[controller]") {
  quorum q;
  q.ids = {1};
  q.start(1);
  q.run_for(500ms);
  CHECK(q.leader() == 1);
  auto r = q.propose(1, topic_only("solo"));
  CHECK(r.ec == errc::none);
  int64_t offset = 0;
  CHECK(q.metadata(1, &offset).topic("solo"));
  CHECK(offset == r.offset);
}
