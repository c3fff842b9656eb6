#include "net/error_mapping.hpp"

namespace cafka::net {

int16_t to_kafka_error(errc x) noexcept {
  switch (x) {
    case errc::none: return kafka_error::none;
    case errc::corrupt_message: return kafka_error::corrupt_message;
    case errc::invalid_record: return kafka_error::invalid_record;
    case errc::offset_out_of_range: return kafka_error::offset_out_of_range;
    case errc::storage_error: return kafka_error::kafka_storage_error;
    case errc::record_too_large: return kafka_error::message_too_large;
    case errc::unknown_topic_or_partition: return kafka_error::unknown_topic_or_partition;
    case errc::topic_already_exists: return kafka_error::topic_already_exists;
    case errc::invalid_topic: return kafka_error::invalid_topic_exception;
    case errc::invalid_partitions: return kafka_error::invalid_partitions;
    case errc::invalid_replication_factor: return kafka_error::invalid_replication_factor;
    case errc::invalid_config: return kafka_error::invalid_config;
    case errc::not_leader_or_follower: return kafka_error::not_leader_or_follower;
    case errc::not_enough_replicas: return kafka_error::not_enough_replicas;
    case errc::coordinator_not_available: return kafka_error::coordinator_not_available;
    case errc::coordinator_load_in_progress: return kafka_error::coordinator_load_in_progress;
    case errc::not_coordinator: return kafka_error::not_coordinator;
    case errc::not_controller: return kafka_error::not_controller;
    case errc::not_enough_replicas_after_append:
      return kafka_error::not_enough_replicas_after_append;
    case errc::leader_not_available: return kafka_error::leader_not_available;
    case errc::fenced_leader_epoch: return kafka_error::fenced_leader_epoch;
    case errc::unknown_leader_epoch: return kafka_error::unknown_leader_epoch;
    case errc::stale_broker_epoch: return kafka_error::stale_broker_epoch;
    case errc::invalid_update_version: return kafka_error::invalid_update_version;
    case errc::ineligible_replica: return kafka_error::ineligible_replica;
    case errc::broker_not_available: return kafka_error::broker_not_available;
    case errc::illegal_generation: return kafka_error::illegal_generation;
    case errc::inconsistent_group_protocol: return kafka_error::inconsistent_group_protocol;
    case errc::invalid_group_id: return kafka_error::invalid_group_id;
    case errc::unknown_member_id: return kafka_error::unknown_member_id;
    case errc::invalid_session_timeout: return kafka_error::invalid_session_timeout;
    case errc::rebalance_in_progress: return kafka_error::rebalance_in_progress;
    case errc::member_id_required: return kafka_error::member_id_required;
    case errc::fenced_instance_id: return kafka_error::fenced_instance_id;
    case errc::group_id_not_found: return kafka_error::group_id_not_found;
    case errc::non_empty_group: return kafka_error::non_empty_group;
    case errc::group_max_size_reached: return kafka_error::group_max_size_reached;
    case errc::group_subscribed_to_topic: return kafka_error::group_subscribed_to_topic;
    case errc::offset_metadata_too_large: return kafka_error::offset_metadata_too_large;
    case errc::request_timed_out: return kafka_error::request_timed_out;
    case errc::invalid_request: return kafka_error::invalid_request;
    case errc::unknown: return kafka_error::unknown_server_error;
  }
  return kafka_error::unknown_server_error;
}

} // namespace cafka::net
