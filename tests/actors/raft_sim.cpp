// The Raft simulation of raft_sim.hpp: event loop, network, faults and the per-step checks.
#include "raft_sim.hpp"

#include "actors/overload.hpp"

#include <sstream>

namespace cafka::raft::sim {

std::string describe(const message& m) {
  std::ostringstream os;
  std::visit(overload{
               [&](const vote_request& x) {
                 os << (x.pre_vote ? "PreVote" : "Vote") << "Req t=" << x.term
                    << " last=" << x.last_log_index << "/" << x.last_log_term;
               },
               [&](const vote_response& x) {
                 os << (x.pre_vote ? "PreVote" : "Vote") << "Resp t=" << x.term
                    << (x.granted ? " granted" : " rejected");
               },
               [&](const append_request& x) {
                 os << "Append t=" << x.term << " prev=" << x.prev_log_index << "/"
                    << x.prev_log_term << " n=" << x.entries.size()
                    << " commit=" << x.leader_commit;
               },
               [&](const append_response& x) {
                 os << "AppendResp t=" << x.term << (x.success ? " ok match=" : " fail conflict=")
                    << (x.success ? x.match_index : x.conflict_index);
                 if (!x.success)
                   os << "/" << x.conflict_term;
               },
               [&](const snapshot_request& x) {
                 os << "Snapshot t=" << x.term << " last=" << x.last_index << "/" << x.last_term;
               },
               [&](const snapshot_response& x) {
                 os << "SnapshotResp t=" << x.term << " last=" << x.last_index;
               },
             },
             m);
  return os.str();
}

simulation::simulation(uint64_t seed, options opts, bool tracing)
  : opts_(std::move(opts)), tracing_(tracing), rng_(seed) {
  std::vector<node_id> voters;
  for (int i = 1; i <= opts_.nodes; ++i)
    voters.push_back(i);
  opts_.raft.voters = voters;
  for (auto id : voters) {
    auto n = std::make_unique<sim_node>();
    n->id = id;
    n->store = std::make_unique<sim_store>(check_, id);
    n->rng.seed(rng_());
    nodes_.push_back(std::move(n));
  }
  for (auto& n : nodes_)
    start(*n);
  next_fault_ = uniform(1, 2 * opts_.mean_fault_interval_ms);
  next_proposal_ = opts_.proposal_interval_ms;
}

void simulation::start(sim_node& n) {
  auto cfg = opts_.raft;
  cfg.id = n.id;
  auto* rng = &n.rng;
  n.raft = std::make_unique<node>(cfg, *n.store, [rng] { return (*rng)(); }, now_);
  n.sm = state_machine::restore(n.store->latest_snapshot().data);
  if (n.sm.applied != n.store->latest_snapshot().last_index)
    check_.fail("node " + std::to_string(n.id) + " restarted from a snapshot that does not match "
                "its state");
  n.last_commit = n.raft->commit_index();
  n.checked_leader_term = 0;
  n.up = true;
}

// ---- running --------------------------------------------------------------------------------

void simulation::run() {
  run_until(opts_.chaos_ms);
  if (!check_.ok())
    return;
  heal_all();
  commit_everywhere(marker_command, now_ + opts_.liveness_bound_ms);
}

void simulation::run_until(int64_t end) {
  while (check_.ok() && step(end)) {
  }
  now_ = std::max(now_, end);
}

bool simulation::run_until(const std::function<bool()>& pred, int64_t end) {
  while (check_.ok() && !pred())
    if (!step(end))
      return false;
  return check_.ok();
}

bool simulation::step(int64_t end) {
  int64_t t_msg = net_.empty() ? never : net_.top().at;
  int64_t t_node = never;
  sim_node* due = nullptr;
  for (auto& n : nodes_)
    if (n->up && n->raft->next_deadline() < t_node) {
      t_node = n->raft->next_deadline();
      due = n.get();
    }
  int64_t t_fault = faults_on_ ? next_fault_ : never;
  int64_t t_prop = proposals_on_ ? next_proposal_ : never;
  auto t = std::min({t_msg, t_node, t_fault, t_prop});
  if (t >= end)
    return false;
  now_ = std::max(now_, t);
  if (t == t_msg) {
    auto m = net_.top();
    net_.pop();
    deliver(std::move(m));
  } else if (t == t_node) {
    auto r = due->raft->tick(now_);
    if (tracing_ && !r.empty())
      trace("tick n" + std::to_string(due->id) + " -> " + to_string(due->raft->current_role())
            + " t=" + std::to_string(due->raft->term()));
    handle(*due, std::move(r));
  } else if (t == t_fault) {
    next_fault_ = now_ + uniform(1, 2 * opts_.mean_fault_interval_ms);
    random_fault();
  } else {
    next_proposal_ = now_ + uniform(1, 2 * opts_.proposal_interval_ms);
    random_proposal();
  }
  return true;
}

void simulation::deliver(in_flight m) {
  auto& to = at(m.to);
  if (!to.up || to.group != at(m.from).group || at(m.from).muted) {
    if (tracing_)
      trace("lost n" + std::to_string(m.from) + "->n" + std::to_string(m.to) + " "
            + describe(m.body));
    return;
  }
  ++stats_.delivered;
  if (std::holds_alternative<snapshot_request>(m.body))
    ++stats_.snapshots_sent;
  auto r = to.raft->receive(now_, m.from, m.body);
  if (tracing_)
    trace("n" + std::to_string(m.from) + "->n" + std::to_string(m.to) + " " + describe(m.body)
          + " => " + to_string(to.raft->current_role()) + " t=" + std::to_string(to.raft->term())
          + " last=" + std::to_string(to.store->last_index())
          + " commit=" + std::to_string(to.raft->commit_index()));
  handle(to, std::move(r));
}

void simulation::handle(sim_node& n, ready r) {
  if (!n.up)
    return;
  if (opts_.broken_send_before_sync)
    for (auto& e : std::exchange(r.messages, {}))
      send(n.id, e);
  if (r.sync && faults_on_ && opts_.crashes && coin(opts_.torn_crash)) {
    // Crash before the sync: some prefix of this step's writes reach the disk, nothing is sent.
    auto keep = static_cast<size_t>(uniform(0, static_cast<int64_t>(n.store->unsynced_writes())));
    ++stats_.torn_crashes;
    crash(n.id, keep);
    return;
  }
  if (r.sync)
    n.store->sync();
  for (auto& e : r.messages)
    send(n.id, e);
  if (r.snapshot_to_apply) {
    n.sm = state_machine::restore(r.snapshot_to_apply->data);
    if (n.sm.applied != r.snapshot_to_apply->last_index)
      check_.fail("node " + std::to_string(n.id) + " got a snapshot whose state is not at its "
                  "last index");
  }
  for (auto& e : r.committed)
    apply(n, e);
  check_node(n);
  auto snap_index = n.store->latest_snapshot().last_index;
  if (check_.ok() && n.sm.applied - snap_index >= opts_.compact_every)
    handle(n, n.raft->compact(n.sm.applied, n.sm.serialize()));
}

void simulation::apply(sim_node& n, const entry& e) {
  if (e.index != n.sm.applied + 1)
    check_.fail("node " + std::to_string(n.id) + " applied index " + std::to_string(e.index)
                + " after " + std::to_string(n.sm.applied));
  n.sm.chain = chain_of(n.sm.chain, e);
  n.sm.applied = e.index;
  if (e.kind == entry_kind::command) {
    uint64_t id = 0;
    std::memcpy(&id, e.data.data(), std::min<size_t>(8, e.data.size()));
    n.sm.commands.push_back(id);
  }
  check_.note_applied(n.id, e.index, n.sm.chain, n.raft->term());
}

void simulation::check_node(sim_node& n) {
  auto& r = *n.raft;
  auto name = "node " + std::to_string(n.id);
  if (r.commit_index() < n.last_commit)
    check_.fail(name + ": commit index went back from " + std::to_string(n.last_commit) + " to "
                + std::to_string(r.commit_index()));
  n.last_commit = r.commit_index();
  if (r.commit_index() > n.store->last_index())
    check_.fail(name + ": commit index beyond its log");
  if (r.applied_index() != n.sm.applied)
    check_.fail(name + ": raft applied index and state machine disagree");
  if (!r.is_leader())
    return;
  auto [it, fresh] = check_.leaders.emplace(r.term(), n.id);
  if (it->second != n.id)
    check_.fail("election safety: nodes " + std::to_string(it->second) + " and "
                + std::to_string(n.id) + " are both leader of term " + std::to_string(r.term()));
  if (fresh)
    ++stats_.leaders;
  if (n.checked_leader_term == r.term())
    return;
  n.checked_leader_term = r.term();
  // Leader completeness: everything committed in earlier terms is in the new leader's log.
  auto g = static_cast<index_t>(check_.committed_chain.size()) - 1;
  while (g > 0 && check_.commit_term[static_cast<size_t>(g)] >= r.term())
    --g;
  if (g == 0)
    return;
  if (g > n.store->last_index()) {
    check_.fail("leader completeness: " + name + " became leader of term "
                + std::to_string(r.term()) + " without committed index " + std::to_string(g));
    return;
  }
  auto i = std::max(g, n.store->latest_snapshot().last_index);
  if (static_cast<size_t>(i) < check_.committed_chain.size()
      && n.store->chain_at(i) != check_.committed_chain[static_cast<size_t>(i)])
    check_.fail("leader completeness: " + name + " became leader of term "
                + std::to_string(r.term()) + " with a different entry at committed index "
                + std::to_string(i));
}

void simulation::send(node_id from, const envelope& e) {
  if (faults_on_ && coin(opts_.drop))
    return;
  int copies = faults_on_ && coin(opts_.duplicate) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    auto delay = faults_on_ && coin(opts_.long_delay) ? uniform(1, opts_.long_delay_ms)
                                                      : uniform(1, opts_.max_delay_ms);
    net_.push(in_flight{now_ + delay, seq_++, from, e.to, e.body});
  }
}

// ---- faults and clients ---------------------------------------------------------------------

void simulation::crash(node_id id, size_t keep_unsynced) {
  auto& n = at(id);
  if (!n.up)
    return;
  if (tracing_)
    trace("CRASH n" + std::to_string(id) + " keeping " + std::to_string(keep_unsynced) + " of "
          + std::to_string(n.store->unsynced_writes()) + " unsynced writes");
  ++stats_.crashes;
  n.store->crash_and_rebuild(keep_unsynced);
  n.raft.reset();
  n.up = false;
}

void simulation::restart(node_id id) {
  auto& n = at(id);
  if (n.up)
    return;
  start(n);
  if (tracing_)
    trace("RESTART n" + std::to_string(id) + " t=" + std::to_string(n.raft->term()) + " last="
          + std::to_string(n.store->last_index()) + " snapshot="
          + std::to_string(n.store->latest_snapshot().last_index));
}

void simulation::isolate(node_id id) {
  for (auto& n : nodes_)
    n->group = n->id == id ? 1 : 0;
  if (tracing_)
    trace("PARTITION {n" + std::to_string(id) + "} | rest");
}

void simulation::set_group(node_id id, int group) {
  at(id).group = group;
  if (tracing_)
    trace("GROUP n" + std::to_string(id) + " -> " + std::to_string(group));
}

void simulation::mute(node_id id) {
  at(id).muted = true;
  if (tracing_)
    trace("MUTE n" + std::to_string(id));
}

void simulation::heal_partition() {
  for (auto& n : nodes_) {
    n->group = 0;
    n->muted = false;
  }
  if (tracing_)
    trace("HEAL partition");
}

void simulation::heal_all() {
  faults_on_ = false;
  heal_partition();
  for (auto& n : nodes_)
    restart(n->id);
}

void simulation::random_fault() {
  auto pick = [&](bool up) -> node_id {
    std::vector<node_id> xs;
    for (auto& n : nodes_)
      if (n->up == up)
        xs.push_back(n->id);
    return xs.empty() ? no_node : xs[static_cast<size_t>(uniform(0, xs.size() - 1))];
  };
  auto kind = uniform(0, 9);
  if (kind < 3 && opts_.crashes) {
    if (auto id = coin(opts_.crash_leader) ? leader() : pick(true); id != no_node)
      crash(id);
  } else if (kind < 6 && opts_.crashes) {
    if (auto id = pick(false); id != no_node)
      restart(id);
  } else if (kind < 8 && opts_.partitions) {
    if (coin(0.5)) {
      isolate(static_cast<node_id>(uniform(1, opts_.nodes)));
    } else {
      std::string line = "PARTITION";
      for (auto& n : nodes_) {
        n->group = static_cast<int>(uniform(0, 1));
        line += " n" + std::to_string(n->id) + ":" + std::to_string(n->group);
      }
      if (tracing_)
        trace(line);
    }
  } else if (opts_.partitions) {
    heal_partition();
  }
}

void simulation::random_proposal() {
  std::vector<node_id> leaders;
  for (auto& n : nodes_)
    if (n->up && n->raft->is_leader())
      leaders.push_back(n->id);
  if (!leaders.empty())
    propose(leaders[static_cast<size_t>(uniform(0, leaders.size() - 1))], next_command_++);
}

index_t simulation::propose(node_id id, uint64_t command) {
  auto& n = at(id);
  if (!n.up)
    return 0;
  std::vector<char> data;
  put_u64(data, command);
  auto r = n.raft->propose(now_, std::move(data));
  if (r.index > 0)
    ++stats_.proposals;
  if (tracing_)
    trace("PROPOSE cmd " + std::to_string(command) + " at n" + std::to_string(id) + " -> index "
          + std::to_string(r.index));
  handle(n, std::move(r.out));
  return r.index;
}

node_id simulation::leader() const {
  node_id best = no_node;
  term_t best_term = -1;
  for (auto& n : nodes_)
    if (n->up && n->raft->is_leader() && n->raft->term() > best_term) {
      best = n->id;
      best_term = n->raft->term();
    }
  return best;
}

bool simulation::commit_everywhere(uint64_t marker, int64_t deadline) {
  auto everywhere = [&] {
    for (auto& n : nodes_) {
      auto& cs = n->sm.commands;
      if (n->up && std::find(cs.rbegin(), cs.rend(), marker) == cs.rend())
        return false;
    }
    return true;
  };
  auto saved = proposals_on_;
  proposals_on_ = false;
  std::pair<node_id, term_t> proposed_at{no_node, 0};
  while (check_.ok() && !everywhere()) {
    if (now_ >= deadline) {
      check_.fail("liveness: the proposal did not commit on every node within "
                  + std::to_string(opts_.liveness_bound_ms) + " ms after healing");
      break;
    }
    auto l = leader();
    if (l != no_node && proposed_at != std::make_pair(l, at(l).raft->term())) {
      proposed_at = {l, at(l).raft->term()};
      propose(l, marker);
    }
    run_until(std::min(deadline, now_ + 10));
  }
  proposals_on_ = saved;
  stats_.committed = static_cast<int64_t>(check_.committed_chain.size()) - 1;
  return check_.ok();
}

// ---- trace ----------------------------------------------------------------------------------

void simulation::trace(const std::string& line) {
  trace_.push_back(std::to_string(now_) + "ms " + line);
  if (trace_.size() > 400)
    trace_.pop_front();
}

std::string simulation::trace_tail(size_t lines) const {
  std::string out;
  auto from = trace_.size() > lines ? trace_.size() - lines : 0;
  for (auto i = from; i < trace_.size(); ++i)
    out += trace_[i] + "\n";
  return out;
}

} // namespace cafka::raft::sim
