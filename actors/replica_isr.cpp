// ISR changes on the leader (Kafka's Partition.maybeShrinkIsr / maybeExpandIsr): proposed to the
// controller through the alter_partition_actor, one request in flight, applied only from its
// reply. While an addition is in flight the new member already counts for the high watermark
// (KIP-497's maximal ISR), so the HW never depends on a member the controller has not seen.
#include "actors/cluster_records.hpp"
#include "actors/logging.hpp"
#include "actors/replica_internal.hpp"

#include <algorithm>

namespace cafka::replica {

namespace {

using cluster::ids;

int64_t lag_ms(const replica_state& st) {
  return std::max<int64_t>(st.info.replica_lag_time_max_ms, 1);
}

void propose_isr(self_ptr self, std::vector<int32_t> new_isr) {
  auto& st = self->state;
  alter_partition_args args;
  args.broker_id = st.info.node_id;
  args.topic = st.info.topic;
  args.partition = st.info.partition;
  args.leader_epoch = st.part.leader_epoch;
  args.partition_epoch = st.part.partition_epoch;
  args.new_isr = new_isr;
  st.lead.alter_in_flight = true;
  st.lead.pending_isr = std::move(new_isr);
  auto gen = st.generation;
  auto retry_later = [self](const std::string& why) {
    auto& st = self->state;
    st.lead.alter_in_flight = false;
    st.lead.pending_isr.clear();
    st.lead.alter_retry_at_ms = now_ms(self) + std::max(st.info.replica_fetch_backoff_ms, 1);
    CAFKA_WARN(component, st.label << ": ISR change failed: " << why);
    leader_progress(self); // the maximal ISR shrank back
  };
  self->request(st.info.alter_partition, alter_partition_timeout, alter_partition_atom::value,
                std::move(args))
    .then(
      [self, gen, retry_later](alter_partition_reply& r) {
        auto& st = self->state;
        if (st.generation != gen || st.role != replica_role::leader)
          return;
        if (r.ec != errc::none) {
          // fenced_leader_epoch / invalid_update_version: a newer state is on its way (become).
          retry_later(std::string{to_string(r.ec)});
          return;
        }
        st.lead.alter_in_flight = false;
        st.lead.pending_isr.clear();
        if (r.leader_epoch != st.part.leader_epoch
            || r.partition_epoch < st.part.partition_epoch) {
          leader_progress(self);
          return; // already superseded by a become
        }
        CAFKA_INFO(component, st.label << ": ISR " << ids(st.part.isr) << " -> " << ids(r.isr)
                                       << " (partition epoch " << r.partition_epoch << ")");
        st.part.isr = std::move(r.isr);
        st.part.partition_epoch = r.partition_epoch;
        leader_progress(self);
      },
      [self, gen, retry_later](caf::error& err) {
        if (self->state.generation != gen || self->state.role != replica_role::leader)
          return;
        retry_later(to_string(err));
      });
}

bool may_propose(self_ptr self) {
  auto& st = self->state;
  return st.role == replica_role::leader && st.info.alter_partition && !st.lead.alter_in_flight
         && now_ms(self) >= st.lead.alter_retry_at_ms;
}

} // namespace

std::vector<int32_t> maximal_isr(const replica_state& st) {
  auto result = st.part.isr;
  if (st.lead.alter_in_flight)
    for (auto id : st.lead.pending_isr)
      if (!in(result, id))
        result.push_back(id);
  return result;
}

void maybe_expand_isr(self_ptr self, const follower_progress& f) {
  auto& st = self->state;
  if (!may_propose(self) || in(st.part.isr, f.id) || !in(st.part.replicas, f.id))
    return;
  // Kafka: caught up to the HW, holding everything of this leader's epoch so far, recently.
  bool in_sync = f.log_end_offset >= st.high_watermark
                 && f.log_end_offset >= st.lead.epoch_start_offset
                 && now_ms(self) - f.last_caught_up_ms <= lag_ms(st);
  if (!in_sync)
    return;
  auto next = st.part.isr;
  next.push_back(f.id);
  propose_isr(self, std::move(next));
}

void isr_tick(self_ptr self) {
  auto& st = self->state;
  if (st.role != replica_role::leader)
    return;
  arm_isr_timer(self);
  if (!may_propose(self))
    return;
  auto now = now_ms(self);
  std::vector<int32_t> next;
  for (auto id : st.part.isr) {
    if (id == st.info.node_id) {
      next.push_back(id);
      continue;
    }
    auto f = std::find_if(st.lead.followers.begin(), st.lead.followers.end(),
                          [id](const follower_progress& p) { return p.id == id; });
    // Kafka's isCaughtUp: at the leader's log end, or caught up within the lag time.
    bool keep = f != st.lead.followers.end()
                && (f->log_end_offset == st.log_end_offset
                    || now - f->last_caught_up_ms <= lag_ms(st));
    if (keep)
      next.push_back(id);
  }
  if (next.size() != st.part.isr.size())
    propose_isr(self, std::move(next));
}

void arm_isr_timer(self_ptr self) {
  auto& st = self->state;
  if (!st.info.alter_partition || st.part.replicas.size() <= 1)
    return;
  // Kafka checks every replica.lag.time.max.ms / 2.
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(lag_ms(st) / 2, 1)),
                     isr_tick_atom::value, st.generation);
}

} // namespace cafka::replica
