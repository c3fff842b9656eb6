#include "storage/errc.hpp"

#include <cerrno>
#include <string>

namespace cafka {

std::string_view to_string(errc x) noexcept {
  switch (x) {
    case errc::none: return "none";
    case errc::corrupt_message: return "corrupt message";
    case errc::invalid_record: return "invalid record";
    case errc::offset_out_of_range: return "offset out of range";
    case errc::storage_error: return "storage error";
    case errc::record_too_large: return "record too large";
    case errc::unknown_topic_or_partition: return "unknown topic or partition";
    case errc::topic_already_exists: return "topic already exists";
    case errc::invalid_topic: return "invalid topic";
    case errc::invalid_partitions: return "invalid partitions";
    case errc::invalid_replication_factor: return "invalid replication factor";
    case errc::invalid_config: return "invalid config";
    case errc::not_leader_or_follower: return "not leader or follower";
    case errc::not_enough_replicas: return "not enough replicas";
    case errc::coordinator_not_available: return "coordinator not available";
    case errc::coordinator_load_in_progress: return "coordinator load in progress";
    case errc::not_coordinator: return "not coordinator";
    case errc::not_controller: return "not controller";
    case errc::not_enough_replicas_after_append: return "not enough replicas after append";
    case errc::leader_not_available: return "leader not available";
    case errc::fenced_leader_epoch: return "fenced leader epoch";
    case errc::unknown_leader_epoch: return "unknown leader epoch";
    case errc::stale_broker_epoch: return "stale broker epoch";
    case errc::invalid_update_version: return "invalid update version";
    case errc::ineligible_replica: return "ineligible replica";
    case errc::broker_not_available: return "broker not available";
    case errc::illegal_generation: return "illegal generation";
    case errc::inconsistent_group_protocol: return "inconsistent group protocol";
    case errc::invalid_group_id: return "invalid group id";
    case errc::unknown_member_id: return "unknown member id";
    case errc::invalid_session_timeout: return "invalid session timeout";
    case errc::rebalance_in_progress: return "rebalance in progress";
    case errc::member_id_required: return "member id required";
    case errc::fenced_instance_id: return "fenced instance id";
    case errc::group_id_not_found: return "group id not found";
    case errc::non_empty_group: return "non-empty group";
    case errc::group_max_size_reached: return "group max size reached";
    case errc::group_subscribed_to_topic: return "group subscribed to topic";
    case errc::offset_metadata_too_large: return "offset metadata too large";
    case errc::request_timed_out: return "request timed out";
    case errc::invalid_request: return "invalid request";
    case errc::unknown: return "unknown error";
  }
  return "unknown error";
}

namespace {

struct category : std::error_category {
  const char* name() const noexcept override { return "cafka"; }
  std::string message(int code) const override {
    return std::string{to_string(static_cast<errc>(code))};
  }
};

} // namespace

const std::error_category& cafka_category() noexcept {
  static const category instance;
  return instance;
}

errc to_errc(const std::error_code& ec) noexcept {
  if (!ec)
    return errc::none;
  if (ec.category() == cafka_category())
    return static_cast<errc>(ec.value());
  // Any OS-level failure (ENOSPC, EIO, ...) is a storage error to the client.
  return errc::storage_error;
}

} // namespace cafka
