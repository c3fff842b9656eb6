#pragma once
// The broker's configuration, in Kafka's server.properties vocabulary. Every field is declared
// exactly once, with its name, default, bounds and doc, in config/options.cpp; this struct only
// holds the values. Defaults here must equal the declared defaults (a unit test checks it).
#include "config/cluster_nodes.hpp"
#include "config/quorum_voters.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cafka {

struct listener {
  std::string name = "PLAINTEXT";
  std::string host = "127.0.0.1";
  uint16_t port = 9092;
};

struct broker_config {
  // Identity and network.
  int32_t node_id = 1;                                   // node.id
  std::vector<listener> listeners{listener{}};           // listeners
  std::vector<listener> advertised_listeners;            // advertised.listeners (empty: = listeners)
  int32_t num_network_threads = 2;                       // num.network.threads (Asio I/O threads)
  int32_t socket_request_max_bytes = 104857600;          // socket.request.max.bytes
  int32_t queued_max_requests = 500;                     // queued.max.requests (per connection)
  int64_t queued_max_request_bytes = 104857600;          // queued.max.request.bytes (-1: no limit)
  // Cluster (issue 5). Empty cluster.nodes: a single-node broker that is its own controller.
  bool role_broker = true;                               // process.roles has broker
  bool role_controller = true;                           // process.roles has controller
  std::vector<quorum_voter> controller_quorum_voters;    // controller.quorum.voters (empty: single node,
                                                         // or every node of cluster.nodes)
  int32_t controller_quorum_election_timeout_ms = 1000;  // controller.quorum.election.timeout.ms
  std::vector<cluster_node> cluster_nodes;               // cluster.nodes
  int32_t broker_heartbeat_interval_ms = 2000;           // broker.heartbeat.interval.ms
  int32_t broker_session_timeout_ms = 9000;              // broker.session.timeout.ms
  int64_t replica_lag_time_max_ms = 30000;               // replica.lag.time.max.ms
  int32_t replica_fetch_max_bytes = 1048576;             // replica.fetch.max.bytes
  int32_t replica_fetch_wait_max_ms = 500;               // replica.fetch.wait.max.ms
  int32_t replica_fetch_backoff_ms = 1000;               // replica.fetch.backoff.ms
  bool unclean_leader_election_enable = false;           // unclean.leader.election.enable
  // Topics.
  int32_t num_partitions = 1;                            // num.partitions
  int16_t default_replication_factor = 1;                // default.replication.factor
  bool auto_create_topics_enable = true;                 // auto.create.topics.enable
  int32_t min_insync_replicas = 1;                       // min.insync.replicas
  // Log.
  std::vector<std::string> log_dirs{"./data"};           // log.dirs
  int64_t log_segment_bytes = 1073741824;                // log.segment.bytes
  int32_t log_index_interval_bytes = 4096;               // log.index.interval.bytes
  int32_t log_index_size_max_bytes = 10485760;           // log.index.size.max.bytes
  int32_t message_max_bytes = 1048588;                   // message.max.bytes
  // Retention (topic overrides: retention.ms, retention.bytes). Unset ms/minutes fall back.
  std::optional<int64_t> log_retention_ms;               // log.retention.ms (wins)
  std::optional<int32_t> log_retention_minutes;          // log.retention.minutes
  int32_t log_retention_hours = 168;                     // log.retention.hours
  int64_t log_retention_bytes = -1;                      // log.retention.bytes (per partition)
  int64_t log_retention_check_interval_ms = 300000;      // log.retention.check.interval.ms
  int64_t log_segment_delete_delay_ms = 60000;           // log.segment.delete.delay.ms
  // Segment rolling by age (topic override: segment.ms). Unset ms falls back to hours.
  std::optional<int64_t> log_roll_ms;                    // log.roll.ms (wins)
  int32_t log_roll_hours = 168;                          // log.roll.hours
  // Timestamps (topic override: message.timestamp.type).
  std::string log_message_timestamp_type = "CreateTime"; // CreateTime | LogAppendTime
  // Flush policy (topic overrides: flush.messages, flush.ms). Defaults leave it to the OS.
  int64_t log_flush_interval_messages = 9223372036854775807; // log.flush.interval.messages
  std::optional<int64_t> log_flush_interval_ms;          // log.flush.interval.ms (unset: never)
  // Cleanup and compaction (topic overrides: cleanup.policy, min.cleanable.dirty.ratio,
  // delete.retention.ms, min.compaction.lag.ms).
  std::string log_cleanup_policy = "delete";             // delete | compact | compact,delete
  bool log_cleaner_enable = true;                        // log.cleaner.enable
  int64_t log_cleaner_backoff_ms = 15000;                // log.cleaner.backoff.ms
  double log_cleaner_min_cleanable_ratio = 0.5;          // log.cleaner.min.cleanable.ratio
  int64_t log_cleaner_delete_retention_ms = 86400000;    // log.cleaner.delete.retention.ms
  int64_t log_cleaner_min_compaction_lag_ms = 0;         // log.cleaner.min.compaction.lag.ms
  int64_t log_cleaner_dedupe_buffer_size = 134217728;    // log.cleaner.dedupe.buffer.size
  // Consumer groups and __consumer_offsets.
  int32_t offsets_topic_num_partitions = 50;             // offsets.topic.num.partitions
  int16_t offsets_topic_replication_factor = 1;          // offsets.topic.replication.factor
  int32_t offsets_retention_minutes = 10080;             // offsets.retention.minutes
  int64_t offsets_retention_check_interval_ms = 600000;  // offsets.retention.check.interval.ms
  int32_t group_initial_rebalance_delay_ms = 3000;       // group.initial.rebalance.delay.ms
  int32_t group_min_session_timeout_ms = 6000;           // group.min.session.timeout.ms
  int32_t group_max_session_timeout_ms = 1800000;        // group.max.session.timeout.ms
  int32_t group_max_size = 2147483647;                   // group.max.size
  int64_t group_lag_log_interval_ms = 60000;             // group.lag.log.interval.ms (0: off)
  // Runtime (CAF scheduler), passed through as caf.* in Kafka-style files.
  int32_t caf_max_threads = 2;                           // caf.scheduler.max-threads
  std::string log_level = "info";                        // log.level (trace|debug|info|warn|error)

  // Not an option: the canonical names of the options the properties file or an --override set
  // (filled by load_config). DescribeConfigs reports them as STATIC_BROKER_CONFIG, the rest as
  // DEFAULT_CONFIG.
  std::set<std::string> explicitly_set;

  // Effective log retention in ms, Kafka's precedence: ms, else minutes, else hours; any
  // negative value means unlimited (-1).
  int64_t retention_ms() const {
    int64_t v = log_retention_ms        ? *log_retention_ms
                : log_retention_minutes ? int64_t{*log_retention_minutes} * 60000
                                        : int64_t{log_retention_hours} * 3600000;
    return v < 0 ? -1 : v;
  }

  // Effective segment age limit in ms: log.roll.ms, else log.roll.hours.
  int64_t roll_ms() const {
    return log_roll_ms ? *log_roll_ms : int64_t{log_roll_hours} * 3600000;
  }

  // Cluster mode: cluster.nodes lists this node (validated by load_config).
  bool cluster_mode() const { return !cluster_nodes.empty(); }

  // The voters of the controller quorum: controller.quorum.voters, else (cluster mode) every
  // node of cluster.nodes at its actor port, else this node alone (empty list).
  std::vector<quorum_voter> quorum_voters() const {
    if (!controller_quorum_voters.empty() || cluster_nodes.empty())
      return controller_quorum_voters;
    std::vector<quorum_voter> all;
    for (const auto& n : cluster_nodes)
      all.push_back({n.id, n.host, n.actor_port});
    return all;
  }

  // The listeners clients are told about (advertised.listeners, else listeners).
  const std::vector<listener>& advertised() const {
    return advertised_listeners.empty() ? listeners : advertised_listeners;
  }
};

} // namespace cafka
