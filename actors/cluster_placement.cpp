// What the active controller proposes: replica placement, topic creation and broker fencing
// records (rules in cluster_metadata.hpp). Pure functions of the state and their inputs.
#include "actors/cluster_metadata.hpp"

#include "storage/errc.hpp"

#include <algorithm>

namespace cafka::cluster {

std::vector<std::vector<broker_id>> place_replicas(std::vector<broker_id> brokers,
                                                   int32_t partitions, int16_t replication_factor,
                                                   uint32_t start_index, uint32_t shift,
                                                   std::error_code& ec) {
  ec.clear();
  std::vector<std::vector<broker_id>> out;
  if (partitions < 1) {
    ec = errc::invalid_partitions;
    return out;
  }
  std::sort(brokers.begin(), brokers.end());
  auto n = static_cast<uint32_t>(brokers.size());
  if (replication_factor < 1 || static_cast<uint32_t>(replication_factor) > n) {
    ec = errc::invalid_replication_factor;
    return out;
  }
  start_index %= n;
  for (uint32_t p = 0; p < static_cast<uint32_t>(partitions); ++p) {
    if (p > 0 && p % n == 0)
      ++shift; // next round: followers one further away, so pairs do not repeat
    auto first = (p + start_index) % n;
    std::vector<broker_id> replicas{brokers[first]};
    for (uint32_t j = 0; j + 1 < static_cast<uint32_t>(replication_factor); ++j) {
      auto step = 1 + (shift + j) % (n - 1);
      replicas.push_back(brokers[(first + step) % n]);
    }
    out.push_back(std::move(replicas));
  }
  return out;
}

std::vector<record> create_topic_records(const cluster_metadata& state, const std::string& name,
                                         const std::string& id, int32_t partitions,
                                         int16_t replication_factor,
                                         std::map<std::string, std::string> configs,
                                         uint32_t start_index, uint32_t shift,
                                         std::error_code& ec) {
  std::vector<record> out;
  if (state.topic(name)) {
    ec = errc::topic_already_exists;
    return out;
  }
  auto placement = place_replicas(state.unfenced_brokers(), partitions, replication_factor,
                                  start_index, shift, ec);
  if (ec)
    return out;
  out.push_back(topic_record{name, id, std::move(configs)});
  for (int32_t p = 0; p < partitions; ++p) {
    auto& replicas = placement[static_cast<size_t>(p)];
    out.push_back(partition_record{name, p, replicas, replicas, replicas.front(), 0, 0});
  }
  return out;
}

std::vector<record> fence_broker_records(const cluster_metadata& state, broker_id id,
                                         bool unclean_allowed) {
  std::vector<record> out;
  auto b = state.broker(id);
  if (!b)
    return out;
  out.push_back(broker_fenced{id, b->epoch});
  auto live = [&](broker_id x) { return x != id && state.is_live(x); };
  for (auto& [name, t] : state.topics())
    for (auto& [p, info] : t.partitions) {
      bool in_isr = std::find(info.isr.begin(), info.isr.end(), id) != info.isr.end();
      if (!in_isr && info.leader != id)
        continue;
      partition_change c{name, p, std::nullopt, std::nullopt};
      auto isr = info.isr;
      if (in_isr && isr.size() > 1)
        isr.erase(std::find(isr.begin(), isr.end(), id));
      if (info.leader == id) {
        auto e = elect_leader(info.replicas, isr, live, unclean_allowed);
        c.leader = e.leader;
        if (e.unclean)
          isr = {e.leader};
      }
      if (isr != info.isr)
        c.isr = isr;
      if (c.leader || c.isr)
        out.push_back(std::move(c));
    }
  return out;
}

std::vector<record> unfence_broker_records(const cluster_metadata& state, broker_id id,
                                           bool unclean_allowed) {
  std::vector<record> out;
  auto b = state.broker(id);
  if (!b)
    return out;
  out.push_back(broker_unfenced{id, b->epoch});
  auto live = [&](broker_id x) { return x == id || state.is_live(x); };
  for (auto& [name, t] : state.topics())
    for (auto& [p, info] : t.partitions) {
      if (info.leader != no_leader)
        continue;
      auto e = elect_leader(info.replicas, info.isr, live, unclean_allowed);
      if (e.leader == no_leader)
        continue;
      partition_change c{name, p, e.leader, std::nullopt};
      if (e.unclean)
        c.isr = std::vector<broker_id>{e.leader};
      out.push_back(std::move(c));
    }
  return out;
}

std::vector<record> add_partitions_records(const cluster_metadata& state, const std::string& name,
                                           int32_t count, uint32_t start_index, uint32_t shift,
                                           std::error_code& ec) {
  ec.clear();
  std::vector<record> out;
  auto t = state.topic(name);
  if (!t) {
    ec = errc::unknown_topic_or_partition;
    return out;
  }
  auto current = static_cast<int32_t>(t->partitions.size());
  if (count <= current) {
    ec = errc::invalid_partitions;
    return out;
  }
  auto rf = t->partitions.empty() ? size_t{1} : t->partitions.begin()->second.replicas.size();
  auto placement = place_replicas(state.unfenced_brokers(), count, static_cast<int16_t>(rf),
                                  start_index, shift, ec);
  if (ec)
    return out;
  for (int32_t p = current; p < count; ++p) {
    auto& replicas = placement[static_cast<size_t>(p)];
    out.push_back(partition_record{name, p, replicas, replicas, replicas.front(), 0, 0});
  }
  return out;
}

} // namespace cafka::cluster
