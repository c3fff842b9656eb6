// JoinGroup in the group state machine: admission (session timeout, group.max.size, protocols),
// new, pending, current and static members (Kafka 3.4 GroupCoordinator.handleJoinGroup).
// Rebalance mechanics: group_rebalance.cpp; SyncGroup, heartbeats, leaves, offsets, timers:
// group_state_ops.cpp; persistence: group_persist.cpp.
#include "actors/group_state.hpp"

#include <algorithm>

namespace cafka {

join_group_reply join_error(errc ec, std::string member_id) {
  join_group_reply r;
  r.ec = ec;
  r.member_id = std::move(member_id);
  return r;
}

namespace {

join_outcome answer(join_group_reply r) {
  join_outcome out;
  out.reply = std::move(r);
  return out;
}

join_outcome parked(const std::string& member_id) {
  join_outcome out;
  out.parked = true;
  out.member_id = member_id;
  return out;
}

// Kafka's MemberMetadata.matches: same protocols, same order, same metadata.
bool same_protocols(const std::vector<group_protocol>& a, const std::vector<group_protocol>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const group_protocol& x, const group_protocol& y) {
                      return x.name == y.name && x.metadata == y.metadata;
                    });
}

} // namespace

const char* to_string(group_phase p) {
  switch (p) {
    case group_phase::empty:
      return "Empty";
    case group_phase::preparing_rebalance:
      return "PreparingRebalance";
    case group_phase::completing_rebalance:
      return "CompletingRebalance";
    case group_phase::stable:
      return "Stable";
    case group_phase::dead:
      return "Dead";
  }
  return "Dead";
}

const std::vector<char>* group_member::metadata_for(const std::string& protocol) const {
  for (auto& p : protocols)
    if (p.name == protocol)
      return &p.metadata;
  return nullptr;
}

group_state::group_state(std::string group_id, group_settings settings, id_generator make_id)
  : group_id_(std::move(group_id)), settings_(settings), make_id_(std::move(make_id)) {
}

// ---- lookups --------------------------------------------------------------------------------

const group_member* group_state::find(const std::string& member_id) const {
  for (auto& m : members_)
    if (m.member_id == member_id)
      return &m;
  return nullptr;
}

group_member* group_state::find_mut(const std::string& member_id) {
  return const_cast<group_member*>(find(member_id));
}

const group_member* group_state::static_member(const std::string& instance_id) const {
  if (instance_id.empty())
    return nullptr;
  for (auto& m : members_)
    if (m.group_instance_id == instance_id)
      return &m;
  return nullptr;
}

// A request naming a known instance id with another member id comes from a replaced (zombie)
// instance.
bool group_state::fenced(const std::string& instance_id, const std::string& member_id) const {
  auto* m = static_member(instance_id);
  return m != nullptr && m->member_id != member_id;
}

// group.max.size, as Kafka's acceptJoiningMember: while preparing, only members that already
// rejoined count (the others may still drop out).
bool group_state::accept_joining_member(const std::string& member_id) const {
  auto max = static_cast<size_t>(std::max(settings_.max_size, 0));
  auto* m = member_id.empty() ? nullptr : find(member_id);
  switch (phase_) {
    case group_phase::empty:
    case group_phase::dead:
      return true;
    case group_phase::preparing_rebalance: {
      auto awaiting = std::count_if(members_.begin(), members_.end(),
                                    [](const group_member& x) { return x.awaiting_join; });
      return (m != nullptr && m->awaiting_join) || static_cast<size_t>(awaiting) < max;
    }
    default:
      return m != nullptr || members_.size() < max;
  }
}

// A joiner is compatible when its protocol type matches and at least one of its protocols is
// supported by every other member (`excluding`: the joiner's own current entry).
bool group_state::supports_protocols(const std::string& type,
                                     const std::vector<group_protocol>& protocols,
                                     const group_member* excluding) const {
  if (type.empty() || protocols.empty())
    return false;
  if (phase_ == group_phase::empty)
    return true;
  if (type != protocol_type_)
    return false;
  for (auto& p : protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const group_member& m) {
      return &m == excluding || m.metadata_for(p.name) != nullptr;
    });
    if (everyone)
      return true;
  }
  return false;
}

int32_t group_state::rebalance_timeout_ms() const {
  int32_t result = 0;
  for (auto& m : members_)
    result = std::max(result, m.rebalance_timeout_ms);
  return result;
}

bool group_state::all_joined() const {
  return pending_.empty() && std::all_of(members_.begin(), members_.end(),
                                         [](const group_member& m) { return m.awaiting_join; });
}

// Each member votes for its most preferred protocol that all members support; most votes
// wins (ties: the first member's preference order, to stay deterministic).
std::string group_state::select_protocol() const {
  if (members_.empty())
    return {};
  std::vector<std::string> candidates;
  for (auto& p : members_.front().protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const group_member& m) {
      return m.metadata_for(p.name) != nullptr;
    });
    if (everyone)
      candidates.push_back(p.name);
  }
  std::map<std::string, size_t> votes;
  for (auto& m : members_)
    for (auto& p : m.protocols)
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        ++votes[p.name];
        break;
      }
  std::string best;
  size_t best_votes = 0;
  for (auto& name : candidates)
    if (votes[name] > best_votes) {
      best = name;
      best_votes = votes[name];
    }
  return best;
}

join_group_reply group_state::join_reply_for(const group_member& m, bool with_members) const {
  join_group_reply r;
  r.generation_id = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_;
  r.leader = leader_;
  r.member_id = m.member_id;
  if (with_members)
    for (auto& x : members_) {
      auto* md = x.metadata_for(protocol_);
      r.members.push_back({x.member_id, x.group_instance_id, md ? *md : std::vector<char>{}});
    }
  return r;
}

// ---- JoinGroup ------------------------------------------------------------------------------

join_outcome group_state::join(const join_group_args& a, group_effects& fx) {
  if (a.session_timeout_ms < settings_.min_session_timeout_ms
      || a.session_timeout_ms > settings_.max_session_timeout_ms)
    return answer(join_error(errc::invalid_session_timeout, a.member_id));
  if (phase_ == group_phase::dead)
    return answer(join_error(errc::coordinator_not_available, a.member_id));
  if (!accept_joining_member(a.member_id)) {
    // A known member that cannot stay is dropped, as in Kafka.
    remove_member(a.member_id, fx);
    try_complete_join(fx);
    return answer(join_error(errc::group_max_size_reached, ""));
  }
  auto out = a.member_id.empty() ? join_new(a, fx) : join_current(a, fx);
  try_complete_join(fx);
  return out;
}

join_outcome group_state::join_new(const join_group_args& a, group_effects& fx) {
  if (!supports_protocols(a.protocol_type, a.protocols, nullptr))
    return answer(join_error(errc::inconsistent_group_protocol, ""));
  auto id = make_id_(a.group_instance_id.empty() ? a.client_id : a.group_instance_id);
  if (!a.group_instance_id.empty()) {
    if (auto* old = static_member(a.group_instance_id))
      return update_static_member(old->member_id, id, a, fx);
    return add_member_and_rebalance(id, a, fx);
  }
  if (a.require_known_member_id) {
    // The client must come back with this id; until then it holds up rebalances like a member
    // and expires after its session timeout.
    auto seq = ++next_seq_;
    pending_[id] = seq;
    fx.timers.push_back({timer_kind::pending_member, id, seq, a.session_timeout_ms});
    return answer(join_error(errc::member_id_required, id));
  }
  return add_member_and_rebalance(id, a, fx);
}

join_outcome group_state::join_current(const join_group_args& a, group_effects& fx) {
  auto* m = find_mut(a.member_id);
  if (!supports_protocols(a.protocol_type, a.protocols, m))
    return answer(join_error(errc::inconsistent_group_protocol, a.member_id));
  if (pending_.count(a.member_id) > 0) {
    // Pending ids are handed to dynamic members only.
    if (!a.group_instance_id.empty())
      return answer(join_error(errc::unknown_member_id, ""));
    return add_member_and_rebalance(a.member_id, a, fx);
  }
  if (fenced(a.group_instance_id, a.member_id))
    return answer(join_error(errc::fenced_instance_id, a.member_id));
  bool unknown_instance = !a.group_instance_id.empty() && !static_member(a.group_instance_id);
  if (m == nullptr || unknown_instance)
    return answer(join_error(errc::unknown_member_id, ""));
  switch (phase_) {
    case group_phase::preparing_rebalance:
      return update_member_and_rebalance(*m, a, fx);
    case group_phase::completing_rebalance:
      // Same metadata: it probably missed the JoinGroup response; answer it again.
      if (same_protocols(m->protocols, a.protocols))
        return answer(join_reply_for(*m, m->member_id == leader_));
      return update_member_and_rebalance(*m, a, fx);
    case group_phase::stable:
      // The leader rejoins to trigger a rebalance (e.g. topic metadata changed); followers
      // with unchanged metadata just get the current generation back.
      if (m->member_id == leader_ || !same_protocols(m->protocols, a.protocols))
        return update_member_and_rebalance(*m, a, fx);
      return answer(join_reply_for(*m, false));
    default:
      return answer(join_error(errc::unknown_member_id, ""));
  }
}

join_outcome group_state::add_member_and_rebalance(const std::string& id,
                                                   const join_group_args& a,
                                                   group_effects& fx) {
  group_member m;
  m.member_id = id;
  m.group_instance_id = a.group_instance_id;
  m.client_id = a.client_id;
  m.client_host = a.client_host;
  m.session_timeout_ms = a.session_timeout_ms;
  m.rebalance_timeout_ms = a.rebalance_timeout_ms < 0 ? a.session_timeout_ms
                                                      : a.rebalance_timeout_ms;
  m.protocols = a.protocols;
  m.awaiting_join = true;
  // Only a first generation's initial delay stretches for newcomers (Kafka's newMemberAdded).
  if (phase_ == group_phase::preparing_rebalance && generation_ == 0)
    new_member_added_ = true;
  if (members_.empty())
    protocol_type_ = a.protocol_type;
  if (leader_.empty())
    leader_ = id;
  pending_.erase(id);
  members_.push_back(std::move(m));
  maybe_prepare_rebalance(fx);
  return parked(id);
}

join_outcome group_state::update_member_and_rebalance(group_member& m, const join_group_args& a,
                                                      group_effects& fx) {
  m.protocols = a.protocols;
  m.awaiting_join = true;
  auto id = m.member_id;
  maybe_prepare_rebalance(fx);
  return parked(id);
}

group_member& group_state::replace_static_member(std::string old_id, std::string new_id,
                                                 group_effects& fx) {
  auto* m = find_mut(old_id);
  // Whoever still waits under the old id is a zombie of this instance: fence it now.
  if (m->awaiting_join)
    fx.joins.push_back({old_id, join_error(errc::fenced_instance_id, old_id)});
  if (m->awaiting_sync) {
    sync_group_reply r;
    r.ec = errc::fenced_instance_id;
    fx.syncs.push_back({old_id, std::move(r)});
  }
  m->awaiting_join = false;
  m->awaiting_sync = false;
  m->member_id = new_id;
  if (leader_ == old_id)
    leader_ = new_id;
  if (pending_sync_.erase(old_id) > 0)
    pending_sync_.insert(new_id);
  return *m;
}

// A known static instance restarted (empty member id): it takes over its old entry under a new
// member id. In Stable that needs no rebalance when the chosen protocol stays — only the new id
// is persisted and the member gets the current generation (its assignment via SyncGroup).
join_outcome group_state::update_static_member(std::string old_id, std::string new_id,
                                               const join_group_args& a, group_effects& fx) {
  store_context ctx;
  ctx.kind = store_kind::static_replace;
  ctx.generation = generation_;
  ctx.old_id = old_id;
  ctx.new_id = new_id;
  ctx.old_leader = leader_;
  auto& m = replace_static_member(old_id, new_id, fx);
  arm_session(m, fx);
  ctx.old_protocols = m.protocols;
  ctx.old_rebalance_timeout_ms = m.rebalance_timeout_ms;
  ctx.old_session_timeout_ms = m.session_timeout_ms;
  m.protocols = a.protocols;
  m.session_timeout_ms = a.session_timeout_ms;
  m.rebalance_timeout_ms = a.rebalance_timeout_ms < 0 ? a.session_timeout_ms
                                                      : a.rebalance_timeout_ms;
  m.awaiting_join = true;
  switch (phase_) {
    case group_phase::stable:
      if (select_protocol() == protocol_)
        store(std::move(ctx), snapshot(nullptr), fx);
      else
        maybe_prepare_rebalance(fx);
      break;
    case group_phase::completing_rebalance:
      // The leader may already be assigning to the old id: start over.
      prepare_rebalance(fx);
      break;
    default:
      break; // preparing: it simply counts as rejoined
  }
  return parked(new_id);
}

} // namespace cafka
