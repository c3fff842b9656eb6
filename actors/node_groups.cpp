// Consumer groups on the node: __consumer_offsets (created on first use) and its group shards.
#include "actors/node.hpp"

#include "actors/group_shard.hpp"
#include "actors/logging.hpp"
#include "actors/offsets_records.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace cafka {

namespace {

constexpr const char* component = "node";

group_settings settings_of(const broker_config& cfg) {
  group_settings s;
  // decltype: the coordinator's field types are its own business.
  s.initial_rebalance_delay_ms
    = static_cast<decltype(s.initial_rebalance_delay_ms)>(cfg.group_initial_rebalance_delay_ms);
  s.min_session_timeout_ms
    = static_cast<decltype(s.min_session_timeout_ms)>(cfg.group_min_session_timeout_ms);
  s.max_session_timeout_ms
    = static_cast<decltype(s.max_session_timeout_ms)>(cfg.group_max_session_timeout_ms);
  s.max_size = static_cast<decltype(s.max_size)>(cfg.group_max_size);
  return s;
}

coordinator_lookup fail(errc ec) {
  coordinator_lookup r;
  r.ec = ec;
  return r;
}

} // namespace

void spawn_group_shards(node_self self, const topic_entry& entry, int32_t from, int32_t to) {
  auto& st = self->state;
  if (st.shards.size() < static_cast<size_t>(to))
    st.shards.resize(static_cast<size_t>(to));
  for (int32_t p = from; p < to; ++p) {
    auto& pa = entry.partitions.at(static_cast<size_t>(p));
    if (!pa)
      continue; // offline partition: no coordinator for its groups (COORDINATOR_NOT_AVAILABLE)
    group_shard_config c;
    c.partition = p;
    c.replica = pa.replica;
    c.node = caf::actor_cast<node_actor>(self);
    c.settings = settings_of(st.cfg);
    c.retention_ms = int64_t{st.cfg.offsets_retention_minutes} * 60 * 1000;
    c.retention_check_interval_ms = st.cfg.offsets_retention_check_interval_ms;
    c.lag_log_interval_ms = st.cfg.group_lag_log_interval_ms;
    auto shard = spawn_group_shard(self, std::move(c));
    self->monitor(shard);
    st.children->insert(caf::actor_cast<caf::actor_addr>(shard));
    st.shards[static_cast<size_t>(p)] = std::move(shard);
  }
}

void stop_group_shards(node_self self, int32_t partition, const caf::error& reason) {
  auto& shards = self->state.shards;
  for (size_t p = 0; p < shards.size(); ++p) {
    if (partition >= 0 && static_cast<size_t>(partition) != p)
      continue;
    if (shards[p])
      self->send_exit(shards[p], reason);
    shards[p] = group_shard_actor{};
  }
  if (partition < 0)
    shards.clear();
}

coordinator_lookup find_coordinator(node_self self, const std::string& group_id) {
  auto& st = self->state;
  if (group_id.empty())
    return fail(errc::invalid_group_id);
  if (st.shutting_down)
    return fail(errc::coordinator_not_available);
  auto i = st.topics.find(offsets_topic_name);
  if (i == st.topics.end()) {
    // While an old __consumer_offsets is still being deleted, there is no coordinator yet.
    if (st.deleting.count(offsets_topic_name) > 0)
      return fail(errc::coordinator_not_available);
    create_topic_args args;
    args.name = offsets_topic_name;
    args.num_partitions = st.cfg.offsets_topic_num_partitions;
    args.replication_factor = st.cfg.offsets_topic_replication_factor;
    args.configs = {{"cleanup.policy", "compact"}};
    auto res = create_topic(self, args); // spawns the shards too (spawn_partitions)
    if (res.ec != errc::none) {
      CAFKA_WARN(component, "cannot create " << offsets_topic_name << ": " << res.message);
      return fail(errc::coordinator_not_available);
    }
    CAFKA_INFO(component, "created " << offsets_topic_name << " with " << res.num_partitions
                                     << " partitions");
    i = st.topics.find(offsets_topic_name);
  }
  auto partitions = static_cast<int32_t>(i->second.partitions.size());
  auto p = offsets_partition_for(group_id, partitions);
  coordinator_lookup r;
  r.partition = p;
  if (static_cast<size_t>(p) >= st.shards.size() || !st.shards[static_cast<size_t>(p)]) {
    r.ec = errc::coordinator_not_available; // the partition is offline
    return r;
  }
  r.node_id = st.cfg.node_id;
  if (!st.cfg.advertised().empty()) {
    auto& l = st.cfg.advertised().front();
    r.host = l.host;
    r.port = l.port;
  }
  r.shard = st.shards[static_cast<size_t>(p)];
  return r;
}

} // namespace cafka
