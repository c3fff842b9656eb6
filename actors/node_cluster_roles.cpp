// Cluster mode: telling each hosted replica its committed state (become) and finding the leader
// it follows. A follower needs the leader node's replica actor: peer directory → that node's
// gateway → replica_atom. Until that resolves the follower gets its state without a handle, and
// the lookup is retried every replica.fetch.backoff.ms while the leader stays the same. A
// resolved remote leader is monitored: when it goes away (its node died or restarted) the node
// resolves again.
#include "actors/node.hpp"

#include "actors/logging.hpp"
#include "actors/partition_replica.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace cafka {

namespace {

constexpr const char* component = "node";

// One lookup step may wait for a connect to the peer; it never waits longer than this.
constexpr auto resolve_timeout = std::chrono::seconds(5);

struct hosted_ref {
  cluster_partition* cp = nullptr;
  partition_actors* pa = nullptr;
};

hosted_ref find_hosted(node_self self, const std::string& topic, int32_t partition) {
  auto i = self->state.topics.find(topic);
  if (i == self->state.topics.end() || partition < 0
      || static_cast<size_t>(partition) >= i->second.cluster.size())
    return {};
  auto& entry = i->second;
  return {&entry.cluster[static_cast<size_t>(partition)],
          &entry.partitions[static_cast<size_t>(partition)]};
}

bool same_state(const partition_state& x, const partition_state& y) {
  return x.leader_id == y.leader_id && x.leader_epoch == y.leader_epoch
         && x.partition_epoch == y.partition_epoch && x.replicas == y.replicas && x.isr == y.isr
         && x.leader == y.leader;
}

void schedule_retry(node_self self, const std::string& topic, int32_t partition,
                    uint64_t generation) {
  auto backoff = std::chrono::milliseconds(self->state.cfg.replica_fetch_backoff_ms);
  self->delayed_send(self, backoff, resolve_retry_atom::value, topic, partition, generation);
}

void on_resolved(node_self self, const std::string& topic, int32_t partition, uint64_t generation,
                 caf::actor handle) {
  auto ref = find_hosted(self, topic, partition);
  if (ref.cp == nullptr || ref.cp->generation != generation)
    return; // the leader changed meanwhile (or the partition went away)
  if (!handle) {
    schedule_retry(self, topic, partition, generation); // stays `resolving` until the retry
    return;
  }
  ref.cp->resolving = false;
  ref.cp->leader = handle;
  self->monitor(handle);
  CAFKA_DEBUG(component, topic << "-" << partition << ": found the replica of leader "
                               << ref.cp->leader_for);
  update_partition_role(self, topic, partition);
}

void start_resolve(node_self self, const std::string& topic, int32_t partition) {
  auto ref = find_hosted(self, topic, partition);
  auto& cp = *ref.cp;
  cp.resolving = true;
  auto generation = cp.generation;
  auto leader = cp.leader_for;
  auto& peers = self->state.cluster.peers;
  if (!peers) {
    schedule_retry(self, topic, partition, generation); // no links yet
    return;
  }
  auto failed = [self, topic, partition, generation](const caf::error&) {
    on_resolved(self, topic, partition, generation, caf::actor{});
  };
  self->request(peers, resolve_timeout, gateway_atom::value, leader)
    .then(
      [self, topic, partition, generation, failed](node_gateway_actor& gateway) {
        if (!gateway) {
          failed(caf::error{});
          return;
        }
        self->request(gateway, resolve_timeout, replica_atom::value, topic, partition)
          .then(
            [self, topic, partition, generation](replica_lookup& r) {
              caf::actor handle;
              if (r.ec == errc::none)
                handle = caf::actor_cast<caf::actor>(r.replica);
              on_resolved(self, topic, partition, generation, std::move(handle));
            },
            failed);
      },
      failed);
}

} // namespace

void update_partition_role(node_self self, const std::string& topic, int32_t partition) {
  auto& st = self->state;
  auto* info = st.cluster.image.partition(topic, partition);
  auto ref = find_hosted(self, topic, partition);
  if (info == nullptr || ref.cp == nullptr || !*ref.pa)
    return;
  auto& cp = *ref.cp;
  const auto self_id = st.cfg.node_id;
  if (info->leader != cp.leader_for) {
    // A new leader: the old handle (and any lookup for it) is void.
    cp.leader_for = info->leader;
    cp.leader = info->leader == self_id ? caf::actor_cast<caf::actor>(ref.pa->replica)
                                        : caf::actor{};
    cp.generation = st.cluster.next_generation++;
    cp.resolving = false;
  }
  partition_state want;
  want.leader_id = info->leader;
  want.leader_epoch = info->leader_epoch;
  want.partition_epoch = info->partition_epoch;
  want.replicas = info->replicas;
  want.isr = info->isr;
  want.leader = cp.leader;
  if (!cp.announced || !same_state(cp.sent, want)) {
    cp.sent = want;
    cp.announced = true;
    CAFKA_DEBUG(component, topic << "-" << partition << ": become leader=" << want.leader_id
                                 << " epoch=" << want.leader_epoch << "/"
                                 << want.partition_epoch
                                 << (want.leader ? "" : " (leader replica not known yet)"));
    self->request(ref.pa->replica, log_request_timeout, become_atom::value, std::move(want))
      .then(
        [topic, partition](errc ec) {
          // fenced_leader_epoch: the replica already knows a newer state.
          if (ec != errc::none && ec != errc::fenced_leader_epoch)
            CAFKA_WARN(component, topic << "-" << partition << ": become failed: "
                                        << to_string(ec));
        },
        [topic, partition](caf::error& err) {
          CAFKA_WARN(component, topic << "-" << partition << ": become failed: "
                                      << to_string(err));
        });
  }
  if (cp.leader_for >= 0 && cp.leader_for != self_id && !cp.leader && !cp.resolving)
    start_resolve(self, topic, partition);
}

void on_resolve_retry(node_self self, const std::string& topic, int32_t partition,
                      uint64_t generation) {
  auto ref = find_hosted(self, topic, partition);
  if (ref.cp == nullptr || ref.cp->generation != generation || self->state.shutting_down)
    return;
  ref.cp->resolving = false;
  if (!ref.cp->leader && ref.cp->leader_for >= 0 && ref.cp->leader_for != self->state.cfg.node_id)
    start_resolve(self, topic, partition);
}

bool on_leader_down(node_self self, const caf::actor_addr& source) {
  auto& st = self->state;
  bool found = false;
  for (auto& [name, entry] : st.topics)
    for (size_t p = 0; p < entry.cluster.size(); ++p) {
      auto& cp = entry.cluster[p];
      if (!cp.leader || cp.leader_for == st.cfg.node_id
          || caf::actor_cast<caf::actor_addr>(cp.leader) != source)
        continue;
      found = true;
      CAFKA_INFO(component, name << "-" << p << ": the replica of leader " << cp.leader_for
                                 << " went away; looking it up again");
      cp.leader = caf::actor{};
      cp.generation = st.cluster.next_generation++;
      cp.resolving = false;
      if (!st.shutting_down && entry.partitions[p])
        start_resolve(self, name, static_cast<int32_t>(p));
    }
  return found;
}

} // namespace cafka
