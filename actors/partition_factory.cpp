#include "actors/partition_factory.hpp"

#include "actors/log_actor.hpp"
#include "actors/partition_replica.hpp"

#include <caf/spawn_options.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <charconv>

namespace cafka {

namespace {

// A topic-level retention value: an integer >= -1, whole text.
bool parse_retention(const std::string& text, int64_t& out) {
  int64_t v = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (err != std::errc{} || end != text.data() + text.size() || text.empty() || v < -1)
    return false;
  out = v;
  return true;
}

constexpr const char* retention_keys[] = {"retention.ms", "retention.bytes"};

} // namespace

std::string topic_config_error(const std::map<std::string, std::string>& configs) {
  for (const char* key : retention_keys) {
    auto i = configs.find(key);
    int64_t v = 0;
    if (i != configs.end() && !parse_retention(i->second, v))
      return "Invalid value " + i->second + " for configuration " + key
             + ": Value must be an integer at least -1";
  }
  return {};
}

storage::retention_policy retention_for(const broker_config& cfg,
                                        const std::map<std::string, std::string>& configs) {
  storage::retention_policy p;
  p.retention_ms = cfg.retention_ms();
  p.retention_bytes = cfg.log_retention_bytes < 0 ? -1 : cfg.log_retention_bytes;
  p.delete_delay_ms = cfg.log_segment_delete_delay_ms;
  int64_t v = 0;
  if (auto i = configs.find("retention.ms"); i != configs.end() && parse_retention(i->second, v))
    p.retention_ms = v;
  if (auto i = configs.find("retention.bytes");
      i != configs.end() && parse_retention(i->second, v))
    p.retention_bytes = v;
  return p;
}

std::filesystem::path partition_dir(const broker_config& cfg, const std::string& topic,
                                    int32_t partition) {
  return std::filesystem::path{cfg.log_dirs.at(0)} / (topic + "-" + std::to_string(partition));
}

partition_actors spawn_partition(caf::local_actor* parent, const broker_config& cfg,
                                 const partition_spec& spec, bool detached, std::error_code& ec) {
  storage::log_config lcfg;
  lcfg.dir = partition_dir(cfg, spec.topic, spec.partition);
  lcfg.segment_bytes = static_cast<uint64_t>(cfg.log_segment_bytes);
  lcfg.index_interval_bytes = static_cast<uint32_t>(cfg.log_index_interval_bytes);
  lcfg.max_index_bytes = static_cast<uint32_t>(cfg.log_index_size_max_bytes);
  lcfg.max_message_bytes = static_cast<uint32_t>(cfg.message_max_bytes);
  auto label = spec.topic + "-" + std::to_string(spec.partition);
  auto log = open_partition_log(lcfg, label, ec);
  if (!log)
    return {};
  // Read the offsets before handing the log over: the replica starts with HW = log end.
  replica_init init;
  init.topic = spec.topic;
  init.partition = spec.partition;
  init.leader_id = cfg.node_id;
  init.leader_epoch = spec.leader_epoch;
  init.log_start_offset = log->log_start_offset();
  init.log_end_offset = log->log_end_offset();
  init.min_insync_replicas = cfg.min_insync_replicas;
  log_retention retention;
  retention.policy = retention_for(cfg, spec.configs);
  // Compacted topics (Kafka: cleanup.policy=compact, and always __consumer_offsets) are not
  // subject to delete retention; compaction does not exist yet, so they are kept whole.
  auto policy = spec.configs.find("cleanup.policy");
  if (spec.topic == "__consumer_offsets"
      || (policy != spec.configs.end() && policy->second == "compact")) {
    retention.policy.retention_ms = -1;
    retention.policy.retention_bytes = -1;
  }
  retention.check_interval_ms = cfg.log_retention_check_interval_ms;
  partition_actors result;
  if (detached)
    result.log = parent->spawn<caf::detached>(retaining_log_actor_impl, std::move(log), label,
                                              retention);
  else
    result.log = parent->spawn(retaining_log_actor_impl, std::move(log), label, retention);
  result.replica = parent->spawn(partition_replica_impl, result.log, std::move(init));
  return result;
}

} // namespace cafka
