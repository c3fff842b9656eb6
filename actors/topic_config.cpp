#include "actors/topic_config.hpp"

#include "config/options.hpp"
#include "config/values.hpp"

#include <algorithm>
#include <limits>

namespace cafka {

namespace {

constexpr int64_t i32max = std::numeric_limits<int32_t>::max();
constexpr int64_t i64max = std::numeric_limits<int64_t>::max();

std::function<void(const std::string&)> int_check(int64_t lo, int64_t hi) {
  return [=](const std::string& v) { values::parse_int(v, lo, hi); };
}

std::function<void(const std::string&)> choice_check(std::vector<std::string> choices) {
  return [=](const std::string& v) {
    if (std::find(choices.begin(), choices.end(), v) == choices.end())
      throw bad_value{"one of " + values::join(choices)};
  };
}

// The broker option's current text (its canonical form from the option table).
std::function<std::string(const broker_config&)> broker_option(const std::string& key) {
  return [key](const broker_config& cfg) { return find_option(key)->get(cfg); };
}

std::string text(int64_t v) {
  return std::to_string(v);
}

std::vector<topic_config_def> make_table() {
  using t = config_type;
  return {
    {"cleanup.policy", "log.cleanup.policy", t::list,
     "`delete` (retention), `compact` (keep the latest record per key) or both.",
     [](const std::string& v) { values::parse_cleanup_policy(v); },
     broker_option("log.cleanup.policy")},
    // cafka stores batches exactly as produced; it never recompresses.
    {"compression.type", "compression.type", t::string,
     "Only `producer`: batches are stored with the producer's codec.",
     choice_check({"producer"}), [](const broker_config&) { return std::string{"producer"}; }},
    {"delete.retention.ms", "log.cleaner.delete.retention.ms", t::long_,
     "How long tombstones survive cleaning.", int_check(0, i64max),
     broker_option("log.cleaner.delete.retention.ms")},
    {"file.delete.delay.ms", "log.segment.delete.delay.ms", t::long_,
     "How long a deleted segment's files stay before removal.", int_check(0, i64max),
     broker_option("log.segment.delete.delay.ms")},
    {"flush.messages", "log.flush.interval.messages", t::long_,
     "Records between two forced flushes; appends wait for the flush.", int_check(1, i64max),
     broker_option("log.flush.interval.messages")},
    {"flush.ms", "log.flush.interval.ms", t::long_,
     "Longest time a record stays unflushed.", int_check(0, i64max),
     [](const broker_config& c) { return text(c.log_flush_interval_ms.value_or(i64max)); }},
    {"max.message.bytes", "message.max.bytes", t::int_, "Largest record batch accepted.",
     int_check(0, i32max), broker_option("message.max.bytes")},
    {"message.timestamp.type", "log.message.timestamp.type", t::string,
     "`CreateTime` (the producer's) or `LogAppendTime` (the broker's).",
     choice_check({"CreateTime", "LogAppendTime"}), broker_option("log.message.timestamp.type")},
    {"min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", t::double_,
     "Dirty share of the log that triggers a clean.",
     [](const std::string& v) { values::parse_double(v, 0, 1); },
     broker_option("log.cleaner.min.cleanable.ratio")},
    {"min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", t::long_,
     "Youngest a record may be and still be compacted away.", int_check(0, i64max),
     broker_option("log.cleaner.min.compaction.lag.ms")},
    {"min.insync.replicas", "min.insync.replicas", t::int_,
     "Replicas that must have a record before acks=all succeeds.", int_check(1, i32max),
     broker_option("min.insync.replicas")},
    {"retention.bytes", "log.retention.bytes", t::long_,
     "Largest size of one partition's log; -1: unlimited.", int_check(-1, i64max),
     broker_option("log.retention.bytes")},
    {"retention.ms", "log.retention.ms", t::long_,
     "How long a closed segment is kept; -1: forever.", int_check(-1, i64max),
     [](const broker_config& c) { return text(c.retention_ms()); }},
    {"segment.bytes", "log.segment.bytes", t::int_, "Size at which a segment rolls.",
     int_check(14, i32max), broker_option("log.segment.bytes")},
    {"segment.ms", "log.roll.ms", t::long_, "Age at which the active segment rolls.",
     int_check(1, i64max), [](const broker_config& c) { return text(c.roll_ms()); }},
  };
}

// The effective value of `name` (which must be in the table), parsed.
int64_t int_value(const broker_config& cfg, const topic_configs& overrides,
                  const std::string& name) {
  auto v = effective_topic_config(cfg, overrides, *find_topic_config(name));
  try {
    return values::parse_int(v, std::numeric_limits<int64_t>::min(), i64max);
  } catch (const bad_value&) {
    // Invalid overrides never pass topic_config_error; fall back to the broker default.
    return values::parse_int(find_topic_config(name)->broker_default(cfg),
                             std::numeric_limits<int64_t>::min(), i64max);
  }
}

std::string string_value(const broker_config& cfg, const topic_configs& overrides,
                         const std::string& name) {
  auto& def = *find_topic_config(name);
  auto v = effective_topic_config(cfg, overrides, def);
  try {
    def.check(v);
    return v;
  } catch (const bad_value&) {
    return def.broker_default(cfg);
  }
}

} // namespace

const std::vector<topic_config_def>& topic_config_table() {
  static const std::vector<topic_config_def> table = make_table();
  return table;
}

const topic_config_def* find_topic_config(const std::string& name) {
  for (const auto& def : topic_config_table())
    if (def.name == name)
      return &def;
  return nullptr;
}

std::string topic_config_error(const topic_configs& overrides) {
  for (const auto& [key, value] : overrides) {
    auto def = find_topic_config(key);
    if (!def)
      return "Unknown topic config name: " + key;
    try {
      def->check(value);
    } catch (const bad_value& e) {
      return "Invalid value " + value + " for configuration " + key + ": must be " + e.expected;
    }
  }
  return {};
}

std::string effective_topic_config(const broker_config& cfg, const topic_configs& overrides,
                                   const topic_config_def& def) {
  auto i = overrides.find(def.name);
  return i != overrides.end() ? i->second : def.broker_default(cfg);
}

log_settings resolve_log_settings(const broker_config& cfg, const topic_configs& overrides) {
  log_settings s;
  auto& lc = s.log;
  lc.index_interval_bytes = static_cast<uint32_t>(cfg.log_index_interval_bytes);
  lc.max_index_bytes = static_cast<uint32_t>(cfg.log_index_size_max_bytes);
  lc.segment_bytes = static_cast<uint64_t>(int_value(cfg, overrides, "segment.bytes"));
  lc.max_message_bytes = static_cast<uint32_t>(int_value(cfg, overrides, "max.message.bytes"));
  lc.segment_ms = int_value(cfg, overrides, "segment.ms");
  lc.timestamp = string_value(cfg, overrides, "message.timestamp.type") == "LogAppendTime"
                   ? storage::timestamp_type::log_append_time
                   : storage::timestamp_type::create_time;
  lc.flush_messages = int_value(cfg, overrides, "flush.messages");
  lc.flush_ms = int_value(cfg, overrides, "flush.ms");
  auto policy = values::parse_cleanup_policy(string_value(cfg, overrides, "cleanup.policy"));
  lc.cleanup.delete_enabled = policy.find("delete") != std::string::npos;
  lc.cleanup.compact = policy.find("compact") != std::string::npos;
  lc.cleanup.delete_retention_ms = int_value(cfg, overrides, "delete.retention.ms");
  lc.cleanup.min_compaction_lag_ms = int_value(cfg, overrides, "min.compaction.lag.ms");
  lc.cleanup.min_cleanable_dirty_ratio =
    values::parse_double(string_value(cfg, overrides, "min.cleanable.dirty.ratio"), 0, 1);
  s.retention.delete_delay_ms = int_value(cfg, overrides, "file.delete.delay.ms");
  if (lc.cleanup.delete_enabled) {
    s.retention.retention_ms = std::max<int64_t>(int_value(cfg, overrides, "retention.ms"), -1);
    s.retention.retention_bytes =
      std::max<int64_t>(int_value(cfg, overrides, "retention.bytes"), -1);
  }
  return s;
}

int32_t resolve_min_insync_replicas(const broker_config& cfg, const topic_configs& overrides) {
  return static_cast<int32_t>(int_value(cfg, overrides, "min.insync.replicas"));
}

} // namespace cafka
