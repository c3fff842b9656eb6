// Hand-driven tests of single raft_node rules, the in-memory store's durability model, the
// controller.quorum.voters parser and the messages' inspect() (CAF serialization round trip).
#include "actors/raft_memory_log_store.hpp"
#include "actors/raft_node.hpp"
#include "actors/raft_voters.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

#include <catch2/catch.hpp>

using namespace cafka::raft;

namespace {

config three(node_id id) {
  config c;
  c.id = id;
  c.voters = {1, 2, 3};
  c.election_timeout_min_ms = 100;
  c.election_timeout_max_ms = 200;
  c.heartbeat_interval_ms = 20;
  return c;
}

uint64_t fixed_random() {
  return 0;
}

entry make(index_t index, term_t term) {
  return entry{term, index, entry_kind::command, {static_cast<char>(index)}};
}

template <class T>
const T* first_of(const ready& r) {
  for (auto& e : r.messages)
    if (auto x = std::get_if<T>(&e.body))
      return x;
  return nullptr;
}

} // namespace

TEST_CASE("raft node: a single voter elects itself and commits at once", "[raft]") {
  memory_log_store store;
  config c;
  c.id = 7;
  c.voters = {7};
  node n(c, store, fixed_random, 0);
  auto r = n.tick(n.next_deadline());
  REQUIRE(n.is_leader());
  CHECK(n.term() == 1);
  CHECK(r.sync);
  REQUIRE(r.committed.size() == 1);
  CHECK(r.committed[0].kind == entry_kind::no_op);
  auto p = n.propose(1000, {'x'});
  CHECK(p.index == 2);
  REQUIRE(p.out.committed.size() == 1);
  CHECK(p.out.committed[0].data == std::vector<char>{'x'});
  CHECK(store.load_hard_state().term == 1);
  CHECK(store.load_hard_state().voted_for == 7);
}

TEST_CASE("raft node: a follower reports the conflicting term and its first index", "[raft]") {
  memory_log_store store;
  store.append({make(1, 1), make(2, 1), make(3, 2), make(4, 2), make(5, 2)});
  store.save_hard_state({3, no_node});
  store.sync();
  node n(three(2), store, fixed_random, 0);
  append_request req{3, 1, 5, 3, {}, 0}; // the leader has term 3 at index 5
  auto r = n.receive(10, 1, req);
  auto resp = first_of<append_response>(r);
  REQUIRE(resp);
  CHECK_FALSE(resp->success);
  CHECK(resp->conflict_term == 2);
  CHECK(resp->conflict_index == 3);
  req.prev_log_index = 8; // beyond our log
  resp = first_of<append_response>(r = n.receive(11, 1, req));
  REQUIRE(resp);
  CHECK(resp->conflict_term == -1);
  CHECK(resp->conflict_index == 6);
  // Matching prefix: the conflicting suffix is replaced, the commit index follows the leader.
  req = append_request{3, 1, 2, 1, {make(3, 3), make(4, 3)}, 4};
  r = n.receive(12, 1, req);
  resp = first_of<append_response>(r);
  REQUIRE(resp);
  CHECK(resp->success);
  CHECK(resp->match_index == 4);
  CHECK(r.sync);
  CHECK(store.last_index() == 4);
  CHECK(store.term_at(4) == 3);
  CHECK(n.commit_index() == 4);
  CHECK(r.committed.size() == 4);
  // A late, shorter copy of an older request must not cut the log.
  r = n.receive(13, 1, append_request{3, 1, 2, 1, {make(3, 3)}, 4});
  CHECK(store.last_index() == 4);
}

TEST_CASE("raft node: votes need an up-to-date log and are durable before they are sent",
          "[raft]") {
  memory_log_store store;
  store.append({make(1, 1), make(2, 2)});
  store.sync();
  node n(three(2), store, fixed_random, 0);
  auto r = n.receive(500, 1, vote_request{3, 1, 5, 1, false}); // longer log, older last term
  auto resp = first_of<vote_response>(r);
  REQUIRE(resp);
  CHECK_FALSE(resp->granted);
  CHECK(n.term() == 3); // the higher term is adopted all the same
  r = n.receive(501, 3, vote_request{3, 3, 2, 2, false});
  resp = first_of<vote_response>(r);
  REQUIRE(resp);
  CHECK(resp->granted);
  CHECK(r.sync);
  CHECK(store.load_hard_state().voted_for == 3);
  // One vote per term.
  resp = first_of<vote_response>(r = n.receive(502, 1, vote_request{3, 1, 2, 2, false}));
  REQUIRE(resp);
  CHECK_FALSE(resp->granted);
}

TEST_CASE("raft node: Pre-Vote changes nothing and leader contact blocks votes", "[raft]") {
  memory_log_store store;
  node n(three(2), store, fixed_random, 0);
  auto r = n.receive(500, 1, vote_request{5, 1, 0, 0, true});
  auto resp = first_of<vote_response>(r);
  REQUIRE(resp);
  CHECK(resp->granted);
  CHECK(resp->term == 5);
  CHECK(n.term() == 0);
  CHECK_FALSE(r.sync);
  // Hearing from a leader of term 1 starts the lease: higher-term (pre-)votes are refused.
  n.receive(600, 1, append_request{1, 1, 0, 0, {}, 0});
  REQUIRE(n.leader() == 1);
  resp = first_of<vote_response>(r = n.receive(650, 3, vote_request{2, 3, 5, 1, false}));
  REQUIRE(resp);
  CHECK_FALSE(resp->granted);
  CHECK(n.term() == 1);
  // After election_timeout_min without the leader, the vote is possible again.
  resp = first_of<vote_response>(r = n.receive(701, 3, vote_request{2, 3, 5, 1, false}));
  REQUIRE(resp);
  CHECK(resp->granted);
  CHECK(n.term() == 2);
}

TEST_CASE("raft node: a leader sends a snapshot for compacted entries", "[raft]") {
  memory_log_store store;
  config c = three(1);
  node n(c, store, fixed_random, 0);
  n.tick(n.next_deadline()); // pre-vote
  n.receive(200, 2, vote_response{1, 2, true, true});
  n.receive(201, 2, vote_response{1, 2, true, false});
  REQUIRE(n.is_leader());
  for (int i = 0; i < 5; ++i)
    n.propose(202, {'a'});
  auto r = n.receive(203, 2, append_response{1, 2, true, 6, 0, -1});
  REQUIRE(n.commit_index() == 6);
  n.compact(6, {'s', 'n', 'a', 'p'});
  CHECK(store.first_index() == 7);
  r = n.receive(204, 3, append_response{1, 3, false, 0, 1, -1});
  auto snap = first_of<snapshot_request>(r);
  REQUIRE(snap);
  CHECK(snap->last_index == 6);
  CHECK(snap->data == std::vector<char>{'s', 'n', 'a', 'p'});
  // The follower installs it and answers; the leader then continues with entries.
  memory_log_store fstore;
  node f(three(3), fstore, fixed_random, 0);
  auto fr = f.receive(205, 1, *snap);
  REQUIRE(fr.snapshot_to_apply);
  CHECK(fr.sync);
  CHECK(f.commit_index() == 6);
  CHECK(fstore.first_index() == 7);
  n.propose(206, {'b'});
  r = n.receive(207, 3, *first_of<snapshot_response>(fr));
  CHECK(first_of<append_request>(r) != nullptr);
}

TEST_CASE("raft memory store: a crash keeps only synced writes (or a prefix of the rest)",
          "[raft]") {
  memory_log_store s;
  s.save_hard_state({2, 1});
  s.append({make(1, 1), make(2, 2)});
  s.sync();
  s.append({make(3, 2)});
  s.save_hard_state({3, no_node});
  s.truncate_suffix(2);
  CHECK(s.last_index() == 1);
  CHECK(s.unsynced_writes() == 3);
  auto copy = s;
  s.crash();
  CHECK(s.last_index() == 2);
  CHECK(s.load_hard_state().term == 2);
  copy.crash(2); // the append and the term reached the disk, the truncation did not
  CHECK(copy.last_index() == 3);
  CHECK(copy.load_hard_state().term == 3);
  // A snapshot that matches the log keeps the suffix; one that does not replaces it.
  copy.install_snapshot({2, 2, {}});
  CHECK(copy.first_index() == 3);
  CHECK(copy.last_index() == 3);
  copy.install_snapshot({3, 9, {}});
  CHECK(copy.first_index() == 4);
  CHECK(copy.last_index() == 3);
  CHECK(copy.term_at(3) == 9);
  CHECK_FALSE(copy.term_at(2));
}

TEST_CASE("raft voters: controller.quorum.voters syntax", "[raft]") {
  auto v = parse_quorum_voters("1@localhost:9093, 2@10.0.0.2:9094,3@[::1]:9095");
  REQUIRE(v.ok());
  REQUIRE(v.voters.size() == 3);
  CHECK(v.voters[1].id == 2);
  CHECK(v.voters[1].host == "10.0.0.2");
  CHECK(v.voters[2].host == "::1");
  CHECK(v.voters[2].port == 9095);
  CHECK(voter_ids(v.voters) == std::vector<node_id>{1, 2, 3});
  for (auto bad : {"", "1@host", "x@h:1", "-1@h:1", "1@h:0", "1@h:70000", "1@:5", "1@h:1,1@g:2",
                   "1@h:1,"}) {
    INFO(bad);
    auto r = parse_quorum_voters(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.voters.empty());
  }
  CHECK(parse_quorum_voters("1@h:1,1@g:2").error.find("duplicate") != std::string::npos);
}

TEST_CASE("raft messages: inspect() round-trips through CAF's binary serializer", "[raft]") {
  append_request in{4, 2, 10, 3, {make(11, 4), entry{4, 12, entry_kind::no_op, {}}}, 9};
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE(!sink(in));
  append_request out;
  caf::binary_deserializer source{nullptr, buf};
  REQUIRE(!source(out));
  CHECK(out.term == 4);
  CHECK(out.prev_log_index == 10);
  REQUIRE(out.entries.size() == 2);
  CHECK(out.entries[0].data == in.entries[0].data);
  CHECK(out.entries[1].kind == entry_kind::no_op);
  CHECK(out.leader_commit == 9);
  CHECK(caf::deep_to_string(in).find("raft_append_request") != std::string::npos);
  snapshot_request s{1, 2, 3, 4, {'x'}};
  vote_request v{1, 2, 3, 4, true};
  buf.clear();
  caf::binary_serializer sink2{nullptr, buf};
  REQUIRE(!sink2(s, v));
}
