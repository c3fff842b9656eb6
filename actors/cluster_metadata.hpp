#pragma once
// The cluster metadata state machine of the controller quorum (KRaft's MetadataImage, reduced):
// brokers, topics, partitions (replicas, ISR, leader and their epochs), built only by applying
// committed records (cluster_records.hpp) in log order. CAF-free and deterministic: every
// controller (and later every broker) that applies the same records holds the same state,
// byte for byte in snapshot().
//
// A record that does not fit the state (a partition of an unknown topic, a change of an unknown
// partition, an epoch that is not the registered one) changes nothing and apply() says why; the
// active controller validates before proposing, so that only happens for records that raced.
#include "actors/cluster_records.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <system_error>
#include <vector>

namespace cafka::cluster {

struct broker_info {
  broker_id id = -1;
  int64_t epoch = 0;
  std::string host;
  uint16_t port = 0;
  std::string endpoint;
  bool fenced = true;
};

struct partition_info {
  std::vector<broker_id> replicas;
  std::vector<broker_id> isr;
  broker_id leader = no_leader;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
};

struct topic_info {
  std::string name;
  std::string id;
  std::map<std::string, std::string> configs;
  std::map<int32_t, partition_info> partitions;
};

class cluster_metadata {
public:
  // Applies one committed record; on an error nothing changed.
  std::error_code apply(const record& r);

  // The whole state (cereal portable binary, versioned); restore() replaces the state with it.
  std::vector<char> snapshot() const;
  std::error_code restore(const std::vector<char>& data);

  const std::map<broker_id, broker_info>& brokers() const { return brokers_; }
  const std::map<std::string, topic_info>& topics() const { return topics_; }
  const broker_info* broker(broker_id id) const;
  const topic_info* topic(const std::string& name) const;
  const partition_info* partition(const std::string& topic, int32_t partition) const;
  bool is_live(broker_id id) const; // registered and unfenced
  std::vector<broker_id> unfenced_brokers() const; // sorted

  bool operator==(const cluster_metadata& other) const { return snapshot() == other.snapshot(); }

private:
  std::map<broker_id, broker_info> brokers_;
  std::map<std::string, topic_info> topics_;
};

// ---- what the active controller proposes (pure functions) -------------------------------

// Kafka's rack-unaware replica assignment (AdminUtils.assignReplicasToBrokersRackUnaware, what
// StripedReplicaPlacer does without racks): partition p's first replica is broker
// (start_index + p) % n over the sorted `brokers`; the others follow at a shift that grows by
// one every n partitions, so leaders and followers spread evenly. Kafka draws start_index and
// shift at random; they are inputs here so that tests (and replays) are deterministic.
// invalid_partitions for partitions < 1, invalid_replication_factor for a factor < 1 or above
// the number of brokers.
std::vector<std::vector<broker_id>> place_replicas(std::vector<broker_id> brokers,
                                                   int32_t partitions, int16_t replication_factor,
                                                   uint32_t start_index, uint32_t shift,
                                                   std::error_code& ec);

struct election {
  broker_id leader = no_leader; // no_leader: none possible
  bool unclean = false;         // the leader is not from the ISR (the ISR becomes {leader})
};

// The first replica in replica order that is in the ISR and live; without one, the first live
// replica when unclean election is enabled (data loss accepted), else none.
template <class IsLive>
election elect_leader(const std::vector<broker_id>& replicas, const std::vector<broker_id>& isr,
                      IsLive&& is_live, bool unclean_allowed) {
  auto in_isr = [&](broker_id b) {
    for (auto x : isr)
      if (x == b)
        return true;
    return false;
  };
  for (auto b : replicas)
    if (in_isr(b) && is_live(b))
      return {b, false};
  if (unclean_allowed)
    for (auto b : replicas)
      if (is_live(b))
        return {b, true};
  return {};
}

// The records that create a topic on the current unfenced brokers: one topic_record, then one
// partition_record per partition (leader = first replica, ISR = all replicas, epochs 0).
std::vector<record> create_topic_records(const cluster_metadata& state, const std::string& name,
                                         const std::string& id, int32_t partitions,
                                         int16_t replication_factor,
                                         std::map<std::string, std::string> configs,
                                         uint32_t start_index, uint32_t shift,
                                         std::error_code& ec);

// The records that fence a broker: broker_fenced, then for every partition that has it in the
// ISR a partition_change that drops it from the ISR (never below one member: the last one
// stays, as in KRaft) and, where it led, elects a new leader (elect_leader; no_leader when
// none can be elected).
std::vector<record> fence_broker_records(const cluster_metadata& state, broker_id id,
                                         bool unclean_allowed);

// The records that unfence a registered broker: broker_unfenced, then a partition_change for
// every partition without a leader that can now elect one (elect_leader with the broker live:
// it is in the ISR, or any replica when unclean election is allowed; an unclean leader becomes
// the whole ISR). Empty when the broker is not registered.
std::vector<record> unfence_broker_records(const cluster_metadata& state, broker_id id,
                                           bool unclean_allowed);

// The records that grow a topic to `count` partitions: one partition_record per new partition,
// placed over the unfenced brokers with the replication factor of partition 0 (the new ones
// continue the placement rounds of place_replicas). unknown_topic_or_partition,
// invalid_partitions (count not above the current number), invalid_replication_factor (fewer
// unfenced brokers than the factor).
std::vector<record> add_partitions_records(const cluster_metadata& state, const std::string& name,
                                           int32_t count, uint32_t start_index, uint32_t shift,
                                           std::error_code& ec);

} // namespace cafka::cluster
