// Persistence of the group state machine: loading the last GroupMetadataValue, snapshots for
// the shard, and finishing the operations that waited for a store (the leader's assignment, a
// static member's takeover).
#include "actors/group_state.hpp"

#include <algorithm>

namespace cafka {

errc coordinator_store_error(errc ec) {
  switch (ec) {
    case errc::unknown_topic_or_partition:
    case errc::not_enough_replicas:
    case errc::request_timed_out:
      return errc::coordinator_not_available;
    case errc::not_leader_or_follower:
    case errc::storage_error:
      return errc::not_coordinator;
    case errc::record_too_large:
      return errc::unknown;
    default:
      return ec;
  }
}

// ---- restore --------------------------------------------------------------------------------

void group_state::restore(const stored_group& g, group_effects& fx) {
  restored_ = true;
  protocol_type_ = g.protocol_type;
  generation_ = g.generation;
  protocol_ = g.protocol;
  members_.clear();
  for (auto& s : g.members) {
    group_member m;
    m.member_id = s.member_id;
    m.group_instance_id = s.group_instance_id;
    m.client_id = s.client_id;
    m.client_host = s.client_host;
    m.rebalance_timeout_ms = s.rebalance_timeout_ms;
    m.session_timeout_ms = s.session_timeout_ms;
    if (!g.protocol.empty())
      m.protocols.push_back({g.protocol, s.subscription});
    m.assignment = s.assignment;
    members_.push_back(std::move(m));
  }
  leader_ = find(g.leader) ? g.leader : (members_.empty() ? "" : members_.front().member_id);
  phase_ = members_.empty() ? group_phase::empty : group_phase::stable;
  if (members_.empty())
    protocol_.clear();
  compute_subscriptions();
  for (auto& m : members_)
    arm_session(m, fx);
}


stored_group
group_state::snapshot(const std::map<std::string, std::vector<char>>* assignment) const {
  stored_group g;
  g.group_id = group_id_;
  g.protocol_type = protocol_type_;
  g.generation = generation_;
  g.protocol = protocol_;
  g.leader = leader_;
  for (auto& m : members_) {
    stored_member s;
    s.member_id = m.member_id;
    s.group_instance_id = m.group_instance_id;
    s.client_id = m.client_id;
    s.client_host = m.client_host;
    s.rebalance_timeout_ms = m.rebalance_timeout_ms;
    s.session_timeout_ms = m.session_timeout_ms;
    if (auto* md = m.metadata_for(protocol_))
      s.subscription = *md;
    if (assignment) {
      auto i = assignment->find(m.member_id);
      if (i != assignment->end())
        s.assignment = i->second;
    } else {
      s.assignment = m.assignment;
    }
    g.members.push_back(std::move(s));
  }
  return g;
}

void group_state::store(store_context ctx, const stored_group& g, group_effects& fx) {
  auto token = ++next_seq_;
  stores_.emplace(token, std::move(ctx));
  fx.stores.push_back({token, g});
}

void group_state::on_stored(uint64_t token, errc ec, group_effects& fx) {
  auto i = stores_.find(token);
  if (i == stores_.end())
    return;
  auto ctx = std::move(i->second);
  stores_.erase(i);
  switch (ctx.kind) {
    case store_kind::empty_group:
      // Nothing waits for it: with no members, a lost write only revives an old generation
      // whose members are gone (Kafka just warns).
      return;
    case store_kind::assignment:
      if (ctx.generation == generation_)
        assignment_store_generation_ = -1;
      // Another join may have started a new rebalance meanwhile: then this write is moot.
      if (phase_ != group_phase::completing_rebalance || ctx.generation != generation_)
        return;
      if (ec != errc::none) {
        reset_and_propagate_assignment_error(coordinator_store_error(ec), fx);
        maybe_prepare_rebalance(fx);
        return;
      }
      for (auto& m : members_)
        m.assignment = ctx.assignment[m.member_id];
      propagate_assignment(errc::none, fx);
      phase_ = group_phase::stable;
      return;
    case store_kind::static_replace:
      on_static_replace_stored(ctx, ec, fx);
      return;
  }
}

void group_state::on_static_replace_stored(const store_context& ctx, errc ec,
                                           group_effects& fx) {
  auto* m = find_mut(ctx.new_id);
  // If a rebalance started meanwhile, the parked join is answered by that rebalance.
  if (m == nullptr || !m->awaiting_join || phase_ != group_phase::stable
      || generation_ != ctx.generation)
    return;
  m->awaiting_join = false;
  join_group_reply r;
  r.generation_id = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_;
  // The old leader id on purpose: a restarted static leader must not think it leads (it would
  // compute an assignment a Stable group never distributes).
  r.leader = ctx.old_leader;
  if (ec != errc::none) {
    // Not durable: the old member id stays the valid one.
    r.ec = coordinator_store_error(ec);
    m->protocols = ctx.old_protocols;
    m->rebalance_timeout_ms = ctx.old_rebalance_timeout_ms;
    m->session_timeout_ms = ctx.old_session_timeout_ms;
    fx.joins.push_back({ctx.new_id, std::move(r)});
    auto& old = replace_static_member(ctx.new_id, ctx.old_id, fx);
    arm_session(old, fx);
    return;
  }
  r.member_id = ctx.new_id;
  fx.joins.push_back({ctx.new_id, std::move(r)});
}

} // namespace cafka
