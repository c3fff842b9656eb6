// The rebalance half of the group state machine: removing members, preparing a rebalance (with
// Kafka's initial delay for starting groups), completing the join phase with a new generation,
// and the session timers (Kafka 3.4 prepareRebalance / onCompleteJoin / InitialDelayedJoin).
#include "actors/group_state.hpp"

#include "actors/group_subscriptions.hpp"

#include <algorithm>

namespace cafka {

// ---- rebalance --------------------------------------------------------------------------------

void group_state::remove_member(const std::string& member_id, group_effects& fx) {
  pending_.erase(member_id);
  pending_sync_.erase(member_id);
  auto i = std::find_if(members_.begin(), members_.end(),
                        [&](const group_member& m) { return m.member_id == member_id; });
  if (i == members_.end())
    return;
  // Parked requests of a removed member must not hang until the client's timeout.
  if (i->awaiting_join)
    fx.joins.push_back({member_id, join_error(errc::unknown_member_id, "")});
  if (i->awaiting_sync) {
    sync_group_reply r;
    r.ec = errc::unknown_member_id;
    fx.syncs.push_back({member_id, std::move(r)});
  }
  members_.erase(i);
  if (leader_ == member_id)
    leader_ = members_.empty() ? std::string{} : members_.front().member_id;
}

void group_state::remove_member_and_update(const std::string& member_id, group_effects& fx) {
  remove_member(member_id, fx);
  switch (phase_) {
    case group_phase::stable:
    case group_phase::completing_rebalance:
      maybe_prepare_rebalance(fx);
      break;
    case group_phase::preparing_rebalance:
      try_complete_join(fx);
      break;
    default:
      break;
  }
}

void group_state::maybe_prepare_rebalance(group_effects& fx) {
  if (phase_ == group_phase::stable || phase_ == group_phase::completing_rebalance
      || phase_ == group_phase::empty)
    prepare_rebalance(fx);
}

void group_state::prepare_rebalance(group_effects& fx) {
  // Syncs waiting for the leader's assignment will never get one: they must rejoin.
  if (phase_ == group_phase::completing_rebalance)
    reset_and_propagate_assignment_error(errc::rebalance_in_progress, fx);
  ++sync_seq_; // the pending-sync timer of the old generation no longer matters
  pending_sync_.clear();
  bool from_empty = phase_ == group_phase::empty;
  phase_ = group_phase::preparing_rebalance;
  join_op_ = {};
  join_op_.active = true;
  if (from_empty && settings_.initial_rebalance_delay_ms > 0) {
    // InitialDelayedJoin: wait for more members of a starting group, up to the rebalance timeout.
    join_op_.initial = true;
    join_op_.configured_ms = settings_.initial_rebalance_delay_ms;
    join_op_.delay_ms = settings_.initial_rebalance_delay_ms;
    join_op_.remaining_ms = std::max(rebalance_timeout_ms() - join_op_.configured_ms, 0);
    new_member_added_ = false;
    arm_join_timer(join_op_.delay_ms, fx);
  } else {
    arm_join_timer(rebalance_timeout_ms(), fx);
    try_complete_join(fx);
  }
}

void group_state::arm_join_timer(int32_t delay_ms, group_effects& fx) {
  join_op_.seq = ++next_seq_;
  fx.timers.push_back({timer_kind::join, {}, join_op_.seq, delay_ms});
}

void group_state::try_complete_join(group_effects& fx) {
  if (phase_ == group_phase::preparing_rebalance && join_op_.active && !join_op_.initial
      && all_joined())
    complete_join(fx);
}

void group_state::on_join_timer(uint64_t seq, group_effects& fx) {
  if (!join_op_.active || seq != join_op_.seq || phase_ != group_phase::preparing_rebalance)
    return;
  if (join_op_.initial && new_member_added_ && join_op_.remaining_ms != 0) {
    new_member_added_ = false;
    auto delay = std::min(join_op_.configured_ms, join_op_.remaining_ms);
    join_op_.remaining_ms = std::max(join_op_.remaining_ms - join_op_.delay_ms, 0);
    join_op_.delay_ms = delay;
    arm_join_timer(delay, fx);
    return;
  }
  complete_join(fx);
}

void group_state::complete_join(group_effects& fx) {
  join_op_.active = false;
  // Dynamic members that did not rejoin in time are gone; static ones keep their place until
  // their session expires (they may just be restarting).
  std::vector<std::string> gone;
  for (auto& m : members_)
    if (!m.awaiting_join && m.group_instance_id.empty())
      gone.push_back(m.member_id);
  for (auto& id : gone)
    remove_member(id, fx);
  // The leader must be a member that rejoined; if nobody did, wait another rebalance timeout
  // for the sessions of the silent static members to expire.
  auto* lead = find(leader_);
  if (lead != nullptr && !lead->awaiting_join) {
    auto i = std::find_if(members_.begin(), members_.end(),
                          [](const group_member& m) { return m.awaiting_join; });
    if (i == members_.end()) {
      join_op_.active = true;
      arm_join_timer(rebalance_timeout_ms(), fx);
      return;
    }
    leader_ = i->member_id;
  }
  init_next_generation();
  if (phase_ == group_phase::empty) {
    store_context ctx;
    ctx.kind = store_kind::empty_group;
    ctx.generation = generation_;
    store(std::move(ctx), snapshot(nullptr), fx);
    return;
  }
  for (auto& m : members_) {
    if (m.awaiting_join) {
      fx.joins.push_back({m.member_id, join_reply_for(m, m.member_id == leader_)});
      m.awaiting_join = false;
    }
    arm_session(m, fx);
    pending_sync_.insert(m.member_id);
  }
  // Members that never send SyncGroup are removed after the rebalance timeout (DelayedSync).
  sync_seq_ = ++next_seq_;
  fx.timers.push_back({timer_kind::sync, {}, sync_seq_, rebalance_timeout_ms()});
}

void group_state::init_next_generation() {
  ++generation_;
  assignment_store_generation_ = -1;
  if (members_.empty()) {
    protocol_.clear();
    phase_ = group_phase::empty;
  } else {
    protocol_ = select_protocol();
    phase_ = group_phase::completing_rebalance;
  }
  compute_subscriptions();
}

// OffsetDelete must refuse topics a consumer group still subscribes to.
void group_state::compute_subscriptions() {
  subscribed_.reset();
  if (protocol_type_ != "consumer")
    return;
  std::set<std::string> topics;
  for (auto& m : members_) {
    auto* md = m.metadata_for(protocol_);
    if (md == nullptr)
      return;
    auto sub = consumer_subscription_topics(*md);
    if (!sub)
      return; // unparseable: treat every topic as subscribed
    topics.insert(sub->begin(), sub->end());
  }
  subscribed_ = std::move(topics);
}

void group_state::arm_session(group_member& m, group_effects& fx) {
  m.session_seq = ++next_seq_;
  fx.timers.push_back({timer_kind::session, m.member_id, m.session_seq, m.session_timeout_ms});
}

} // namespace cafka
