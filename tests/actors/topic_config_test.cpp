// The topic config table: validation messages, broker defaults, resolution into log settings.
#include "actors/topic_config.hpp"
#include "config/options.hpp"

#include <catch2/catch.hpp>

using namespace cafka;

TEST_CASE("topic configs: unknown keys and bad values are INVALID_CONFIG messages") {
  CHECK(topic_config_error({}).empty());
  CHECK(topic_config_error({{"cleanup.policy", "compact,delete"}, {"retention.ms", "-1"}})
          .empty());
  CHECK(topic_config_error({{"foo.bar", "1"}}) == "Unknown topic config name: foo.bar");
  auto why = topic_config_error({{"retention.ms", "abc"}});
  CHECK(why.rfind("Invalid value abc for configuration retention.ms: must be ", 0) == 0);
  CHECK_FALSE(topic_config_error({{"cleanup.policy", "shred"}}).empty());
  CHECK_FALSE(topic_config_error({{"message.timestamp.type", "Now"}}).empty());
  CHECK_FALSE(topic_config_error({{"min.cleanable.dirty.ratio", "2"}}).empty());
  CHECK_FALSE(topic_config_error({{"segment.bytes", "13"}}).empty());
  CHECK_FALSE(topic_config_error({{"compression.type", "lz4"}}).empty());
}

TEST_CASE("topic configs: every key names an existing broker option or is fixed") {
  broker_config cfg;
  for (const auto& def : topic_config_table()) {
    INFO(def.name);
    if (def.name != "compression.type")
      CHECK(find_option(def.broker_key) != nullptr);
    // The broker default is itself a valid topic value.
    CHECK_NOTHROW(def.check(def.broker_default(cfg)));
  }
}

TEST_CASE("topic configs: overrides win over broker defaults in the log settings") {
  broker_config cfg;
  cfg.log_segment_bytes = 1 << 20;
  cfg.log_roll_ms = 5000;
  cfg.log_message_timestamp_type = "LogAppendTime";
  cfg.log_flush_interval_messages = 7;
  cfg.log_retention_bytes = 123;
  auto s = resolve_log_settings(cfg, {});
  CHECK(s.log.segment_bytes == 1u << 20);
  CHECK(s.log.segment_ms == 5000);
  CHECK(s.log.timestamp == storage::timestamp_type::log_append_time);
  CHECK(s.log.flush_messages == 7);
  CHECK(s.log.flush_ms == std::numeric_limits<int64_t>::max());
  CHECK(s.log.cleanup.delete_enabled);
  CHECK_FALSE(s.log.cleanup.compact);
  CHECK(s.retention.retention_bytes == 123);
  CHECK(s.retention.retention_ms == 168LL * 3600000);

  s = resolve_log_settings(cfg, {{"segment.bytes", "4096"},
                                 {"segment.ms", "10"},
                                 {"message.timestamp.type", "CreateTime"},
                                 {"flush.ms", "100"},
                                 {"cleanup.policy", "compact"},
                                 {"min.cleanable.dirty.ratio", "0.1"},
                                 {"delete.retention.ms", "5"},
                                 {"min.compaction.lag.ms", "6"},
                                 {"retention.ms", "1000"}});
  CHECK(s.log.segment_bytes == 4096);
  CHECK(s.log.segment_ms == 10);
  CHECK(s.log.timestamp == storage::timestamp_type::create_time);
  CHECK(s.log.flush_ms == 100);
  CHECK(s.log.cleanup.compact);
  CHECK_FALSE(s.log.cleanup.delete_enabled);
  CHECK(s.log.cleanup.min_cleanable_dirty_ratio == 0.1);
  CHECK(s.log.cleanup.delete_retention_ms == 5);
  CHECK(s.log.cleanup.min_compaction_lag_ms == 6);
  // Compact-only: no time or size retention, whatever retention.ms says.
  CHECK(s.retention.retention_ms == -1);
  CHECK(s.retention.retention_bytes == -1);

  CHECK(resolve_min_insync_replicas(cfg, {}) == 1);
  CHECK(resolve_min_insync_replicas(cfg, {{"min.insync.replicas", "2"}}) == 2);
}
