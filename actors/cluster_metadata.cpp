// cluster_metadata: applying records, snapshots (rules in cluster_metadata.hpp).
#include "actors/cluster_metadata.hpp"

#include "actors/overload.hpp"
#include "storage/errc.hpp"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/map.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <algorithm>
#include <sstream>

namespace cafka::cluster {

template <class Archive>
void serialize(Archive& ar, broker_info& x) {
  ar(x.id, x.epoch, x.host, x.port, x.endpoint, x.fenced);
}
template <class Archive>
void serialize(Archive& ar, partition_info& x) {
  ar(x.replicas, x.isr, x.leader, x.leader_epoch, x.partition_epoch);
}
template <class Archive>
void serialize(Archive& ar, topic_info& x) {
  ar(x.name, x.id, x.configs, x.partitions);
}

namespace {

// Snapshot format: u8 version (0), the brokers map, the topics map.
constexpr uint8_t snapshot_version = 0;

bool contains(const std::vector<broker_id>& xs, broker_id x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

// A partition's replicas and ISR are distinct ids; the ISR and the leader are replicas.
bool well_formed(const std::vector<broker_id>& replicas, const std::vector<broker_id>& isr,
                 broker_id leader) {
  auto distinct = [](std::vector<broker_id> xs) {
    std::sort(xs.begin(), xs.end());
    return std::adjacent_find(xs.begin(), xs.end()) == xs.end();
  };
  if (replicas.empty() || !distinct(replicas) || !distinct(isr))
    return false;
  for (auto b : isr)
    if (!contains(replicas, b))
      return false;
  return leader == no_leader || contains(replicas, leader);
}

} // namespace

std::error_code cluster_metadata::apply(const record& r) {
  return std::visit(
    overload{
      [this](const register_broker& x) -> std::error_code {
        auto it = brokers_.find(x.id);
        if (x.id < 0 || (it != brokers_.end() && x.epoch <= it->second.epoch))
          return errc::invalid_request; // epochs only grow: a stale registration
        brokers_[x.id] = broker_info{x.id, x.epoch, x.host, x.port, x.endpoint, true};
        return {};
      },
      [this](const broker_fenced& x) -> std::error_code {
        auto it = brokers_.find(x.id);
        if (it == brokers_.end() || it->second.epoch != x.epoch)
          return errc::invalid_request;
        it->second.fenced = true;
        return {};
      },
      [this](const broker_unfenced& x) -> std::error_code {
        auto it = brokers_.find(x.id);
        if (it == brokers_.end() || it->second.epoch != x.epoch)
          return errc::invalid_request;
        it->second.fenced = false;
        return {};
      },
      [this](const topic_record& x) -> std::error_code {
        if (x.name.empty())
          return errc::invalid_topic;
        if (topics_.count(x.name))
          return errc::topic_already_exists;
        topics_[x.name] = topic_info{x.name, x.id, x.configs, {}};
        return {};
      },
      [this](const partition_record& x) -> std::error_code {
        auto it = topics_.find(x.topic);
        if (it == topics_.end())
          return errc::unknown_topic_or_partition;
        if (x.partition < 0 || !well_formed(x.replicas, x.isr, x.leader))
          return errc::invalid_request;
        it->second.partitions[x.partition] =
          partition_info{x.replicas, x.isr, x.leader, x.leader_epoch, x.partition_epoch};
        return {};
      },
      [this](const partition_change& x) -> std::error_code {
        auto it = topics_.find(x.topic);
        if (it == topics_.end() || !it->second.partitions.count(x.partition))
          return errc::unknown_topic_or_partition;
        auto& p = it->second.partitions[x.partition];
        auto leader = x.leader.value_or(p.leader);
        auto isr = x.isr.value_or(p.isr);
        if (!well_formed(p.replicas, isr, leader))
          return errc::invalid_request;
        if (leader != p.leader)
          ++p.leader_epoch;
        p.leader = leader;
        p.isr = std::move(isr);
        ++p.partition_epoch;
        return {};
      },
      [this](const remove_topic& x) -> std::error_code {
        return topics_.erase(x.name) ? std::error_code{}
                                     : std::error_code{errc::unknown_topic_or_partition};
      },
    },
    r);
}

std::vector<char> cluster_metadata::snapshot() const {
  std::ostringstream out;
  {
    cereal::PortableBinaryOutputArchive ar{out};
    ar(snapshot_version, brokers_, topics_);
  }
  auto s = out.str();
  return {s.begin(), s.end()};
}

std::error_code cluster_metadata::restore(const std::vector<char>& data) {
  if (data.empty()) { // the empty snapshot of a fresh quorum
    brokers_.clear();
    topics_.clear();
    return {};
  }
  try {
    std::istringstream in{std::string{data.begin(), data.end()}};
    cereal::PortableBinaryInputArchive ar{in};
    uint8_t version = 0;
    ar(version);
    if (version != snapshot_version)
      return errc::corrupt_message;
    std::map<broker_id, broker_info> brokers;
    std::map<std::string, topic_info> topics;
    ar(brokers, topics);
    brokers_ = std::move(brokers);
    topics_ = std::move(topics);
    return {};
  } catch (const std::exception&) {
    return errc::corrupt_message;
  }
}

const broker_info* cluster_metadata::broker(broker_id id) const {
  auto it = brokers_.find(id);
  return it == brokers_.end() ? nullptr : &it->second;
}

const topic_info* cluster_metadata::topic(const std::string& name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

const partition_info* cluster_metadata::partition(const std::string& topic,
                                                  int32_t partition) const {
  auto t = this->topic(topic);
  if (!t)
    return nullptr;
  auto it = t->partitions.find(partition);
  return it == t->partitions.end() ? nullptr : &it->second;
}

bool cluster_metadata::is_live(broker_id id) const {
  auto b = broker(id);
  return b && !b->fenced;
}

std::vector<broker_id> cluster_metadata::unfenced_brokers() const {
  std::vector<broker_id> out;
  for (auto& [id, b] : brokers_)
    if (!b.fenced)
      out.push_back(id);
  return out;
}

} // namespace cafka::cluster
