// The option table. To add an option: add a field to broker_config.hpp (with the same default),
// add one line here, regenerate docs/configuration.md (see tests/unit/config/docs_test.cpp).
#include "config/options.hpp"

#include "config/values.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

namespace cafka {

namespace {

template <class Int>
const char* int_type() {
  if constexpr (sizeof(Int) == 2)
    return "short";
  else if constexpr (sizeof(Int) == 4)
    return "int";
  else
    return "long";
}

template <class Int>
option_def int_opt(std::string name, Int broker_config::*field, std::string def, int64_t lo,
                   int64_t hi, std::string doc) {
  return {std::move(name), int_type<Int>(), std::move(def), values::int_range(lo, hi),
          std::move(doc), "",
          [=](broker_config& c, const std::string& v) {
            c.*field = static_cast<Int>(values::parse_int(v, lo, hi));
          },
          [=](const broker_config& c) { return std::to_string(c.*field); }};
}

option_def bool_opt(std::string name, bool broker_config::*field, std::string def, std::string doc) {
  return {std::move(name), "boolean", std::move(def), "true or false", std::move(doc), "",
          [=](broker_config& c, const std::string& v) { c.*field = values::parse_bool(v); },
          [=](const broker_config& c) { return std::string{c.*field ? "true" : "false"}; }};
}

option_def listeners_opt(std::string name, std::vector<listener> broker_config::*field,
                         std::string def, bool advertising, std::string doc) {
  return {std::move(name), "list", std::move(def),
          advertising ? "comma list of NAME://host:port (routable host)"
                      : "comma list of NAME://host:port (empty host = 0.0.0.0)",
          std::move(doc), "",
          [=](broker_config& c, const std::string& v) {
            auto ls = values::parse_listeners(v, advertising);
            if (ls.empty() && !advertising)
              throw bad_value{"at least one listener, e.g. PLAINTEXT://127.0.0.1:9092"};
            c.*field = std::move(ls);
          },
          [=](const broker_config& c) {
            std::vector<std::string> items;
            for (const auto& l : c.*field)
              items.push_back(to_string(l));
            return values::join(items);
          }};
}

option_def log_dirs_opt(std::string name, std::string def, std::string alias_of, std::string doc) {
  return {std::move(name), "list", std::move(def), "comma list of directories", std::move(doc),
          std::move(alias_of),
          [](broker_config& c, const std::string& v) {
            auto dirs = values::split_list(v);
            if (dirs.empty())
              throw bad_value{"at least one directory"};
            c.log_dirs = std::move(dirs);
          },
          [](const broker_config& c) { return values::join(c.log_dirs); }};
}

// An integer option that may be left unset (empty text), like Kafka's null-default
// log.retention.ms / log.retention.minutes that fall back to the next coarser unit.
template <class Int>
option_def opt_int_opt(std::string name, std::optional<Int> broker_config::*field, int64_t lo,
                       int64_t hi, std::string doc) {
  return {std::move(name), int_type<Int>(), "", values::int_range(lo, hi) + ", or empty (unset)",
          std::move(doc), "",
          [=](broker_config& c, const std::string& v) {
            if (v.empty())
              c.*field = std::nullopt;
            else
              c.*field = static_cast<Int>(values::parse_int(v, lo, hi));
          },
          [=](const broker_config& c) {
            return c.*field ? std::to_string(*(c.*field)) : std::string{};
          }};
}

option_def double_opt(std::string name, double broker_config::*field, std::string def, double lo,
                      double hi, std::string doc) {
  return {std::move(name), "double", std::move(def), values::double_range(lo, hi), std::move(doc),
          "",
          [=](broker_config& c, const std::string& v) {
            c.*field = values::parse_double(v, lo, hi);
          },
          [=](const broker_config& c) {
            std::ostringstream out;
            out << c.*field;
            return out.str();
          }};
}

// A string option with a fixed set of values.
option_def choice_opt(std::string name, std::string broker_config::*field, std::string def,
                      std::vector<std::string> choices, std::string doc) {
  auto valid = "one of " + values::join(choices);
  return {std::move(name), "string", std::move(def), valid, std::move(doc), "",
          [=](broker_config& c, const std::string& v) {
            if (std::find(choices.begin(), choices.end(), v) == choices.end())
              throw bad_value{valid};
            c.*field = v;
          },
          [=](const broker_config& c) { return c.*field; }};
}

option_def process_roles_opt() {
  return {"process.roles", "list", "broker,controller", "a comma list of broker and/or controller",
          "What this process is (KRaft): a `broker` (serves clients), a `controller` (a voter of "
          "the metadata quorum), or both.",
          "",
          [](broker_config& c, const std::string& v) {
            c.role_broker = c.role_controller = false;
            auto items = values::split_list(v);
            for (const auto& item : items) {
              bool& role = item == "broker" ? c.role_broker : c.role_controller;
              if ((item != "broker" && item != "controller") || role)
                throw bad_value{"a comma list of broker and/or controller, each once"};
              role = true;
            }
            if (items.empty())
              throw bad_value{"at least one of broker, controller"};
          },
          [](const broker_config& c) {
            std::vector<std::string> roles;
            if (c.role_broker)
              roles.push_back("broker");
            if (c.role_controller)
              roles.push_back("controller");
            return values::join(roles);
          }};
}

option_def quorum_voters_opt() {
  return {"controller.quorum.voters", "list", "", "comma list of id@host:port, or empty",
          "The voters of the controller quorum (KRaft syntax, e.g. "
          "`1@host1:9093,2@host2:9093,3@host3:9093`). Empty: a single node that is its own "
          "quorum of one.",
          "",
          [](broker_config& c, const std::string& v) {
            if (v.find_first_not_of(" \t") == std::string::npos) {
              c.controller_quorum_voters.clear();
              return;
            }
            auto parsed = parse_quorum_voters(v);
            if (!parsed.ok())
              throw bad_value{"comma list of id@host:port (" + parsed.error + ")"};
            c.controller_quorum_voters = std::move(parsed.voters);
          },
          [](const broker_config& c) { return to_string(c.controller_quorum_voters); }};
}

option_def cluster_nodes_opt() {
  return {"cluster.nodes", "list", "", "comma list of id@host:kafka_port:actor_port, or empty",
          "Every node of a multi-node cluster: its id, its Kafka listener and the port where its "
          "actors talk to the other nodes (e.g. `1@127.0.0.1:9092:9192,2@127.0.0.1:9093:9193`). "
          "All nodes read the same list and pick their own entry by `node.id`, which sets their "
          "`listeners` unless given. Empty: a single-node broker.",
          "",
          [](broker_config& c, const std::string& v) {
            auto parsed = parse_cluster_nodes(v);
            if (!parsed.ok())
              throw bad_value{"comma list of id@host:kafka_port:actor_port (" + parsed.error + ")"};
            c.cluster_nodes = std::move(parsed.nodes);
          },
          [](const broker_config& c) { return to_string(c.cluster_nodes); }};
}

option_def cleanup_policy_opt() {
  return {"log.cleanup.policy", "list", "delete", "a comma list of delete and/or compact",
          "What happens to old segments: `delete` (retention), `compact` (keep the latest "
          "record per key) or both. Topic override: `cleanup.policy`.",
          "",
          [](broker_config& c, const std::string& v) {
            c.log_cleanup_policy = values::parse_cleanup_policy(v);
          },
          [](const broker_config& c) { return c.log_cleanup_policy; }};
}

option_def log_level_opt() {
  static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error"};
  return {"log.level", "string", "info", "one of trace, debug, info, warn, error",
          "Least severe level of the broker's log lines on stderr.", "",
          [](broker_config& c, const std::string& v) {
            for (const auto& level : levels)
              if (v == level) {
                c.log_level = v;
                return;
              }
            throw bad_value{"one of trace, debug, info, warn, error"};
          },
          [](const broker_config& c) { return c.log_level; }};
}

constexpr int64_t i16max = std::numeric_limits<int16_t>::max();
constexpr int64_t i32max = std::numeric_limits<int32_t>::max();
constexpr int64_t i64max = std::numeric_limits<int64_t>::max();

std::vector<option_def> make_table() {
  using c = broker_config;
  return {
    int_opt("node.id", &c::node_id, "1", 0, i32max,
            "Id of this broker in the cluster; clients see it in Metadata responses."),
    listeners_opt("listeners", &c::listeners, "PLAINTEXT://127.0.0.1:9092", false,
                  "Addresses the broker binds to. Listener names must be unique; all are plaintext."),
    listeners_opt("advertised.listeners", &c::advertised_listeners, "", true,
                  "Addresses given to clients in Metadata responses; empty means the same as "
                  "`listeners`. Each name must also appear in `listeners`."),
    int_opt("num.network.threads", &c::num_network_threads, "2", 1, 1024,
            "Threads that run socket I/O (Asio), shared by all connections."),
    int_opt("socket.request.max.bytes", &c::socket_request_max_bytes, "104857600", 1, i32max,
            "Largest request frame (size prefix excluded) the broker accepts."),
    int_opt("queued.max.requests", &c::queued_max_requests, "500", 1, i32max,
            "Requests one connection may have read but not yet answered; beyond that the broker "
            "stops reading from it until answers go out."),
    int_opt("queued.max.request.bytes", &c::queued_max_request_bytes, "104857600", -1, i64max,
            "Bytes of read but unanswered requests the broker holds, summed over all "
            "connections; when exhausted, connections stop reading until answers release bytes. "
            "A request larger than this is admitted when nothing else is held. -1: unlimited."),
    process_roles_opt(),
    quorum_voters_opt(),
    int_opt("controller.quorum.election.timeout.ms", &c::controller_quorum_election_timeout_ms,
            "1000", 10, i32max,
            "A controller that hears nothing from a leader for a random time between this and "
            "twice this starts an election."),
    cluster_nodes_opt(),
    int_opt("broker.heartbeat.interval.ms", &c::broker_heartbeat_interval_ms, "2000", 1, i32max,
            "How often a broker heartbeats to the active controller (cluster mode)."),
    int_opt("broker.session.timeout.ms", &c::broker_session_timeout_ms, "9000", 1, i32max,
            "A broker without a heartbeat for this long is fenced: it leaves every ISR and its "
            "partitions elect new leaders."),
    int_opt("replica.lag.time.max.ms", &c::replica_lag_time_max_ms, "30000", 1, i64max,
            "A follower that has not caught up with the leader's log end for this long is "
            "removed from the ISR."),
    int_opt("replica.fetch.max.bytes", &c::replica_fetch_max_bytes, "1048576", 1, i32max,
            "Bytes a follower asks for per fetch from its leader (at least one batch comes)."),
    int_opt("replica.fetch.wait.max.ms", &c::replica_fetch_wait_max_ms, "500", 0, i32max,
            "How long a follower's fetch waits at the leader for new data."),
    int_opt("replica.fetch.backoff.ms", &c::replica_fetch_backoff_ms, "1000", 0, i32max,
            "Pause before a follower retries after a failed fetch (leader unreachable)."),
    bool_opt("unclean.leader.election.enable", &c::unclean_leader_election_enable, "false",
             "Elect a replica outside the ISR when no ISR member is alive (availability over "
             "durability: acknowledged records may be lost)."),
    int_opt("num.partitions", &c::num_partitions, "1", 1, 1000000,
            "Partitions of an auto-created topic, and the default for CreateTopics."),
    int_opt("default.replication.factor", &c::default_replication_factor, "1", 1, i16max,
            "Replication factor of an auto-created topic."),
    bool_opt("auto.create.topics.enable", &c::auto_create_topics_enable, "true",
             "Create a topic when a client asks for its metadata or produces to it."),
    int_opt("min.insync.replicas", &c::min_insync_replicas, "1", 1, i32max,
            "Replicas that must have a record before an acks=all produce succeeds."),
    log_dirs_opt("log.dirs", "./data", "",
                 "Directories that hold partition data (relative paths: to the working "
                 "directory)."),
    log_dirs_opt("log.dir", "", "log.dirs", "Synonym of `log.dirs` (accepted for Kafka "
                                            "compatibility; a file may set only one of them)."),
    // Segment positions are 32-bit in the .index format, so (as in Kafka) at most 2^31-1.
    int_opt("log.segment.bytes", &c::log_segment_bytes, "1073741824", 14, i32max,
            "Size at which a partition's active segment is rolled (minimum: one batch header)."),
    int_opt("log.index.interval.bytes", &c::log_index_interval_bytes, "4096", 0, i32max,
            "Log bytes between two offset-index entries."),
    int_opt("log.index.size.max.bytes", &c::log_index_size_max_bytes, "10485760", 4, i32max,
            "Largest offset or time index file; a full index rolls the segment."),
    int_opt("message.max.bytes", &c::message_max_bytes, "1048588", 0, i32max,
            "Largest record batch the broker accepts from a producer."),
    opt_int_opt("log.retention.ms", &c::log_retention_ms, -1, i64max,
                "How long a closed segment is kept after its newest record's timestamp; -1 keeps "
                "segments forever. Wins over `log.retention.minutes` and `log.retention.hours`; "
                "topic override: `retention.ms`."),
    opt_int_opt("log.retention.minutes", &c::log_retention_minutes, -1, i32max,
                "Retention in minutes, used when `log.retention.ms` is unset; -1: unlimited."),
    int_opt("log.retention.hours", &c::log_retention_hours, "168", -1, i32max,
            "Retention in hours, used when neither `log.retention.ms` nor "
            "`log.retention.minutes` is set; -1: unlimited."),
    int_opt("log.retention.bytes", &c::log_retention_bytes, "-1", -1, i64max,
            "Largest size of one partition's log; the oldest closed segments are deleted while "
            "the log without them is still at least this big. -1: unlimited. Topic override: "
            "`retention.bytes`."),
    int_opt("log.retention.check.interval.ms", &c::log_retention_check_interval_ms, "300000", 1,
            i64max, "How often each partition applies its retention rules."),
    int_opt("log.segment.delete.delay.ms", &c::log_segment_delete_delay_ms, "60000", 0, i64max,
            "How long a segment renamed to `.deleted` (by retention or DeleteRecords) stays on "
            "disk before its files are removed."),
    opt_int_opt("log.roll.ms", &c::log_roll_ms, 1, i64max,
                "Age (from its first record's timestamp) at which the active segment is rolled "
                "even if not full. Wins over `log.roll.hours`; topic override: `segment.ms`."),
    int_opt("log.roll.hours", &c::log_roll_hours, "168", 1, i32max,
            "Segment age limit in hours, used when `log.roll.ms` is unset."),
    choice_opt("log.message.timestamp.type", &c::log_message_timestamp_type, "CreateTime",
               {"CreateTime", "LogAppendTime"},
               "Whether record timestamps are the producer's (`CreateTime`) or the broker's "
               "append time (`LogAppendTime`, which rewrites each batch's maxTimestamp). Topic "
               "override: `message.timestamp.type`."),
    int_opt("log.flush.interval.messages", &c::log_flush_interval_messages,
            "9223372036854775807", 1, i64max,
            "Records appended to a partition before its log is fdatasync'ed; appends wait for "
            "that flush before they are acknowledged, and concurrent appends share one flush. "
            "The default leaves flushing to the OS. Topic override: `flush.messages`."),
    opt_int_opt("log.flush.interval.ms", &c::log_flush_interval_ms, 0, i64max,
                "Longest time an appended record stays unflushed; unset leaves flushing to the "
                "OS. Topic override: `flush.ms`."),
    cleanup_policy_opt(),
    bool_opt("log.cleaner.enable", &c::log_cleaner_enable, "true",
             "Run the log cleaner for topics whose cleanup.policy includes `compact` (and "
             "__consumer_offsets)."),
    int_opt("log.cleaner.backoff.ms", &c::log_cleaner_backoff_ms, "15000", 0, i64max,
            "How long the cleaner waits between checks of a partition that needed no cleaning."),
    double_opt("log.cleaner.min.cleanable.ratio", &c::log_cleaner_min_cleanable_ratio, "0.5", 0,
               1,
               "Share of a compacted log not yet cleaned (the dirty part) that triggers a "
               "clean. Topic override: `min.cleanable.dirty.ratio`."),
    int_opt("log.cleaner.delete.retention.ms", &c::log_cleaner_delete_retention_ms, "86400000",
            0, i64max,
            "How long a tombstone (a record with a null value) survives cleaning, so slow "
            "readers still see the delete. Topic override: `delete.retention.ms`."),
    int_opt("log.cleaner.min.compaction.lag.ms", &c::log_cleaner_min_compaction_lag_ms, "0", 0,
            i64max,
            "Youngest a record may be and still be compacted away. Topic override: "
            "`min.compaction.lag.ms`."),
    int_opt("log.cleaner.dedupe.buffer.size", &c::log_cleaner_dedupe_buffer_size, "134217728",
            1048576, i64max,
            "Memory for the cleaner's key map in one pass; a larger dirty section is cleaned "
            "over several passes."),
    int_opt("offsets.topic.num.partitions", &c::offsets_topic_num_partitions, "50", 1, 1000,
            "Partitions of the internal topic __consumer_offsets, created on the first "
            "FindCoordinator; each partition hosts the coordinators of the groups hashed to it. "
            "Has no effect once the topic exists."),
    int_opt("offsets.topic.replication.factor", &c::offsets_topic_replication_factor, "1", 1,
            i16max,
            "Replication factor of __consumer_offsets; larger than the number of brokers makes "
            "FindCoordinator answer COORDINATOR_NOT_AVAILABLE."),
    int_opt("offsets.retention.minutes", &c::offsets_retention_minutes, "10080", 1, i32max,
            "Committed offsets of a group without members are deleted once both the commit and "
            "the group's last state change are older than this (7 days)."),
    int_opt("offsets.retention.check.interval.ms", &c::offsets_retention_check_interval_ms,
            "600000", 1, i64max, "How often each group shard looks for expired offsets."),
    int_opt("group.initial.rebalance.delay.ms", &c::group_initial_rebalance_delay_ms, "3000", 0,
            i32max,
            "How long the first rebalance of an empty group waits for more members to join."),
    int_opt("group.min.session.timeout.ms", &c::group_min_session_timeout_ms, "6000", 0, i32max,
            "Smallest session timeout a group member may ask for (else INVALID_SESSION_TIMEOUT)."),
    int_opt("group.max.session.timeout.ms", &c::group_max_session_timeout_ms, "1800000", 0,
            i32max,
            "Largest session timeout a group member may ask for (else INVALID_SESSION_TIMEOUT)."),
    int_opt("group.max.size", &c::group_max_size, "2147483647", 1, i32max,
            "Most members a consumer group may have (else GROUP_MAX_SIZE_REACHED)."),
    int_opt("group.lag.log.interval.ms", &c::group_lag_log_interval_ms, "60000", 0, i64max,
            "How often each group shard logs one INFO line per group with committed offsets: "
            "committed offset, log end and lag per partition (groups unchanged since the last "
            "report are skipped); 0 disables the report."),
    log_level_opt(),
    int_opt("caf.scheduler.max-threads", &c::caf_max_threads, "2", 1, 1024,
            "CAF scheduler worker threads that run the actors (passed through to CAF)."),
  };
}

} // namespace

std::string to_string(const listener& l) {
  auto host = l.host.find(':') != std::string::npos ? "[" + l.host + "]" : l.host;
  return l.name + "://" + host + ":" + std::to_string(l.port);
}

const std::vector<option_def>& option_table() {
  static const std::vector<option_def> table = make_table();
  return table;
}

const option_def* find_option(const std::string& name) {
  for (const auto& opt : option_table())
    if (opt.name == name)
      return &opt;
  return nullptr;
}

} // namespace cafka
