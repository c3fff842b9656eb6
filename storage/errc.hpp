#pragma once
// The project's internal error vocabulary, shared by every layer (storage is the bottom library,
// so it lives here). Kafka error codes never appear outside net/: net/error_mapping.hpp is the
// one place that turns an errc into the code a client expects.
#include <cstdint>
#include <string_view>
#include <system_error>

namespace cafka {

enum class errc : int16_t {
  none = 0,
  // Storage.
  corrupt_message,        // CRC mismatch or unparseable batch bytes
  invalid_record,         // well-formed bytes that break a rule (magic, counts, one batch)
  offset_out_of_range,    // read below log start or above log end
  storage_error,          // I/O failure (disk full, EIO); the log stays usable for reads
  record_too_large,       // batch larger than max.message.bytes
  // Topics and partitions.
  unknown_topic_or_partition,
  topic_already_exists,
  invalid_topic,
  invalid_partitions,
  invalid_replication_factor,
  invalid_config,
  not_leader_or_follower,
  not_enough_replicas,
  not_controller,         // this node is not the active controller (the reply names the leader)
  // Replication and the controller quorum (issue 5).
  not_enough_replicas_after_append, // appended, but the ISR shrank below min.insync.replicas
  leader_not_available,   // the partition has no leader right now (election pending)
  fenced_leader_epoch,    // the request's leader epoch is older than the replica's
  unknown_leader_epoch,   // the request's leader epoch is newer than the replica knows
  stale_broker_epoch,     // a broker heartbeat/request from an older registration
  invalid_update_version, // AlterPartition with an outdated partition epoch
  ineligible_replica,     // AlterPartition adds a fenced or unknown broker to the ISR
  broker_not_available,   // the broker is unreachable (peer down, not yet connected)
  // Coordinators and consumer groups.
  coordinator_not_available,
  coordinator_load_in_progress,
  not_coordinator,
  illegal_generation,
  inconsistent_group_protocol,
  invalid_group_id,
  unknown_member_id,
  invalid_session_timeout,
  rebalance_in_progress,
  member_id_required,
  fenced_instance_id,
  group_id_not_found,
  non_empty_group,
  group_max_size_reached,
  group_subscribed_to_topic,
  offset_metadata_too_large,
  // Requests.
  request_timed_out,
  invalid_request,
  unknown,
};

std::string_view to_string(errc x) noexcept;

const std::error_category& cafka_category() noexcept;

inline std::error_code make_error_code(errc x) noexcept {
  return {static_cast<int>(x), cafka_category()};
}

// Maps any std::error_code (errno from the OS, or a cafka errc) to an errc.
errc to_errc(const std::error_code& ec) noexcept;

} // namespace cafka

template <>
struct std::is_error_code_enum<cafka::errc> : std::true_type {};
