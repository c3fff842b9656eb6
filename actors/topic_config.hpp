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

// ---- DescribeConfigs and AlterConfigs (actors/topic_config_admin.cpp) ----------------------

// Every key of the table, in table order, with its effective value and source: dynamic_topic
// when the topic overrides it, static_broker when one of its broker options was set in the file
// or an --override (broker_config::explicitly_set), else default_config. Synonyms as Kafka lists
// them: the override, the explicitly set broker options, then the broker option's default.
std::vector<config_entry> describe_topic_configs(const broker_config& cfg,
                                                 const topic_configs& overrides);

// The broker options a topic key falls back to, most specific first (retention.ms:
// log.retention.ms, log.retention.minutes, log.retention.hours).
std::vector<std::string> broker_synonyms(const topic_config_def& def);

struct config_change_result {
  errc ec = errc::none;               // invalid_config or invalid_request
  std::string message;                // Kafka's wording
  topic_configs overrides;            // the topic's overrides after the changes (when ec is none)
};

// A topic's overrides after an AlterConfigs (the SETs replace every override) or an
// IncrementalAlterConfigs (SET, DELETE, and APPEND / SUBTRACT on list keys such as
// cleanup.policy, starting from the effective value). The result is validated as a whole: on any
// error nothing of the request is to be applied.
config_change_result apply_config_changes(const broker_config& cfg, const topic_configs& current,
                                          const alter_configs_args& args);

// docs/topic-configs.md: every key with its type, broker option and default, valid values and
// doc (actors/topic_config_docs.cpp; tests/actors/topic_config_docs_test.cpp keeps it current).
std::string topic_configs_markdown();

} // namespace cafka
