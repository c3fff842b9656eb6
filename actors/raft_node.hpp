#pragma once
// One member of a Raft quorum as a pure state machine (no CAF, no clock, no I/O): the controller
// quorum of issue 5 runs it inside an actor; tests run several in one process in virtual time
// (tests/actors/raft_sim.hpp).
//
// Inputs: tick(now), receive(now, from, message), propose(now, data), compact(...). Every input
// writes through the log_store and returns a `ready`: if `sync` is set the driver calls
// store.sync() first, then sends `messages`, then applies `snapshot_to_apply` (if any) and the
// `committed` entries to the state machine in order. `now` is any monotonic milliseconds clock.
//
// Implemented: elections with randomized timeouts (from the injected RNG), Pre-Vote, check-quorum
// (a leader that hears from no majority for election_timeout_min_ms steps down, and followers
// ignore vote requests while they hear from a leader), AppendEntries with the consistency check and
// conflict-term back-off, commit only of current-term entries (the new leader's no-op commits the
// rest), snapshots (compact() by the state machine, InstallSnapshot for lagging followers).
// Membership is static (config::voters).
#include "actors/raft_log_store.hpp"
#include "actors/raft_messages.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace cafka::raft {

struct config {
  node_id id = no_node;
  std::vector<node_id> voters; // the whole quorum, including id (no observers yet: a node not in
                               // it never campaigns and is not replicated to)
  int64_t election_timeout_min_ms = 1000;
  int64_t election_timeout_max_ms = 2000;
  int64_t heartbeat_interval_ms = 100;
  size_t max_append_bytes = 1 << 20; // per AppendEntries (at least one entry is always sent)
  size_t max_append_entries = 1024;
  bool pre_vote = true;
  bool check_quorum = true;
  // Test only, UNSAFE: lets a leader commit an entry of an older term once a majority stores it
  // (the bug of Figure 8 in the Raft paper). The simulations prove their checkers catch it.
  bool unsafe_commit_old_terms = false;
  // Test only, UNSAFE: grants votes without comparing logs (breaks leader completeness).
  bool unsafe_vote_ignoring_logs = false;
};

enum class role { follower, pre_candidate, candidate, leader };

const char* to_string(role r);

struct ready {
  bool sync = false;                         // store.sync() before sending `messages`
  std::vector<envelope> messages;
  std::optional<snapshot> snapshot_to_apply; // replace the state machine with this first
  std::vector<entry> committed;              // then apply these, in index order
  bool empty() const {
    return !sync && messages.empty() && !snapshot_to_apply && committed.empty();
  }
};

struct propose_result {
  index_t index = 0;          // 0 if not the leader
  term_t term = 0;
  node_id leader = no_node;   // the known leader (a hint for redirecting clients)
  ready out;
};

class node {
public:
  // `random` feeds the election timeouts; give each node its own seeded generator for
  // reproducible runs. The state machine above starts from store.latest_snapshot().
  node(config cfg, log_store& store, std::function<uint64_t()> random, int64_t now);

  ready tick(int64_t now);
  ready receive(int64_t now, node_id from, const message& m);
  propose_result propose(int64_t now, std::vector<char> data);
  // The state machine has applied everything up to `index` and serialized it into `data`: keep
  // it as the snapshot and drop the log up to `index` (index <= applied_index()).
  ready compact(index_t index, std::vector<char> data);

  // The earliest `now` at which tick() has something to do.
  int64_t next_deadline() const;

  node_id id() const { return cfg_.id; }
  role current_role() const { return role_; }
  bool is_leader() const { return role_ == role::leader; }
  term_t term() const { return term_; }
  node_id leader() const { return leader_; }
  index_t commit_index() const { return commit_; }
  index_t applied_index() const { return applied_; }
  const config& cfg() const { return cfg_; }
  // Leader only: the highest index known to match on `peer` (0 if unknown or not leader).
  index_t match_index(node_id peer) const;

private:
  struct progress {
    index_t next = 1;
    index_t match = 0;
    int64_t last_ack = -1; // when this follower last answered in our term (check-quorum)
  };

  // elections (raft_node.cpp)
  void become_follower(int64_t now, term_t term, node_id leader);
  void become_pre_candidate(int64_t now);
  void become_candidate(int64_t now);
  void become_leader(int64_t now);
  void campaign(int64_t now, bool pre_vote);
  void on_vote_request(int64_t now, const vote_request& m);
  void on_vote_response(int64_t now, const vote_response& m);
  bool log_up_to_date(index_t last_index, term_t last_term) const;
  bool in_leader_lease(int64_t now) const;
  void check_quorum(int64_t now);
  void reset_election_timer(int64_t now);
  void persist_hard_state();
  size_t quorum() const { return cfg_.voters.size() / 2 + 1; }
  bool is_voter(node_id n) const;

  // replication (raft_replication.cpp)
  void on_append_request(int64_t now, const append_request& m);
  void on_append_response(int64_t now, const append_response& m);
  void on_snapshot_request(int64_t now, const snapshot_request& m);
  void on_snapshot_response(int64_t now, const snapshot_response& m);
  progress* answering_peer(int64_t now, term_t term, node_id follower);
  void acknowledge(progress& p, node_id follower, index_t match);
  void replicate_to(node_id peer);
  void broadcast_append();
  void maybe_advance_commit();
  void set_commit(index_t index);
  void collect_committed();
  term_t last_term() const;

  void send(node_id to, message m);
  ready take_ready();

  config cfg_;
  log_store& store_;
  std::function<uint64_t()> random_;

  role role_ = role::follower;
  term_t term_ = 0;
  node_id voted_for_ = no_node;
  node_id leader_ = no_node;
  index_t commit_ = 0;
  index_t applied_ = 0;

  int64_t election_deadline_ = 0;
  int64_t heartbeat_deadline_ = 0;
  int64_t quorum_check_deadline_ = 0;
  int64_t last_leader_contact_ = -1; // when we last heard from a leader of our term
  std::map<node_id, bool> votes_;     // granted votes of the current (pre-)campaign
  std::map<node_id, progress> peers_; // leader only

  ready out_;
};

} // namespace cafka::raft
