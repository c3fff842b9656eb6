#pragma once
// Payloads of the messages in actors/actors.hpp. Each has inspect() so it can cross nodes.
#include "storage/errc.hpp"
#include "storage/log.hpp"
#include "storage/retention.hpp"

#include <caf/actor.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cafka {

// ---- storage actor --------------------------------------------------------------------------

struct append_reply {
  errc ec = errc::none;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_start_offset = 0;
  int64_t log_append_time = -1; // the broker time stamped on the batch; -1 for CreateTime
};

struct read_reply {
  errc ec = errc::none;
  storage::record_bytes records;  // slices of the segment's mapping (storage/segment.hpp)
  int64_t log_start_offset = 0;
  int64_t log_end_offset = 0;
};

struct offset_reply {
  errc ec = errc::none;
  int64_t offset = -1;
  int64_t timestamp = -1;
};

// A partition log's topic-level settings, resolved from the broker defaults and the topic's
// overrides (actors/topic_config.hpp); `log.dir` and the index sizes are not changed by it.
struct log_settings {
  storage::log_config log;
  storage::retention_policy retention;
};

// ---- partition replica ----------------------------------------------------------------------

// none: cluster mode before the first become, or while the partition has no leader.
enum class replica_role : int8_t { leader, follower, none };

struct produce_args {
  // One validated magic-2 batch; from a Produce request, a slice of its frame (no copy).
  storage::record_bytes batch;
  int16_t acks = 1;         // 0, 1 or -1 (all)
  int32_t timeout_ms = 30000;
};

struct produce_reply {
  errc ec = errc::none;
  int64_t base_offset = -1;
  int64_t log_append_time = -1;  // -1 for CreateTime topics
  int64_t log_start_offset = 0;
};

struct fetch_args {
  int64_t offset = 0;
  int32_t max_bytes = 1048576;    // partition_max_bytes
  int32_t max_wait_ms = 0;        // 0: answer at once
  int32_t current_leader_epoch = -1;
};

struct fetch_reply {
  errc ec = errc::none;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  storage::record_bytes records;  // slices of segment mappings, from read_reply
};

struct replica_status {
  replica_role role = replica_role::leader;
  int32_t leader_id = -1;
  int32_t leader_epoch = 0;
  int64_t log_start_offset = 0;
  int64_t high_watermark = 0;
  int64_t log_end_offset = 0;
};

// ---- node -----------------------------------------------------------------------------------

struct broker_info {
  int32_t node_id = -1;
  std::string host;
  int32_t port = 0;
};

struct partition_metadata {
  errc ec = errc::none;
  int32_t partition = 0;
  int32_t leader_id = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

struct topic_metadata {
  errc ec = errc::none;
  std::string name;
  bool is_internal = false;
  std::vector<partition_metadata> partitions;
};

struct metadata_query {
  bool all_topics = true;             // true: every topic (topics is ignored)
  std::vector<std::string> topics;
  bool allow_auto_create = false;     // the request's wish; auto.create.topics.enable must agree
};

struct metadata_snapshot {
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<broker_info> brokers;
  std::vector<topic_metadata> topics;
};

struct create_topic_args {
  std::string name;
  int32_t num_partitions = -1;        // -1: num.partitions
  int16_t replication_factor = -1;    // -1: default.replication.factor
  std::map<std::string, std::string> configs;
  bool validate_only = false;
};

struct create_partitions_args {
  std::string name;
  int32_t count = 0;                  // new total
  bool validate_only = false;
};

struct topic_result {
  errc ec = errc::none;
  std::string message;                // human-readable detail for the client, may be empty
  int32_t num_partitions = -1;
  int16_t replication_factor = -1;
};

// A failed topic operation with Kafka's message for the client.
inline topic_result topic_failure(errc ec, std::string message) {
  topic_result r;
  r.ec = ec;
  r.message = std::move(message);
  return r;
}

// ---- configs (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs) -----------------------
// CAF 0.17 cannot inspect std::optional: nullable values carry an explicit `null` flag.

// Kafka's ConfigResource.Type numbering.
enum class config_resource_type : int8_t { unknown = 0, topic = 2, broker = 4, broker_logger = 8 };

// Where a value comes from: Kafka's DescribeConfigs ConfigSource numbering.
enum class config_source : int8_t {
  unknown = 0, dynamic_topic = 1, static_broker = 4, default_config = 5, broker_logger = 6
};

struct config_resource {
  config_resource_type type = config_resource_type::unknown;
  std::string name;                   // topic name, broker id ("" = cluster-wide defaults)
};

struct config_synonym {
  std::string name;
  std::string value;
  bool null = false;
  config_source source = config_source::unknown;
};

struct config_entry {
  std::string name;
  std::string value;
  bool null = false;                  // unset (e.g. log.retention.ms when hours rule)
  config_source source = config_source::default_config;
  bool read_only = false;
  bool sensitive = false;
  std::vector<config_synonym> synonyms;  // most specific first (topic override, broker option)
  int8_t type = 0;                    // config_type (actors/topic_config.hpp)
  std::string doc;
};

struct config_description {
  errc ec = errc::none;
  std::string message;                // Kafka's error message when ec is set
  std::vector<config_entry> entries;
};

// IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType numbering).
enum class config_op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct config_change {
  std::string name;
  int8_t op = 0;                      // config_op; kept raw so unknown values can be rejected
  std::string value;
  bool null = false;
};

struct alter_configs_args {
  std::string topic;
  bool incremental = false;           // false: the SETs replace all of the topic's overrides
  std::vector<config_change> changes;
  bool validate_only = false;
};

// ---- inspect --------------------------------------------------------------------------------

#define CAFKA_INSPECT_FIELDS(type, ...)                                                                  \
  template <class Inspector>                                                                      \
  typename Inspector::result_type inspect(Inspector& f, type& x) {                                \
    return f(caf::meta::type_name(#type), __VA_ARGS__);                                           \
  }

CAFKA_INSPECT_FIELDS(append_reply, x.ec, x.base_offset, x.last_offset, x.log_start_offset,
                     x.log_append_time)
CAFKA_INSPECT_FIELDS(read_reply, x.ec, x.records, x.log_start_offset, x.log_end_offset)
CAFKA_INSPECT_FIELDS(offset_reply, x.ec, x.offset, x.timestamp)
CAFKA_INSPECT_FIELDS(log_settings, x.log, x.retention)

} // namespace cafka

namespace cafka::storage { // inspect() must be found by ADL

// Record bytes cross nodes as plain bytes: a slice is only valid in its own process, so
// serializing copies; the receiver gets owned bytes.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_bytes& x) {
  if constexpr (Inspector::reads_state) {
    auto bytes = x.flatten();
    return f(caf::meta::type_name("record_bytes"), bytes);
  } else {
    std::vector<char> bytes;
    return f(caf::meta::type_name("record_bytes"), bytes,
             caf::meta::load_callback([&]() -> caf::error {
               x = record_bytes{std::move(bytes)};
               return caf::none;
             }));
  }
}

CAFKA_INSPECT_FIELDS(cleanup_config, x.delete_enabled, x.compact, x.min_cleanable_dirty_ratio,
                     x.delete_retention_ms, x.min_compaction_lag_ms)
// dir and the index sizes stay local (each node has its own log.dirs).
CAFKA_INSPECT_FIELDS(log_config, x.segment_bytes, x.max_message_bytes, x.segment_ms, x.timestamp,
                     x.flush_messages, x.flush_ms, x.cleanup)
CAFKA_INSPECT_FIELDS(retention_policy, x.retention_ms, x.retention_bytes, x.delete_delay_ms)

} // namespace cafka::storage

namespace cafka {
CAFKA_INSPECT_FIELDS(produce_args, x.batch, x.acks, x.timeout_ms)
CAFKA_INSPECT_FIELDS(produce_reply, x.ec, x.base_offset, x.log_append_time, x.log_start_offset)
CAFKA_INSPECT_FIELDS(fetch_args, x.offset, x.max_bytes, x.max_wait_ms, x.current_leader_epoch)
CAFKA_INSPECT_FIELDS(fetch_reply, x.ec, x.high_watermark, x.last_stable_offset, x.log_start_offset,
              x.records)
CAFKA_INSPECT_FIELDS(replica_status, x.role, x.leader_id, x.leader_epoch, x.log_start_offset,
              x.high_watermark, x.log_end_offset)
CAFKA_INSPECT_FIELDS(broker_info, x.node_id, x.host, x.port)
CAFKA_INSPECT_FIELDS(partition_metadata, x.ec, x.partition, x.leader_id, x.leader_epoch, x.replicas,
              x.isr)
CAFKA_INSPECT_FIELDS(topic_metadata, x.ec, x.name, x.is_internal, x.partitions)
CAFKA_INSPECT_FIELDS(metadata_query, x.all_topics, x.topics, x.allow_auto_create)
CAFKA_INSPECT_FIELDS(metadata_snapshot, x.cluster_id, x.controller_id, x.brokers, x.topics)
CAFKA_INSPECT_FIELDS(create_topic_args, x.name, x.num_partitions, x.replication_factor, x.configs,
              x.validate_only)
CAFKA_INSPECT_FIELDS(create_partitions_args, x.name, x.count, x.validate_only)
CAFKA_INSPECT_FIELDS(topic_result, x.ec, x.message, x.num_partitions, x.replication_factor)
CAFKA_INSPECT_FIELDS(config_resource, x.type, x.name)
CAFKA_INSPECT_FIELDS(config_synonym, x.name, x.value, x.null, x.source)
CAFKA_INSPECT_FIELDS(config_entry, x.name, x.value, x.null, x.source, x.read_only, x.sensitive,
                     x.synonyms, x.type, x.doc)
CAFKA_INSPECT_FIELDS(config_description, x.ec, x.message, x.entries)
CAFKA_INSPECT_FIELDS(config_change, x.name, x.op, x.value, x.null)
CAFKA_INSPECT_FIELDS(alter_configs_args, x.topic, x.incremental, x.changes, x.validate_only)


} // namespace cafka
