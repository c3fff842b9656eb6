// The cluster metadata state machine (actors/cluster_metadata.hpp): records, apply rules,
// snapshots, replica placement and leader election. CAF-free.
#include "actors/cluster_metadata.hpp"

#include "storage/errc.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace cafka;
using namespace cafka::cluster;

namespace {

cluster_metadata three_brokers() {
  cluster_metadata m;
  for (broker_id id : {1, 2, 3}) {
    REQUIRE_FALSE(m.apply(register_broker{id, 1, "localhost", uint16_t(9091 + id), "localhost:1900"}));
    REQUIRE_FALSE(m.apply(broker_unfenced{id, 1}));
  }
  return m;
}

void apply_all(cluster_metadata& m, const std::vector<record>& rs) {
  for (auto& r : rs) {
    INFO(to_string(r));
    REQUIRE_FALSE(m.apply(r));
  }
}

} // namespace

TEST_CASE("cluster records round-trip through their encoding", "[cluster]") {
  std::vector<record> rs{
    register_broker{7, 3, "h", 9092, "h:19092"},
    broker_fenced{7, 3},
    broker_unfenced{7, 3},
    topic_record{"t", "AAAAAAAAAAAAAAAAAAAAAA", {{"retention.ms", "1000"}}},
    partition_record{"t", 2, {1, 2, 3}, {1, 3}, 1, 4, 9},
    partition_change{"t", 2, 3, std::vector<broker_id>{3}},
    partition_change{"t", 2, std::nullopt, std::nullopt},
    remove_topic{"t"},
  };
  for (auto& r : rs) {
    auto bytes = encode({r});
    std::error_code ec;
    auto back = decode(bytes.data(), bytes.size(), ec);
    REQUIRE_FALSE(ec);
    REQUIRE(back);
    REQUIRE(back->size() == 1);
    CHECK(back->front().index() == r.index());
    CHECK(encode(*back) == bytes);
    CHECK(to_string(back->front()) == to_string(r));
    // Short or padded bytes are not a record list.
    CHECK_FALSE(decode(bytes.data(), bytes.size() - 1, ec));
    CHECK(ec == errc::invalid_record);
    bytes.push_back(0);
    CHECK_FALSE(decode(bytes.data(), bytes.size(), ec));
  }
  auto all = encode(rs);
  std::error_code ec0;
  auto back = decode(all.data(), all.size(), ec0);
  REQUIRE(back);
  CHECK(back->size() == rs.size());
  CHECK(encode(*back) == all);
  std::error_code ec;
  std::vector<char> bad_version{9, 0, 0};
  CHECK_FALSE(decode(bad_version.data(), bad_version.size(), ec));
  CHECK(to_string(rs[4]) == "Partition(t-2, replicas=[1,2,3], isr=[1,3], leader=1, "
                            "leader_epoch=4, partition_epoch=9)");
}

TEST_CASE("applying broker records: registration epochs and fencing", "[cluster]") {
  cluster_metadata m;
  REQUIRE_FALSE(m.apply(register_broker{1, 5, "a", 1, "a:2"}));
  CHECK(m.broker(1)->fenced); // registered brokers start fenced
  CHECK_FALSE(m.is_live(1));
  CHECK(m.apply(broker_unfenced{1, 4}) == errc::invalid_request); // not the registered epoch
  REQUIRE_FALSE(m.apply(broker_unfenced{1, 5}));
  CHECK(m.is_live(1));
  CHECK(m.apply(register_broker{1, 5, "b", 1, "b:2"}) == errc::invalid_request); // stale epoch
  CHECK(m.broker(1)->host == "a");
  REQUIRE_FALSE(m.apply(register_broker{1, 6, "b", 1, "b:2"})); // a restart: fenced again
  CHECK(m.broker(1)->host == "b");
  CHECK_FALSE(m.is_live(1));
  CHECK(m.apply(broker_fenced{2, 1}) == errc::invalid_request);
  CHECK(m.unfenced_brokers().empty());
}

TEST_CASE("applying topic and partition records", "[cluster]") {
  auto m = three_brokers();
  CHECK(m.apply(partition_record{"t", 0, {1}, {1}, 1, 0, 0}) == errc::unknown_topic_or_partition);
  REQUIRE_FALSE(m.apply(topic_record{"t", "id", {}}));
  CHECK(m.apply(topic_record{"t", "id2", {}}) == errc::topic_already_exists);
  REQUIRE_FALSE(m.apply(partition_record{"t", 0, {1, 2, 3}, {1, 2, 3}, 1, 0, 0}));
  CHECK(m.apply(partition_record{"t", 1, {1, 1}, {1}, 1, 0, 0}) == errc::invalid_request);
  CHECK(m.apply(partition_record{"t", 1, {1, 2}, {3}, 1, 0, 0}) == errc::invalid_request);
  CHECK(m.apply(partition_record{"t", 1, {1, 2}, {1}, 3, 0, 0}) == errc::invalid_request);

  // ISR shrink keeps the leader epoch; a leader change bumps it; both bump the partition epoch.
  REQUIRE_FALSE(m.apply(partition_change{"t", 0, std::nullopt, std::vector<broker_id>{1, 3}}));
  auto p = m.partition("t", 0);
  CHECK(p->isr == std::vector<broker_id>{1, 3});
  CHECK(p->leader_epoch == 0);
  CHECK(p->partition_epoch == 1);
  REQUIRE_FALSE(m.apply(partition_change{"t", 0, 3, std::nullopt}));
  CHECK(p->leader == 3);
  CHECK(p->leader_epoch == 1);
  CHECK(p->partition_epoch == 2);
  CHECK(m.apply(partition_change{"t", 0, 4, std::nullopt}) == errc::invalid_request);
  CHECK(m.apply(partition_change{"t", 9, 1, std::nullopt}) == errc::unknown_topic_or_partition);
  CHECK(p->partition_epoch == 2); // rejected changes change nothing

  REQUIRE_FALSE(m.apply(remove_topic{"t"}));
  CHECK_FALSE(m.topic("t"));
  CHECK(m.apply(remove_topic{"t"}) == errc::unknown_topic_or_partition);
}

TEST_CASE("snapshots restore the same state", "[cluster]") {
  auto m = three_brokers();
  std::error_code ec;
  apply_all(m, create_topic_records(m, "orders", "X", 4, 3, {{"cleanup.policy", "compact"}},
                                    0, 0, ec));
  REQUIRE_FALSE(ec);
  auto snap = m.snapshot();
  cluster_metadata copy;
  REQUIRE_FALSE(copy.restore(snap));
  CHECK(copy == m);
  CHECK(copy.topic("orders")->configs.at("cleanup.policy") == "compact");
  CHECK(copy.partition("orders", 3)->replicas.size() == 3);
  // Deterministic: the same records in the same order give the same bytes.
  auto again = three_brokers();
  apply_all(again, create_topic_records(again, "orders", "X", 4, 3,
                                        {{"cleanup.policy", "compact"}}, 0, 0, ec));
  CHECK(again.snapshot() == snap);
  // Garbage is refused and leaves the state alone.
  auto bad = snap;
  bad.resize(bad.size() / 2);
  CHECK(copy.restore(bad) == errc::corrupt_message);
  CHECK(copy == m);
  REQUIRE_FALSE(copy.restore({}));
  CHECK(copy.topics().empty());
}

TEST_CASE("replica placement follows Kafka's rack-unaware assignment", "[cluster]") {
  std::error_code ec;
  // Kafka's AdminUtilsTest.testReplicaAssignment: brokers 0..4, 10 partitions, factor 3,
  // fixed start index 0 (and so shift 0).
  auto got = place_replicas({4, 3, 2, 1, 0}, 10, 3, 0, 0, ec);
  REQUIRE_FALSE(ec);
  std::vector<std::vector<broker_id>> want{
    {0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 0}, {4, 0, 1},
    {0, 2, 3}, {1, 3, 4}, {2, 4, 0}, {3, 0, 1}, {4, 1, 2},
  };
  CHECK(got == want);

  // Spread: with a factor of n every broker leads and holds the same number of replicas.
  got = place_replicas({1, 2, 3}, 6, 3, 1, 1, ec);
  std::map<broker_id, int> leaders, replicas;
  for (auto& r : got) {
    ++leaders[r.front()];
    CHECK(std::set<broker_id>(r.begin(), r.end()).size() == 3);
    for (auto b : r)
      ++replicas[b];
  }
  CHECK(leaders == std::map<broker_id, int>{{1, 2}, {2, 2}, {3, 2}});
  CHECK(replicas == std::map<broker_id, int>{{1, 6}, {2, 6}, {3, 6}});

  CHECK(place_replicas({1, 2}, 3, 3, 0, 0, ec).empty());
  CHECK(ec == errc::invalid_replication_factor);
  CHECK(place_replicas({1, 2}, 0, 1, 0, 0, ec).empty());
  CHECK(ec == errc::invalid_partitions);
  CHECK(place_replicas({}, 1, 1, 0, 0, ec).empty());
  CHECK(ec == errc::invalid_replication_factor);
}

TEST_CASE("leader election from the ISR, unclean only when allowed", "[cluster]") {
  auto live = [](std::set<broker_id> up) { return [up](broker_id b) { return up.count(b) > 0; }; };
  auto e = elect_leader({3, 1, 2}, {1, 2}, live({1, 2, 3}), false);
  CHECK(e.leader == 1); // replica order, not ISR order, among ISR members
  CHECK_FALSE(e.unclean);
  e = elect_leader({3, 1, 2}, {1, 2}, live({2, 3}), false);
  CHECK(e.leader == 2);
  e = elect_leader({3, 1, 2}, {1}, live({2, 3}), false);
  CHECK(e.leader == no_leader);
  e = elect_leader({3, 1, 2}, {1}, live({2, 3}), true);
  CHECK(e.leader == 3);
  CHECK(e.unclean);
  e = elect_leader({3, 1, 2}, {1}, live({}), true);
  CHECK(e.leader == no_leader);
}

TEST_CASE("fencing a broker moves leadership and shrinks ISRs", "[cluster]") {
  auto m = three_brokers();
  std::error_code ec;
  apply_all(m, create_topic_records(m, "t", "X", 3, 2, {}, 0, 0, ec));
  apply_all(m, create_topic_records(m, "solo", "Y", 1, 1, {}, 0, 0, ec)); // on broker 1
  REQUIRE(m.partition("solo", 0)->replicas == std::vector<broker_id>{1});
  auto rs = fence_broker_records(m, 1, false);
  REQUIRE_FALSE(rs.empty());
  CHECK(std::holds_alternative<broker_fenced>(rs.front()));
  apply_all(m, rs);
  CHECK_FALSE(m.is_live(1));
  for (auto& [p, info] : m.topic("t")->partitions) {
    INFO("t-" << p);
    CHECK(info.leader != 1);
    CHECK(m.is_live(info.leader));
    CHECK(std::find(info.isr.begin(), info.isr.end(), 1) == info.isr.end());
  }
  auto solo = m.partition("solo", 0);
  CHECK(solo->leader == no_leader); // its only replica is gone and unclean election is off
  CHECK(solo->isr == std::vector<broker_id>{1}); // the last ISR member stays
  CHECK(solo->leader_epoch == 1);
}

TEST_CASE("unfencing a broker elects it where partitions have no leader", "[cluster]") {
  auto m = three_brokers();
  std::error_code ec;
  apply_all(m, create_topic_records(m, "t", "id", 3, 1, {}, 0, 0, ec)); // p -> broker p+1
  REQUIRE_FALSE(ec);
  apply_all(m, fence_broker_records(m, 2, false));
  auto before = *m.partition("t", 1);
  CHECK(before.leader == no_leader); // its only replica is fenced
  CHECK(before.isr == std::vector<broker_id>{2});
  auto rs = unfence_broker_records(m, 2, false);
  REQUIRE(rs.size() == 2); // broker_unfenced + one election
  apply_all(m, rs);
  CHECK(m.is_live(2));
  CHECK(m.partition("t", 1)->leader == 2);
  CHECK(m.partition("t", 1)->leader_epoch == before.leader_epoch + 1);
  CHECK(m.partition("t", 0)->leader == 1); // untouched
  CHECK(unfence_broker_records(m, 9, false).empty()); // not registered

  // Not in the ISR: only an unclean election may pick it, and it becomes the whole ISR.
  auto u = three_brokers();
  apply_all(u, {topic_record{"u", "id", {}}, partition_record{"u", 0, {1, 2}, {1}, 1, 0, 0}});
  apply_all(u, fence_broker_records(u, 2, false));
  apply_all(u, fence_broker_records(u, 1, false));
  CHECK(u.partition("u", 0)->leader == no_leader);
  CHECK(unfence_broker_records(u, 2, false).size() == 1); // clean: stays leaderless
  apply_all(u, unfence_broker_records(u, 2, true));
  CHECK(u.partition("u", 0)->leader == 2);
  CHECK(u.partition("u", 0)->isr == std::vector<broker_id>{2});
}

TEST_CASE("adding partitions places them over the unfenced brokers", "[cluster]") {
  auto m = three_brokers();
  std::error_code ec;
  apply_all(m, create_topic_records(m, "t", "id", 2, 2, {}, 0, 0, ec));
  REQUIRE_FALSE(ec);
  auto same = add_partitions_records(m, "t", 2, 0, 0, ec);
  CHECK(ec == errc::invalid_partitions);
  CHECK(same.empty());
  add_partitions_records(m, "nope", 4, 0, 0, ec);
  CHECK(ec == errc::unknown_topic_or_partition);
  apply_all(m, fence_broker_records(m, 3, false));
  auto rs = add_partitions_records(m, "t", 5, 1, 0, ec);
  REQUIRE_FALSE(ec);
  REQUIRE(rs.size() == 3);
  apply_all(m, rs);
  REQUIRE(m.topic("t")->partitions.size() == 5);
  for (int32_t p = 2; p < 5; ++p) {
    auto& info = *m.partition("t", p);
    CHECK(info.replicas.size() == 2); // the factor of partition 0
    CHECK(info.isr == info.replicas);
    CHECK(info.leader == info.replicas.front());
    CHECK(std::count(info.replicas.begin(), info.replicas.end(), 3) == 0); // fenced
  }
  apply_all(m, fence_broker_records(m, 2, false));
  add_partitions_records(m, "t", 6, 0, 0, ec);
  CHECK(ec == errc::invalid_replication_factor); // one live broker, factor 2
}
