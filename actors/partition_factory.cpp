#include "actors/partition_factory.hpp"

#include "actors/log_actor.hpp"
#include "actors/partition_replica.hpp"
#include "actors/topic_config.hpp"

#include <caf/spawn_options.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>


namespace cafka {

std::filesystem::path partition_dir(const broker_config& cfg, const std::string& topic,
                                    int32_t partition) {
  return std::filesystem::path{cfg.log_dirs.at(0)} / (topic + "-" + std::to_string(partition));
}

partition_actors spawn_partition(caf::local_actor* parent, const broker_config& cfg,
                                 const partition_spec& spec, bool detached, std::error_code& ec) {
  auto settings = resolve_log_settings(cfg, spec.configs);
  storage::log_config lcfg = settings.log;
  lcfg.dir = partition_dir(cfg, spec.topic, spec.partition);
  auto label = spec.topic + "-" + std::to_string(spec.partition);
  auto log = open_partition_log(lcfg, label, ec);
  if (!log)
    return {};
  // Read the offsets before handing the log over. Single-node mode: the replica leads at once
  // with HW = log end; cluster mode: it waits for its role (become).
  replica_init init;
  init.topic = spec.topic;
  init.partition = spec.partition;
  init.node_id = cfg.node_id;
  init.leader_id = cfg.node_id;
  init.leader_epoch = spec.leader_epoch;
  init.log_start_offset = log->log_start_offset();
  init.log_end_offset = log->log_end_offset();
  init.min_insync_replicas = resolve_min_insync_replicas(cfg, spec.configs);
  init.single_node_leader = !cfg.cluster_mode();
  init.alter_partition = spec.alter_partition;
  init.replica_lag_time_max_ms = cfg.replica_lag_time_max_ms;
  init.replica_fetch_max_bytes = cfg.replica_fetch_max_bytes;
  init.replica_fetch_wait_max_ms = cfg.replica_fetch_wait_max_ms;
  init.replica_fetch_backoff_ms = cfg.replica_fetch_backoff_ms;
  log_retention retention;
  retention.policy = settings.retention;
  retention.check_interval_ms = cfg.log_retention_check_interval_ms;
  retention.cleaner = {cfg.log_cleaner_enable, cfg.log_cleaner_backoff_ms,
                       static_cast<uint64_t>(cfg.log_cleaner_dedupe_buffer_size)};
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
