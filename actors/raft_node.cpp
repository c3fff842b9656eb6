// raft_node: lifecycle, timers, elections (Pre-Vote, votes, check-quorum) and client proposals.
// Log replication and snapshots are in raft_replication.cpp.
#include "actors/raft_node.hpp"

#include <algorithm>
#include <limits>

namespace cafka::raft {

const char* to_string(role r) {
  switch (r) {
    case role::follower:
      return "follower";
    case role::pre_candidate:
      return "pre-candidate";
    case role::candidate:
      return "candidate";
    case role::leader:
      return "leader";
  }
  return "?";
}

node::node(config cfg, log_store& store, std::function<uint64_t()> random, int64_t now)
  : cfg_(std::move(cfg)), store_(store), random_(std::move(random)) {
  auto hs = store_.load_hard_state();
  term_ = hs.term;
  voted_for_ = hs.voted_for;
  // The commit index is not stored: what the snapshot holds is committed, the rest is learned
  // again from the leader.
  commit_ = applied_ = store_.latest_snapshot().last_index;
  reset_election_timer(now);
}

// ---- inputs ---------------------------------------------------------------------------------

ready node::tick(int64_t now) {
  if (role_ == role::leader) {
    if (now >= heartbeat_deadline_) {
      heartbeat_deadline_ = now + cfg_.heartbeat_interval_ms;
      broadcast_append();
    }
    if (cfg_.check_quorum && now >= quorum_check_deadline_)
      check_quorum(now);
  } else if (is_voter(cfg_.id) && now >= election_deadline_) {
    if (cfg_.pre_vote)
      become_pre_candidate(now);
    else
      become_candidate(now);
  }
  return take_ready();
}

ready node::receive(int64_t now, node_id from, const message& m) {
  if (from == cfg_.id || !is_voter(from))
    return take_ready(); // static membership: strangers are ignored
  switch (m.index()) {
    case 0:
      on_vote_request(now, std::get<vote_request>(m));
      break;
    case 1:
      on_vote_response(now, std::get<vote_response>(m));
      break;
    case 2:
      on_append_request(now, std::get<append_request>(m));
      break;
    case 3:
      on_append_response(now, std::get<append_response>(m));
      break;
    case 4:
      on_snapshot_request(now, std::get<snapshot_request>(m));
      break;
    case 5:
      on_snapshot_response(now, std::get<snapshot_response>(m));
      break;
  }
  return take_ready();
}

propose_result node::propose(int64_t now, std::vector<char> data) {
  propose_result r;
  r.term = term_;
  r.leader = leader_;
  if (role_ == role::leader) {
    entry e{term_, store_.last_index() + 1, entry_kind::command, std::move(data)};
    r.index = e.index;
    store_.append({std::move(e)});
    out_.sync = true;
    broadcast_append();
    maybe_advance_commit(); // a single voter commits at once
  }
  r.out = take_ready();
  return r;
}

ready node::compact(index_t index, std::vector<char> data) {
  auto& snap = store_.latest_snapshot();
  if (index > snap.last_index && index <= applied_) {
    auto term = store_.term_at(index);
    store_.install_snapshot(snapshot{index, *term, std::move(data)});
    out_.sync = true;
  }
  return take_ready();
}

int64_t node::next_deadline() const {
  if (role_ == role::leader)
    return cfg_.check_quorum ? std::min(heartbeat_deadline_, quorum_check_deadline_)
                             : heartbeat_deadline_;
  if (is_voter(cfg_.id))
    return election_deadline_;
  return std::numeric_limits<int64_t>::max();
}

// ---- roles ----------------------------------------------------------------------------------

void node::become_follower(int64_t now, term_t term, node_id leader) {
  if (term > term_) {
    term_ = term;
    voted_for_ = no_node;
    persist_hard_state();
  }
  role_ = role::follower;
  leader_ = leader;
  if (leader != no_node)
    last_leader_contact_ = now;
  votes_.clear();
  peers_.clear();
  reset_election_timer(now);
}

void node::become_pre_candidate(int64_t now) {
  role_ = role::pre_candidate;
  leader_ = no_node;
  votes_ = {{cfg_.id, true}};
  reset_election_timer(now);
  if (votes_.size() >= quorum())
    return become_candidate(now);
  campaign(now, true);
}

void node::become_candidate(int64_t now) {
  role_ = role::candidate;
  ++term_;
  voted_for_ = cfg_.id;
  leader_ = no_node;
  persist_hard_state();
  votes_ = {{cfg_.id, true}};
  reset_election_timer(now);
  if (votes_.size() >= quorum())
    return become_leader(now);
  campaign(now, false);
}

void node::become_leader(int64_t now) {
  role_ = role::leader;
  leader_ = cfg_.id;
  votes_.clear();
  peers_.clear();
  auto next = store_.last_index() + 1;
  for (auto v : cfg_.voters)
    if (v != cfg_.id)
      peers_[v] = progress{next, 0, now}; // a fresh leader gets a full check-quorum period
  // The no-op of our term: committing it commits everything before it (§5.4.2, §8).
  store_.append({entry{term_, next, entry_kind::no_op, {}}});
  out_.sync = true;
  heartbeat_deadline_ = now + cfg_.heartbeat_interval_ms;
  quorum_check_deadline_ = now + cfg_.election_timeout_min_ms;
  broadcast_append();
  maybe_advance_commit();
}

// ---- elections ------------------------------------------------------------------------------

void node::campaign(int64_t now, bool pre_vote) {
  vote_request req;
  req.term = pre_vote ? term_ + 1 : term_;
  req.candidate = cfg_.id;
  req.last_log_index = store_.last_index();
  req.last_log_term = last_term();
  req.pre_vote = pre_vote;
  for (auto v : cfg_.voters)
    if (v != cfg_.id)
      send(v, req);
}

void node::on_vote_request(int64_t now, const vote_request& m) {
  if (!is_voter(cfg_.id))
    return;
  auto reject = [&] { send(m.candidate, vote_response{term_, cfg_.id, false, m.pre_vote}); };
  // While we hear from a leader, a higher term is a disruptive node (e.g. one that was
  // partitioned away), not a reason to abandon the leader (thesis §4.2.3).
  if (m.term > term_ && in_leader_lease(now))
    return reject();
  if (m.pre_vote) {
    // Would we vote? Nothing changes here: no term, no vote, no timer.
    bool grant = m.term > term_ && log_up_to_date(m.last_log_index, m.last_log_term);
    if (!grant)
      return reject();
    return send(m.candidate, vote_response{m.term, cfg_.id, true, true});
  }
  if (m.term > term_)
    become_follower(now, m.term, no_node);
  bool grant = m.term == term_ && (voted_for_ == no_node || voted_for_ == m.candidate)
               && log_up_to_date(m.last_log_index, m.last_log_term);
  if (!grant)
    return reject();
  voted_for_ = m.candidate;
  persist_hard_state(); // durable before the vote leaves (ready::sync)
  reset_election_timer(now);
  send(m.candidate, vote_response{term_, cfg_.id, true, false});
}

void node::on_vote_response(int64_t now, const vote_response& m) {
  if (m.pre_vote) {
    if (role_ != role::pre_candidate)
      return;
    if (m.granted && m.term == term_ + 1) {
      votes_[m.voter] = true;
      if (votes_.size() >= quorum())
        become_candidate(now);
    } else if (!m.granted && m.term > term_) {
      become_follower(now, m.term, no_node);
    }
    return;
  }
  if (m.term > term_)
    return become_follower(now, m.term, no_node);
  if (role_ != role::candidate || m.term != term_ || !m.granted)
    return;
  votes_[m.voter] = true;
  if (votes_.size() >= quorum())
    become_leader(now);
}

bool node::log_up_to_date(index_t last_index, term_t last_log_term) const {
  if (cfg_.unsafe_vote_ignoring_logs)
    return true;
  auto my_term = last_term();
  return last_log_term > my_term
         || (last_log_term == my_term && last_index >= store_.last_index());
}

bool node::in_leader_lease(int64_t now) const {
  if (!cfg_.check_quorum)
    return false;
  if (role_ == role::leader)
    return true; // check_quorum() makes it step down once it stops hearing from a majority
  return leader_ != no_node && last_leader_contact_ >= 0
         && now - last_leader_contact_ < cfg_.election_timeout_min_ms;
}

void node::check_quorum(int64_t now) {
  size_t active = 1;
  for (auto& [id, p] : peers_)
    if (p.last_ack >= 0 && now - p.last_ack < cfg_.election_timeout_min_ms)
      ++active;
  if (active < quorum())
    return become_follower(now, term_, no_node);
  quorum_check_deadline_ = now + cfg_.election_timeout_min_ms;
}

void node::reset_election_timer(int64_t now) {
  auto span = static_cast<uint64_t>(cfg_.election_timeout_max_ms - cfg_.election_timeout_min_ms);
  election_deadline_ = now + cfg_.election_timeout_min_ms
                       + static_cast<int64_t>(random_() % (span + 1));
}

void node::persist_hard_state() {
  store_.save_hard_state(hard_state{term_, voted_for_});
  out_.sync = true;
}

bool node::is_voter(node_id n) const {
  return std::find(cfg_.voters.begin(), cfg_.voters.end(), n) != cfg_.voters.end();
}

void node::send(node_id to, message m) {
  out_.messages.push_back(envelope{to, std::move(m)});
}

ready node::take_ready() {
  ready r = std::move(out_);
  out_ = ready{};
  return r;
}

} // namespace cafka::raft
