// The replica state machine rule by rule: roles from become, the leader's high watermark and
// acks=all, ISR shrink/expand through AlterPartition, follower fetch checks (epochs, divergence),
// and a real follower replicating from a real leader.
#include "replication_harness.hpp"

using namespace cafka;
using namespace cafka::test;
using namespace std::chrono_literals;

TEST_CASE_METHOD(replication_fixture, "cluster-mode replica waits for its role",
                 "[replication]") {
  auto& n = spawn(1);
  CHECK(status(n.replica).role == replica_role::none);
  produce_args p;
  p.batch = make_batch({"a"});
  CHECK(call<produce_reply>(n.replica, produce_atom::value, p).ec
        == errc::not_leader_or_follower);
  fetch_args f;
  CHECK(call<fetch_reply>(n.replica, fetch_atom::value, f).ec == errc::not_leader_or_follower);
  CHECK(replica_fetch(n.replica, 2, 0, 0).ec == errc::not_leader_or_follower);
}

TEST_CASE_METHOD(replication_fixture, "become: roles, older epochs fenced", "[replication]") {
  auto& n = spawn(1);
  CHECK(become(n.replica, state(1, 3, {1, 2}, {1, 2})) == errc::none);
  auto s = status(n.replica);
  CHECK(s.role == replica_role::leader);
  CHECK(s.leader_epoch == 3);
  CHECK(become(n.replica, state(2, 2, {1, 2}, {1, 2})) == errc::fenced_leader_epoch);
  CHECK(become(n.replica, state(1, 3, {1, 2}, {1, 2}, 5)) == errc::none);
  CHECK(become(n.replica, state(1, 3, {1, 2}, {1}, 4)) == errc::fenced_leader_epoch);
  CHECK(become(n.replica, state(2, 4, {1, 2}, {1, 2})) == errc::none);
  CHECK(status(n.replica).role == replica_role::follower);
  CHECK(become(n.replica, state(-1, 5, {1, 2}, {1})) == errc::none);
  CHECK(status(n.replica).role == replica_role::none);
  // Consumer fetch epochs (KIP-320): newer unknown, older fenced, before the role check.
  fetch_args f;
  f.current_leader_epoch = 6;
  CHECK(call<fetch_reply>(n.replica, fetch_atom::value, f).ec == errc::unknown_leader_epoch);
  f.current_leader_epoch = 4;
  CHECK(call<fetch_reply>(n.replica, fetch_atom::value, f).ec == errc::fenced_leader_epoch);
  f.current_leader_epoch = 5;
  CHECK(call<fetch_reply>(n.replica, fetch_atom::value, f).ec == errc::not_leader_or_follower);
}

TEST_CASE_METHOD(replication_fixture, "acks=all waits for the ISR, HW = min log end",
                 "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1, 2})) == errc::none);
  auto p = produce_async(n.replica, {"a", "b"});
  sched.run();
  REQUIRE_FALSE(p->done());                   // follower 2 has not fetched it
  CHECK(status(n.replica).high_watermark == 0);
  CHECK(status(n.replica).log_end_offset == 2);
  // Consumers see nothing uncommitted.
  CHECK(fetch(n.replica, 0).records.empty());
  auto r1 = replica_fetch(n.replica, 2, 1, 0);
  CHECK(r1.ec == errc::none);
  CHECK(r1.high_watermark == 0);
  CHECK(decode(r1.records).size() == 2);
  REQUIRE_FALSE(p->done());
  // Fetching at 2 tells the leader that follower 2 has both records: committed.
  auto r2 = replica_fetch(n.replica, 2, 1, 2);
  CHECK(r2.high_watermark == 2);
  REQUIRE(p->done());
  REQUIRE(p->value);
  CHECK(p->value->ec == errc::none);
  CHECK(p->value->base_offset == 0);
  CHECK(decode(fetch(n.replica, 0).records).size() == 2);
}

TEST_CASE_METHOD(replication_fixture, "acks=all refused below min.insync.replicas, timeout",
                 "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1})) == errc::none);
  CHECK(produce(n.replica, make_batch({"a"}), -1).ec == errc::not_enough_replicas);
  CHECK(produce(n.replica, make_batch({"a"}), 1).ec == errc::none); // acks=1 does not care
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1, 2}, 1)) == errc::none);
  auto p = produce_async(n.replica, {"b"}, -1, 200);
  sched.run();
  REQUIRE_FALSE(p->done());
  sched.advance_time(200ms);
  sched.run();
  REQUIRE(p->done());
  CHECK(p->value->ec == errc::request_timed_out);
}

TEST_CASE_METHOD(replication_fixture, "a new leader keeps its HW until every ISR member fetched",
                 "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2, 3}, {1, 2, 3})) == errc::none);
  produce_async(n.replica, {"a", "b", "c"});
  sched.run();
  replica_fetch(n.replica, 2, 1, 3);
  CHECK(status(n.replica).high_watermark == 0); // 3 has not fetched
  replica_fetch(n.replica, 3, 1, 1);
  CHECK(status(n.replica).high_watermark == 1);
  replica_fetch(n.replica, 3, 1, 3);
  CHECK(status(n.replica).high_watermark == 3);
  // Same leader, new epoch: positions are unknown again, the HW stays (never backwards).
  REQUIRE(become(n.replica, state(1, 2, {1, 2, 3}, {1, 2, 3})) == errc::none);
  produce_async(n.replica, {"d"});
  sched.run();
  replica_fetch(n.replica, 2, 2, 4, 2);
  CHECK(status(n.replica).high_watermark == 3);
  replica_fetch(n.replica, 3, 2, 4, 2);
  CHECK(status(n.replica).high_watermark == 4);
}

TEST_CASE_METHOD(replication_fixture, "follower fetch: epochs, range, divergence",
                 "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1, 2})) == errc::none);
  produce_async(n.replica, {"a", "b"}); // offsets 0-1 in epoch 1
  sched.run();
  REQUIRE(become(n.replica, state(1, 3, {1, 2}, {1, 2})) == errc::none);
  produce_async(n.replica, {"c", "d"}); // offsets 2-3 in epoch 3
  sched.run();
  CHECK(replica_fetch(n.replica, 2, 2, 0).ec == errc::fenced_leader_epoch);
  CHECK(replica_fetch(n.replica, 2, 4, 0).ec == errc::unknown_leader_epoch);
  CHECK(replica_fetch(n.replica, 2, 3, 9, 3).ec == errc::offset_out_of_range);
  CHECK(replica_fetch(n.replica, 7, 3, 0).ec == errc::not_leader_or_follower); // not a replica
  // The follower wrote offsets 2-4 in epoch 2 (a leader that lost): epoch 2 is unknown here,
  // the largest below it is 1, which ends at 2.
  auto d = replica_fetch(n.replica, 2, 3, 5, 2);
  CHECK(d.ec == errc::none);
  CHECK(d.diverging_epoch == 1);
  CHECK(d.diverging_end_offset == 2);
  CHECK(d.records.empty());
  // Epoch 1 up to offset 2 matches ours: records from there.
  auto ok = replica_fetch(n.replica, 2, 3, 2, 1);
  CHECK(ok.diverging_epoch == -1);
  auto recs = decode(ok.records);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].offset == 2);
  // Epoch 1 ending beyond 2 at the follower: diverges at 2.
  auto past = replica_fetch(n.replica, 2, 3, 3, 1);
  CHECK(past.diverging_epoch == 1);
  CHECK(past.diverging_end_offset == 2);
}

TEST_CASE_METHOD(replication_fixture, "follower long-poll wakes on an append", "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1, 2})) == errc::none);
  replica_fetch_args a;
  a.replica_id = 2;
  a.leader_epoch = 1;
  a.fetch_offset = 0;
  a.max_wait_ms = 500;
  auto w = ask<replica_fetch_reply>(n.replica, replica_fetch_atom::value, a);
  sched.run();
  REQUIRE_FALSE(w->done());
  produce_async(n.replica, {"x"});
  sched.run();
  REQUIRE(w->done());
  CHECK(decode(w->value->records).size() == 1);
  a.fetch_offset = 1;
  auto idle = ask<replica_fetch_reply>(n.replica, replica_fetch_atom::value, a);
  sched.run();
  REQUIRE(idle->done()); // its position moved the HW: answered at once with the new HW
  CHECK(idle->value->high_watermark == 1);
  auto idle2 = ask<replica_fetch_reply>(n.replica, replica_fetch_atom::value, a);
  sched.run();
  REQUIRE_FALSE(idle2->done());
  sched.advance_time(500ms);
  sched.run();
  REQUIRE(idle2->done());
  CHECK(idle2->value->records.empty());
}

TEST_CASE_METHOD(replication_fixture, "ISR shrinks after replica.lag.time.max.ms",
                 "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2, 3}, {1, 2, 3})) == errc::none);
  auto p = produce_async(n.replica, {"a"});
  sched.run();
  replica_fetch(n.replica, 2, 1, 1); // 2 caught up; 3 never fetches
  REQUIRE_FALSE(p->done());
  for (int i = 0; i < 3; ++i) {
    sched.advance_time(500ms);
    sched.run();
    replica_fetch(n.replica, 2, 1, 1);
  }
  REQUIRE(book->requests.size() == 1);
  CHECK(book->requests[0].new_isr == std::vector<int32_t>{1, 2});
  CHECK(book->requests[0].leader_epoch == 1);
  CHECK(book->requests[0].broker_id == 1);
  // Committed: the HW moves past the record, min ISR 2 still holds.
  REQUIRE(p->done());
  CHECK(p->value->ec == errc::none);
}

TEST_CASE_METHOD(replication_fixture, "acks=all after the ISR shrank below min.insync.replicas",
                 "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1, 2})) == errc::none);
  auto p = produce_async(n.replica, {"a"});
  sched.run();
  sched.advance_time(1500ms); // follower 2 silent for longer than the lag time
  sched.run();
  REQUIRE(book->requests.size() == 1);
  CHECK(book->requests[0].new_isr == std::vector<int32_t>{1});
  REQUIRE(p->done());
  CHECK(p->value->ec == errc::not_enough_replicas_after_append);
  CHECK(status(n.replica).high_watermark == 1);
}

TEST_CASE_METHOD(replication_fixture, "ISR expands once a follower caught up; one request in "
                                      "flight, applied from the reply",
                 "[replication]") {
  auto& n = spawn(1);
  book->hold = true;
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1})) == errc::none);
  produce(n.replica, make_batch({"a", "b"}), 1);
  CHECK(status(n.replica).high_watermark == 2);
  replica_fetch(n.replica, 2, 1, 1); // behind the HW: not yet
  CHECK(book->requests.empty());
  replica_fetch(n.replica, 2, 1, 2);
  REQUIRE(book->requests.size() == 1);
  CHECK(book->requests[0].new_isr == std::vector<int32_t>{1, 2});
  // Pending addition counts for the HW (maximal ISR) but not for min.insync.replicas.
  produce(n.replica, make_batch({"c"}), 1);
  CHECK(status(n.replica).high_watermark == 2);
  CHECK(produce(n.replica, make_batch({"d"}), -1).ec == errc::not_enough_replicas);
  replica_fetch(n.replica, 2, 1, 3);
  CHECK(status(n.replica).high_watermark == 3);
  CHECK(book->requests.size() == 1); // still one in flight
  release_alters();
  CHECK(status(n.replica).high_watermark == 3);
  auto p = produce_async(n.replica, {"e"});
  sched.run();
  REQUIRE_FALSE(p->done()); // ISR {1,2} now: acks=all accepted, waits for 2
  replica_fetch(n.replica, 2, 1, 4);
  REQUIRE(p->done());
  CHECK(p->value->ec == errc::none);
}

TEST_CASE_METHOD(replication_fixture, "leader to follower fails waiting acks=all produces",
                 "[replication]") {
  auto& n = spawn(1);
  REQUIRE(become(n.replica, state(1, 1, {1, 2}, {1, 2})) == errc::none);
  auto p = produce_async(n.replica, {"a"});
  sched.run();
  REQUIRE_FALSE(p->done());
  REQUIRE(become(n.replica, state(2, 2, {1, 2}, {1, 2})) == errc::none);
  REQUIRE(p->done());
  CHECK(p->value->ec == errc::not_leader_or_follower);
  CHECK(status(n.replica).role == replica_role::follower);
  CHECK(produce(n.replica, make_batch({"b"}), 1).ec == errc::not_leader_or_follower);
}

TEST_CASE_METHOD(replication_fixture, "a follower replicates from its leader", "[replication]") {
  auto& l = spawn(1);
  auto& f = spawn(2);
  auto leader = l.replica;
  auto follower = f.replica;
  REQUIRE(become(leader, state(1, 1, {1, 2}, {1, 2})) == errc::none);
  auto s = state(1, 1, {1, 2}, {1, 2});
  s.leader = caf::actor_cast<caf::actor>(leader);
  REQUIRE(become(follower, s) == errc::none);
  auto p1 = produce_async(leader, {"a", "b"});
  auto p2 = produce_async(leader, {"c"});
  sched.run();
  for (int i = 0; i < 5 && !(p1->done() && p2->done()); ++i) {
    sched.advance_time(100ms);
    sched.run();
  }
  REQUIRE(p1->done());
  REQUIRE(p2->done());
  CHECK(p1->value->ec == errc::none);
  CHECK(p2->value->base_offset == 2);
  // The follower learns the HW with its next fetch.
  for (int i = 0; i < 3; ++i) {
    sched.advance_time(100ms);
    sched.run();
  }
  auto fs = status(follower);
  CHECK(fs.role == replica_role::follower);
  CHECK(fs.log_end_offset == 3);
  CHECK(fs.high_watermark == 3);
  CHECK(log_bytes(nodes[0].log) == log_bytes(nodes[1].log));
  // A follower serves no clients.
  CHECK(fetch(follower, 0).ec == errc::not_leader_or_follower);
}

TEST_CASE_METHOD(replication_fixture, "a follower truncates where its log diverged",
                 "[replication]") {
  spawn(1);
  spawn(2);
  auto a = node_of(1).replica;
  auto b = node_of(2).replica;
  // Epoch 1: 1 leads alone and writes 2 records nobody else has (acks=1).
  REQUIRE(become(a, state(1, 1, {1, 2}, {1})) == errc::none);
  produce(a, make_batch({"lost1", "lost2"}), 1);
  // Epoch 2: 2 leads and writes 3 records.
  REQUIRE(become(b, state(2, 2, {1, 2}, {2})) == errc::none);
  produce(b, make_batch({"x", "y", "z"}), 1);
  // 1 follows 2: its epoch-1 records diverge (2 has no epoch 1) and are replaced.
  auto s = state(2, 2, {1, 2}, {2});
  s.leader = caf::actor_cast<caf::actor>(b);
  REQUIRE(become(a, s) == errc::none);
  for (int i = 0; i < 5; ++i) {
    sched.advance_time(100ms);
    sched.run();
  }
  auto recs = decode(log_bytes(node_of(1).log));
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].value == "x");
  CHECK(recs[2].value == "z");
  CHECK(log_bytes(node_of(1).log) == log_bytes(node_of(2).log));
  CHECK(status(a).log_end_offset == 3);
}
