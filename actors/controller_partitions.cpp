// AlterPartition on the active controller (KRaft's ReplicationControlManager rules): a
// partition leader changes its ISR. Checked in Kafka's order -- the broker's current epoch
// (stale_broker_epoch), the partition (unknown_topic_or_partition), the leader epoch
// (fenced_leader_epoch), that the sender leads (invalid_request), the partition epoch
// (invalid_update_version), the new ISR (contains the leader, distinct replicas: invalid_request;
// every added member unfenced and not shutting down: ineligible_replica). Commits one
// partition_change and answers the new state.
#include "actors/controller_ops.hpp"

#include "actors/logging.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace cafka::controller_ops {

namespace {

constexpr const char* component = "controller";

bool contains(const std::vector<int32_t>& xs, int32_t x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

alter_partition_reply refused(errc ec) {
  alter_partition_reply r;
  r.ec = ec;
  return r;
}

alter_partition_reply state_of(const cluster::partition_info& p) {
  return {errc::none, p.leader, p.leader_epoch, p.partition_epoch, p.isr};
}

// The first reason the new ISR is refused (none: acceptable).
errc check_new_isr(const controller_state& st, const cluster::partition_info& p,
                   const std::vector<int32_t>& isr) {
  auto sorted = isr;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return errc::invalid_request;
  if (!contains(isr, p.leader))
    return errc::invalid_request;
  for (auto b : isr)
    if (!contains(p.replicas, b))
      return errc::invalid_request;
  for (auto b : isr)
    if (!contains(p.isr, b) && (!st.projected.is_live(b) || st.shutting_down.count(b)))
      return errc::ineligible_replica;
  return errc::none;
}

} // namespace

void serve_alter_partition(self_ptr self, const alter_partition_args& args,
                           caf::typed_response_promise<alter_partition_reply> rp) {
  auto& st = self->state;
  auto refuse = [&](errc ec) { rp.deliver(refused(ec)); };
  if (!st.active)
    return refuse(errc::not_controller);
  auto b = st.projected.broker(args.broker_id);
  if (!b || b->epoch != args.broker_epoch)
    return refuse(errc::stale_broker_epoch);
  auto p = st.projected.partition(args.topic, args.partition);
  if (!p)
    return refuse(errc::unknown_topic_or_partition);
  if (args.leader_epoch != p->leader_epoch)
    return refuse(errc::fenced_leader_epoch);
  if (args.broker_id != p->leader)
    return refuse(errc::invalid_request);
  if (args.partition_epoch != p->partition_epoch)
    return refuse(errc::invalid_update_version);
  if (auto ec = check_new_isr(st, *p, args.new_isr); ec != errc::none)
    return refuse(ec);
  if (args.new_isr == p->isr) { // nothing to change
    rp.deliver(state_of(*p));
    return;
  }
  auto name = args.topic + "-" + std::to_string(args.partition);
  propose_records(self, {cluster::partition_change{args.topic, args.partition, std::nullopt,
                                                   args.new_isr}},
                  [self, rp, topic = args.topic, partition = args.partition,
                   name](const propose_reply& r) mutable {
                    auto now = self->state.metadata.partition(topic, partition);
                    if (r.ec != errc::none || !now) { // !now: deleted meanwhile
                      rp.deliver(refused(r.ec != errc::none ? r.ec
                                                            : errc::unknown_topic_or_partition));
                      return;
                    }
                    CAFKA_DEBUG(component, who(self->state) << ": ISR of " << name << " now has "
                                                            << now->isr.size() << " members");
                    rp.deliver(state_of(*now));
                  });
}

} // namespace cafka::controller_ops
