// Requests to an established group: SyncGroup, Heartbeat, LeaveGroup, offset checks,
// DescribeGroups, deletion, and the timers (Kafka 3.4 GroupCoordinator).
#include "actors/group_state.hpp"

#include <algorithm>

namespace cafka {

namespace {

sync_outcome sync_answer(errc ec) {
  sync_outcome out;
  out.reply.ec = ec;
  return out;
}

} // namespace

// ---- SyncGroup ------------------------------------------------------------------------------

sync_outcome group_state::sync(const sync_group_args& a, group_effects& fx) {
  if (phase_ == group_phase::dead)
    return sync_answer(errc::coordinator_not_available);
  if (fenced(a.group_instance_id, a.member_id))
    return sync_answer(errc::fenced_instance_id);
  auto* m = find_mut(a.member_id);
  if (m == nullptr)
    return sync_answer(errc::unknown_member_id);
  if (a.generation_id != generation_)
    return sync_answer(errc::illegal_generation);
  if ((!a.protocol_type.empty() && a.protocol_type != protocol_type_)
      || (!a.protocol_name.empty() && a.protocol_name != protocol_))
    return sync_answer(errc::inconsistent_group_protocol);
  switch (phase_) {
    case group_phase::preparing_rebalance:
      return sync_answer(errc::rebalance_in_progress);
    case group_phase::completing_rebalance: {
      m->awaiting_sync = true;
      pending_sync_.erase(m->member_id);
      if (m->member_id == leader_ && assignment_store_generation_ != generation_) {
        // Persist the leader's assignment first; members it forgot get an empty one.
        store_context ctx;
        ctx.kind = store_kind::assignment;
        ctx.generation = generation_;
        for (auto& x : members_)
          ctx.assignment[x.member_id];
        for (auto& as : a.assignments)
          if (ctx.assignment.count(as.member_id) > 0)
            ctx.assignment[as.member_id] = as.assignment;
        assignment_store_generation_ = generation_;
        auto g = snapshot(&ctx.assignment);
        store(std::move(ctx), g, fx);
      }
      sync_outcome out;
      out.parked = true;
      out.member_id = m->member_id;
      return out;
    }
    case group_phase::stable: {
      pending_sync_.erase(m->member_id);
      sync_outcome out;
      out.reply.protocol_type = protocol_type_;
      out.reply.protocol_name = protocol_;
      out.reply.assignment = m->assignment;
      arm_session(*m, fx);
      return out;
    }
    default:
      return sync_answer(errc::unknown_member_id);
  }
}

void group_state::propagate_assignment(errc ec, group_effects& fx) {
  for (auto& m : members_) {
    if (!m.awaiting_sync)
      continue;
    sync_group_reply r;
    r.ec = ec;
    if (ec == errc::none) {
      r.protocol_type = protocol_type_;
      r.protocol_name = protocol_;
      r.assignment = m.assignment;
    }
    fx.syncs.push_back({m.member_id, std::move(r)});
    m.awaiting_sync = false;
    // Its session timer may have lapsed while it waited: start a fresh one.
    arm_session(m, fx);
  }
}

void group_state::reset_and_propagate_assignment_error(errc ec, group_effects& fx) {
  for (auto& m : members_)
    m.assignment.clear();
  propagate_assignment(ec, fx);
}

// ---- Heartbeat, LeaveGroup ------------------------------------------------------------------

errc group_state::heartbeat(const heartbeat_args& a, group_effects& fx) {
  if (phase_ == group_phase::dead)
    return errc::coordinator_not_available;
  if (fenced(a.group_instance_id, a.member_id))
    return errc::fenced_instance_id;
  auto* m = find_mut(a.member_id);
  if (m == nullptr || phase_ == group_phase::empty)
    return errc::unknown_member_id;
  if (a.generation_id != generation_)
    return errc::illegal_generation;
  arm_session(*m, fx);
  // Preparing: this is how members learn that they must rejoin.
  return phase_ == group_phase::preparing_rebalance ? errc::rebalance_in_progress : errc::none;
}

leave_group_reply group_state::leave(const leave_group_args& a, group_effects& fx) {
  leave_group_reply reply;
  for (auto& who : a.members) {
    member_result res{who.member_id, who.group_instance_id, errc::none};
    if (phase_ == group_phase::dead) {
      res.ec = errc::coordinator_not_available;
    } else if (who.member_id.empty()) {
      // Administrative removal of a static member by instance id.
      if (auto* m = static_member(who.group_instance_id))
        remove_member_and_update(std::string{m->member_id}, fx);
      else
        res.ec = errc::unknown_member_id;
    } else if (pending_.count(who.member_id) > 0) {
      pending_.erase(who.member_id);
      try_complete_join(fx);
    } else if (fenced(who.group_instance_id, who.member_id)) {
      res.ec = errc::fenced_instance_id;
    } else if (find(who.member_id) == nullptr) {
      res.ec = errc::unknown_member_id;
    } else {
      remove_member_and_update(who.member_id, fx);
    }
    reply.members.push_back(std::move(res));
  }
  return reply;
}

// ---- offsets --------------------------------------------------------------------------------

errc group_state::validate_commit(const offset_commit_args& a, group_effects& fx) {
  if (phase_ == group_phase::dead)
    return errc::coordinator_not_available;
  bool member_commit = a.generation_id >= 0 || !a.member_id.empty()
                       || !a.group_instance_id.empty();
  if (!member_commit)
    // Simple (non-member) commits are only for groups without members.
    return phase_ == group_phase::empty ? errc::none : errc::unknown_member_id;
  // A group that never existed has no generation to commit for (Kafka: ILLEGAL_GENERATION).
  bool fresh = !restored_ && generation_ == 0 && members_.empty() && protocol_type_.empty();
  if (fresh && a.generation_id >= 0)
    return errc::illegal_generation;
  if (fenced(a.group_instance_id, a.member_id))
    return errc::fenced_instance_id;
  auto* m = find_mut(a.member_id);
  if (m == nullptr)
    return errc::unknown_member_id;
  if (a.generation_id != generation_)
    return errc::illegal_generation;
  if (phase_ == group_phase::completing_rebalance)
    // Valid generation but no assignment yet: the member will retry after SyncGroup.
    return errc::rebalance_in_progress;
  arm_session(*m, fx); // a commit proves liveness like a heartbeat
  return errc::none;
}

errc group_state::validate_offset_delete() const {
  switch (phase_) {
    case group_phase::dead:
      return errc::group_id_not_found;
    case group_phase::empty:
      return errc::none;
    default:
      return protocol_type_ == "consumer" ? errc::none : errc::non_empty_group;
  }
}

bool group_state::subscribed_to(const std::string& topic) const {
  if (phase_ == group_phase::empty || phase_ == group_phase::dead)
    return false;
  return !subscribed_ || subscribed_->count(topic) > 0;
}

// ---- DescribeGroups, DeleteGroups -------------------------------------------------------------

group_description group_state::describe() const {
  group_description d;
  d.group_id = group_id_;
  d.state = to_string(phase_);
  d.protocol_type = protocol_type_;
  // As Kafka: protocol, metadata and assignments only once the group is Stable.
  bool stable = phase_ == group_phase::stable;
  if (stable)
    d.protocol = protocol_;
  for (auto& m : members_) {
    group_member_description md;
    md.member_id = m.member_id;
    md.group_instance_id = m.group_instance_id;
    md.client_id = m.client_id;
    md.client_host = m.client_host;
    if (stable) {
      if (auto* meta = m.metadata_for(protocol_))
        md.metadata = *meta;
      md.assignment = m.assignment;
    }
    d.members.push_back(std::move(md));
  }
  return d;
}

errc group_state::begin_delete() {
  switch (phase_) {
    case group_phase::dead:
      return errc::group_id_not_found;
    case group_phase::empty:
      phase_ = group_phase::dead;
      return errc::none;
    default:
      return errc::non_empty_group;
  }
}

void group_state::abort_delete() {
  if (phase_ == group_phase::dead)
    phase_ = group_phase::empty;
}

// ---- timers and stores ------------------------------------------------------------------------

void group_state::on_timer(timer_kind kind, const std::string& member_id, uint64_t seq,
                           group_effects& fx) {
  switch (kind) {
    case timer_kind::session: {
      auto* m = find_mut(member_id);
      if (m == nullptr || m->session_seq != seq || phase_ == group_phase::dead)
        return;
      // A member with a parked JoinGroup/SyncGroup is alive by definition; the rebalance and
      // pending-sync timeouts bound that wait.
      if (m->awaiting_join || m->awaiting_sync)
        arm_session(*m, fx);
      else
        remove_member_and_update(member_id, fx);
      return;
    }
    case timer_kind::pending_member: {
      auto i = pending_.find(member_id);
      if (i == pending_.end() || i->second != seq)
        return;
      pending_.erase(i);
      try_complete_join(fx);
      return;
    }
    case timer_kind::join:
      on_join_timer(seq, fx);
      return;
    case timer_kind::sync:
      on_sync_timer(seq, fx);
      return;
  }
}

// Members that got their JoinGroup response but never sent SyncGroup are gone.
void group_state::on_sync_timer(uint64_t seq, group_effects& fx) {
  if (seq != sync_seq_ || pending_sync_.empty()
      || (phase_ != group_phase::completing_rebalance && phase_ != group_phase::stable))
    return;
  auto gone = pending_sync_;
  for (auto& id : gone)
    remove_member(id, fx);
  prepare_rebalance(fx);
}

} // namespace cafka
