// raft_node: log replication (AppendEntries with conflict-term back-off), the commit rule, and
// snapshots (InstallSnapshot). Elections and timers are in raft_node.cpp.
#include "actors/raft_node.hpp"

#include <algorithm>
#include <limits>

namespace cafka::raft {

term_t node::last_term() const {
  return *store_.term_at(store_.last_index());
}

index_t node::match_index(node_id peer) const {
  auto it = peers_.find(peer);
  return role_ == role::leader && it != peers_.end() ? it->second.match : 0;
}

// ---- leader side ----------------------------------------------------------------------------

void node::broadcast_append() {
  for (auto& [peer, p] : peers_)
    replicate_to(peer);
}

void node::replicate_to(node_id peer) {
  auto& p = peers_[peer];
  auto prev = p.next - 1;
  auto prev_term = store_.term_at(prev);
  if (!prev_term) {
    // The entries this follower needs are compacted away: send the snapshot instead.
    auto& snap = store_.latest_snapshot();
    send(peer, snapshot_request{term_, cfg_.id, snap.last_index, snap.last_term, snap.data});
    return;
  }
  append_request req;
  req.term = term_;
  req.leader = cfg_.id;
  req.prev_log_index = prev;
  req.prev_log_term = *prev_term;
  req.leader_commit = commit_;
  auto last = std::min(store_.last_index(), prev + static_cast<index_t>(cfg_.max_append_entries));
  if (p.next <= last)
    req.entries = store_.entries(p.next, last, cfg_.max_append_bytes);
  send(peer, std::move(req));
}

// The leader's progress record of a follower whose answer carries `term`, with its last_ack
// refreshed; null when the answer is stale or not for a leader (a newer term demotes us).
node::progress* node::answering_peer(int64_t now, term_t term, node_id follower) {
  if (term > term_) {
    become_follower(now, term, no_node);
    return nullptr;
  }
  if (role_ != role::leader || term != term_)
    return nullptr;
  auto it = peers_.find(follower);
  if (it == peers_.end())
    return nullptr;
  it->second.last_ack = now;
  return &it->second;
}

// The follower holds our log up to `match`: maybe commit, then send what it still lacks.
void node::acknowledge(progress& p, node_id follower, index_t match) {
  p.match = std::max(p.match, match);
  p.next = std::max(p.next, p.match + 1);
  maybe_advance_commit();
  if (p.next <= store_.last_index())
    replicate_to(follower);
}

void node::on_append_response(int64_t now, const append_response& m) {
  auto* peer = answering_peer(now, m.term, m.follower);
  if (!peer)
    return;
  auto& p = *peer;
  if (m.success)
    return acknowledge(p, m.follower, m.match_index);
  // Back off by a whole term: if we have entries of the follower's conflicting term, resume after
  // our last one; otherwise at the first index the follower holds of that term.
  auto next = m.conflict_index;
  if (m.conflict_term >= 0) {
    for (auto i = store_.last_index(); i >= store_.first_index(); --i) {
      auto t = *store_.term_at(i);
      if (t < m.conflict_term)
        break;
      if (t == m.conflict_term) {
        next = i + 1;
        break;
      }
    }
  }
  // A late answer must not move us below what is known to match, or past our log.
  p.next = std::max(p.match + 1, std::min(next, store_.last_index() + 1));
  replicate_to(m.follower);
}

void node::on_snapshot_response(int64_t now, const snapshot_response& m) {
  if (auto* p = answering_peer(now, m.term, m.follower))
    acknowledge(*p, m.follower, m.last_index);
}

void node::maybe_advance_commit() {
  if (role_ != role::leader)
    return;
  for (auto n = store_.last_index(); n > commit_; --n) {
    auto t = *store_.term_at(n);
    // Only an entry of our own term is committed by counting replicas (§5.4.2): an older entry
    // on a majority may still be overwritten by a leader that never saw it (Figure 8).
    if (t != term_ && !cfg_.unsafe_commit_old_terms)
      break; // terms only decrease further down
    size_t replicas = 1; // our own log, durable before anything of this step is sent or applied
    for (auto& [peer, p] : peers_)
      if (p.match >= n)
        ++replicas;
    if (replicas >= quorum())
      return set_commit(n);
  }
}

void node::set_commit(index_t index) {
  if (index <= commit_)
    return;
  commit_ = index;
  collect_committed();
}

void node::collect_committed() {
  if (commit_ <= applied_)
    return;
  auto xs = store_.entries(applied_ + 1, commit_, std::numeric_limits<size_t>::max());
  for (auto& e : xs)
    out_.committed.push_back(std::move(e));
  applied_ = commit_;
}

// ---- follower side --------------------------------------------------------------------------

void node::on_append_request(int64_t now, const append_request& m) {
  if (m.term < term_) {
    // A stale leader: our term in the answer makes it step down.
    send(m.leader, append_response{term_, cfg_.id, false, 0, 0, -1});
    return;
  }
  if (m.term > term_ || role_ != role::follower || leader_ != m.leader)
    become_follower(now, m.term, m.leader);
  last_leader_contact_ = now;
  reset_election_timer(now);

  auto snap_index = store_.latest_snapshot().last_index;
  size_t first = 0; // entries before this one are covered by our snapshot
  if (m.prev_log_index < snap_index) {
    // Everything up to our snapshot is committed, hence equal to the leader's log.
    first = static_cast<size_t>(std::min<index_t>(snap_index - m.prev_log_index,
                                                  static_cast<index_t>(m.entries.size())));
  } else {
    auto t = store_.term_at(m.prev_log_index);
    if (!t) {
      auto last = store_.last_index();
      send(m.leader, append_response{term_, cfg_.id, false, 0, last + 1, -1});
      return;
    }
    if (*t != m.prev_log_term) {
      auto i = m.prev_log_index;
      while (i - 1 > snap_index && store_.term_at(i - 1) == t)
        --i;
      send(m.leader, append_response{term_, cfg_.id, false, 0, i, *t});
      return;
    }
  }
  // Append what we do not have; cut our log only at the first real conflict, never because a
  // late, shorter request arrives after a longer one.
  for (auto k = first; k < m.entries.size(); ++k) {
    auto& e = m.entries[k];
    if (e.index <= store_.last_index()) {
      if (store_.term_at(e.index) == e.term)
        continue;
      store_.truncate_suffix(e.index);
    }
    store_.append(std::vector<entry>(m.entries.begin() + static_cast<std::ptrdiff_t>(k),
                                     m.entries.end()));
    out_.sync = true;
    break;
  }
  auto match = std::max(m.prev_log_index + static_cast<index_t>(m.entries.size()), snap_index);
  set_commit(std::min(m.leader_commit, match));
  send(m.leader, append_response{term_, cfg_.id, true, match, 0, -1});
}

void node::on_snapshot_request(int64_t now, const snapshot_request& m) {
  if (m.term < term_) {
    send(m.leader, snapshot_response{term_, cfg_.id, 0});
    return;
  }
  if (m.term > term_ || role_ != role::follower || leader_ != m.leader)
    become_follower(now, m.term, m.leader);
  last_leader_contact_ = now;
  reset_election_timer(now);
  if (m.last_index > commit_) {
    snapshot s{m.last_index, m.last_term, m.data};
    store_.install_snapshot(s);
    out_.sync = true;
    commit_ = applied_ = m.last_index;
    out_.committed.clear();
    out_.snapshot_to_apply = std::move(s);
  }
  send(m.leader, snapshot_response{term_, cfg_.id, m.last_index});
}

} // namespace cafka::raft
