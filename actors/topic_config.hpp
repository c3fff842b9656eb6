#pragma once
// Topic-level configs (Kafka's LogConfig): the one table of keys a topic may override, each with
// its broker-level default, its validation, and how it resolves into a partition's log settings.
// CreateTopics, DescribeConfigs and AlterConfigs all go through this table.
#include "actors/messages.hpp"
#include "config/broker_config.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cafka {

// DescribeConfigs' configType (v3+), Kafka's ConfigDef.Type numbering.
enum class config_type : int8_t {
  unknown = 0, boolean = 1, string = 2, int_ = 3, short_ = 4, long_ = 5, double_ = 6, list = 7
};

struct topic_config_def {
  std::string name;        // "retention.ms"
  std::string broker_key;  // the broker option that gives its default ("log.retention.ms")
  config_type type;
  std::string doc;
  // Throws bad_value (config/options.hpp) saying what a valid value looks like.
  std::function<void(const std::string&)> check;
  // The broker's effective default, as text ("604800000").
  std::function<std::string(const broker_config&)> broker_default;
};

using topic_configs = std::map<std::string, std::string>;

// Every key a topic may set, sorted by name (DescribeConfigs lists them in this order).
const std::vector<topic_config_def>& topic_config_table();
const topic_config_def* find_topic_config(const std::string& name);

// The first problem with a topic's overrides, worded as Kafka words INVALID_CONFIG messages
// ("Unknown topic config name: foo", "Invalid value abc for configuration retention.ms: ..."),
// or empty when all are valid.
std::string topic_config_error(const topic_configs& overrides);

// The value in effect for one key: the override when set, else the broker default.
std::string effective_topic_config(const broker_config& cfg, const topic_configs& overrides,
                                   const topic_config_def& def);

// A partition log's settings for a topic with these (validated) overrides; storage fields that
// are not topic-level (dir, index sizes) come from the broker config. cleanup.policy without
// `delete` turns time and size retention off.
log_settings resolve_log_settings(const broker_config& cfg, const topic_configs& overrides);

// min.insync.replicas for a topic.
int32_t resolve_min_insync_replicas(const broker_config& cfg, const topic_configs& overrides);

} // namespace cafka
