#pragma once
// A seeded, deterministic simulation of a Raft quorum (actors/raft_node.*): N nodes in one
// process, virtual time, a network that delays, reorders, drops and duplicates messages and can be
// partitioned, crashes (also in the middle of a write, losing what was not synced) and restarts,
// client proposals and snapshots. Every step is checked against Raft's safety properties:
//   election safety   - at most one leader per term;
//   log matching      - two logs with an entry of the same index and term agree on everything up
//                       to it (every entry carries a hash chain over its log prefix, and one
//                       (index, term) must always map to one chain value);
//   leader complete.  - a new leader of term T holds every entry committed before T;
//   commit monotonic  - a node's commit index never goes back (within one incarnation);
//   state machine     - every node applies the same entry at each index, contiguously
//                       (compared against one global record of applied chains).
// After the chaos phase everything heals and a new proposal must commit on every node within a
// bound of virtual time (liveness). One seed determines the whole run: the same seed replays the
// same run, which is how a failure is reproduced (CAFKA_RAFT_SEED, see raft_sim_test.cpp).
#include "actors/raft_memory_log_store.hpp"
#include "actors/raft_node.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace cafka::raft::sim {

// ---- hash chain over log entries ------------------------------------------------------------

inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 29;
  return h;
}

inline uint64_t chain_of(uint64_t prev, const entry& e) {
  auto h = mix(mix(mix(prev, static_cast<uint64_t>(e.index)), static_cast<uint64_t>(e.term)),
               static_cast<uint64_t>(e.kind));
  for (char c : e.data)
    h = mix(h, static_cast<uint8_t>(c));
  return h;
}

inline void put_u64(std::vector<char>& out, uint64_t x) {
  char b[8];
  std::memcpy(b, &x, 8);
  out.insert(out.end(), b, b + 8);
}

inline uint64_t get_u64(const std::vector<char>& in, size_t pos) {
  uint64_t x = 0;
  if (pos + 8 <= in.size())
    std::memcpy(&x, in.data() + pos, 8);
  return x;
}

// ---- global record and violations -----------------------------------------------------------

struct checker {
  std::vector<std::string> violations;
  std::map<term_t, node_id> leaders;                       // election safety
  std::map<std::pair<index_t, term_t>, uint64_t> entries;  // log matching
  std::vector<uint64_t> committed_chain{0};                // [i]: chain through index i
  std::vector<term_t> commit_term{0};                      // lowest term any node applied i in

  void fail(std::string what) {
    if (violations.size() < 8)
      violations.push_back(std::move(what));
  }
  bool ok() const { return violations.empty(); }

  void note_entry(node_id n, index_t index, term_t term, uint64_t chain) {
    auto [it, fresh] = entries.emplace(std::make_pair(index, term), chain);
    if (!fresh && it->second != chain)
      fail("log matching: node " + std::to_string(n) + " holds (index " + std::to_string(index)
           + ", term " + std::to_string(term) + ") with a different log prefix than another node");
  }

  void note_applied(node_id n, index_t index, uint64_t chain, term_t term) {
    auto i = static_cast<size_t>(index);
    if (i < committed_chain.size()) {
      if (committed_chain[i] != chain)
        fail("state machine safety: node " + std::to_string(n) + " applied a different entry at "
             "index " + std::to_string(index) + " than another node (a committed entry was lost)");
      commit_term[i] = std::min(commit_term[i], term);
    } else if (i == committed_chain.size()) {
      committed_chain.push_back(chain);
      commit_term.push_back(term);
    } else {
      fail("node " + std::to_string(n) + " applied index " + std::to_string(index)
           + " that nobody applied the entries before of");
    }
  }
};

// ---- a log store that tracks the hash chain of its entries ----------------------------------

// The state machine of the simulation: the sequence of applied command ids plus the hash chain
// through the applied index (which makes snapshots comparable).
struct state_machine {
  index_t applied = 0;
  uint64_t chain = 0;
  std::vector<uint64_t> commands;

  std::vector<char> serialize() const {
    std::vector<char> out;
    put_u64(out, static_cast<uint64_t>(applied));
    put_u64(out, chain);
    for (auto c : commands)
      put_u64(out, c);
    return out;
  }
  static state_machine restore(const std::vector<char>& data) {
    state_machine sm;
    sm.applied = static_cast<index_t>(get_u64(data, 0));
    sm.chain = get_u64(data, 8);
    for (size_t pos = 16; pos + 8 <= data.size(); pos += 8)
      sm.commands.push_back(get_u64(data, pos));
    return sm;
  }
};

class sim_store : public memory_log_store {
public:
  sim_store(checker& c, node_id id) : checker_(c), id_(id) {}

  void append(const std::vector<entry>& xs) override {
    memory_log_store::append(xs);
    for (auto& e : xs) {
      auto c = chain_of(chain_at(e.index - 1), e);
      chains_.push_back(c);
      checker_.note_entry(id_, e.index, e.term, c);
    }
  }
  void truncate_suffix(index_t from) override {
    auto keep = std::max<index_t>(0, from - first_index());
    if (static_cast<size_t>(keep) < chains_.size())
      chains_.resize(static_cast<size_t>(keep));
    memory_log_store::truncate_suffix(from);
  }
  void install_snapshot(snapshot s) override {
    memory_log_store::install_snapshot(std::move(s));
    rebuild();
    auto& snap = latest_snapshot();
    if (snap.last_index > 0)
      checker_.note_entry(id_, snap.last_index, snap.last_term, base_);
  }
  void crash_and_rebuild(size_t keep_unsynced) {
    crash(keep_unsynced);
    rebuild();
  }
  uint64_t chain_at(index_t i) const {
    if (i <= latest_snapshot().last_index)
      return base_;
    return chains_[static_cast<size_t>(i - first_index())];
  }

private:
  void rebuild() {
    base_ = get_u64(latest_snapshot().data, 8);
    chains_.clear();
    auto prev = base_;
    for (auto i = first_index(); i <= last_index(); ++i)
      chains_.push_back(prev = chain_of(prev, at(i)));
  }

  checker& checker_;
  node_id id_;
  uint64_t base_ = 0;
  std::deque<uint64_t> chains_;
};

// ---- the simulation -------------------------------------------------------------------------

struct options {
  int nodes = 3;
  int64_t chaos_ms = 6000;          // faults are injected during [0, chaos_ms)
  int64_t liveness_bound_ms = 5000; // after healing, a proposal commits everywhere within this
  double drop = 0.05;               // per message
  double duplicate = 0.02;
  double long_delay = 0.05;         // share of messages delayed up to long_delay_ms (reordering)
  int64_t max_delay_ms = 10;
  int64_t long_delay_ms = 150;
  int64_t mean_fault_interval_ms = 600;
  bool crashes = true;
  bool partitions = true;
  double torn_crash = 0.003;        // per step that must sync: crash before the sync
  double crash_leader = 0.0;        // share of crash faults that hit the current leader
  bool broken_send_before_sync = false; // test only: the driver ignores ready::sync's order
  int64_t proposal_interval_ms = 20;
  index_t compact_every = 12;       // applied entries between snapshots
  config raft = default_raft();

  static config default_raft() {
    config c;
    c.election_timeout_min_ms = 150;
    c.election_timeout_max_ms = 300;
    c.heartbeat_interval_ms = 40;
    c.max_append_entries = 6;
    return c;
  }
};

struct stats {
  int64_t leaders = 0;        // distinct (term, leader) pairs
  int64_t committed = 0;      // entries in the global commit record
  int64_t proposals = 0;      // accepted by a leader
  int64_t crashes = 0;
  int64_t torn_crashes = 0;
  int64_t snapshots_sent = 0; // InstallSnapshot messages delivered
  int64_t delivered = 0;
  stats& operator+=(const stats& o) {
    leaders += o.leaders;
    committed += o.committed;
    proposals += o.proposals;
    crashes += o.crashes;
    torn_crashes += o.torn_crashes;
    snapshots_sent += o.snapshots_sent;
    delivered += o.delivered;
    return *this;
  }
};

std::string describe(const message& m);

class simulation {
public:
  static constexpr int64_t never = std::numeric_limits<int64_t>::max();
  static constexpr uint64_t marker_command = ~uint64_t{0};

  simulation(uint64_t seed, options opts, bool tracing);

  // Chaos, heal, liveness; stops at the first violation.
  void run();

  // Building blocks for targeted scenarios.
  void run_until(int64_t end);       // steps (messages, timers, scheduled faults/proposals)
  // Steps until `pred` holds after a step (true) or `end` passes (false).
  bool run_until(const std::function<bool()>& pred, int64_t end);
  void crash(node_id id, size_t keep_unsynced = 0);
  void restart(node_id id);
  void isolate(node_id id);          // a partition: {id} | everyone else
  void set_group(node_id id, int group); // nodes talk only within their group
  void mute(node_id id);             // drop what it sends, still deliver to it (until healed)
  // A client proposal of command `command` at node `id`; the index (0: not the leader).
  index_t propose(node_id id, uint64_t command);
  void heal_partition();
  // Stops the random faults and message loss, restarts every node, heals the partition.
  void heal_all();
  // The node that is leader in the highest term among running nodes, or no_node.
  node_id leader() const;
  // Proposes at the current leader until `marker` is applied on every running node, at most until
  // `deadline`; false (and a liveness violation) if it did not happen.
  bool commit_everywhere(uint64_t marker, int64_t deadline);

  const checker& check() const { return check_; }
  const stats& counters() const { return stats_; }
  int64_t now() const { return now_; }
  const node& raft_of(node_id id) const { return *at(id).raft; }
  bool is_up(node_id id) const { return at(id).up; }
  const state_machine& machine_of(node_id id) const { return at(id).sm; }
  const sim_store& store_of(node_id id) const { return *at(id).store; }
  std::string trace_tail(size_t lines) const;
  void set_random_faults(bool on) { faults_on_ = on; }
  void set_proposals(bool on) { proposals_on_ = on; }

private:
  struct sim_node {
    node_id id = no_node;
    std::unique_ptr<sim_store> store;
    std::unique_ptr<node> raft;
    std::mt19937_64 rng;
    state_machine sm;
    bool up = true;
    int group = 0;
    bool muted = false;
    index_t last_commit = 0;
    term_t checked_leader_term = 0;
  };
  struct in_flight {
    int64_t at;
    uint64_t seq;
    node_id from;
    node_id to;
    message body;
    bool operator>(const in_flight& o) const {
      return at != o.at ? at > o.at : seq > o.seq;
    }
  };

  sim_node& at(node_id id) { return *nodes_[static_cast<size_t>(id - 1)]; }
  const sim_node& at(node_id id) const { return *nodes_[static_cast<size_t>(id - 1)]; }
  void start(sim_node& n);
  bool step(int64_t end);
  void deliver(in_flight m);
  void handle(sim_node& n, ready r);
  void apply(sim_node& n, const entry& e);
  void check_node(sim_node& n);
  void send(node_id from, const envelope& e);
  void random_fault();
  void random_proposal();
  bool coin(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  void trace(const std::string& line);

  options opts_;
  bool tracing_;
  std::mt19937_64 rng_;
  int64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t next_command_ = 1;
  bool faults_on_ = true;
  bool proposals_on_ = true;
  int64_t next_fault_ = 0;
  int64_t next_proposal_ = 0;
  std::vector<std::unique_ptr<sim_node>> nodes_;
  std::priority_queue<in_flight, std::vector<in_flight>, std::greater<in_flight>> net_;
  checker check_;
  stats stats_;
  std::deque<std::string> trace_;
};

} // namespace cafka::raft::sim
