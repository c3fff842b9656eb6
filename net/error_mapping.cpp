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
    case errc::request_timed_out: return kafka_error::request_timed_out;
    case errc::invalid_request: return kafka_error::invalid_request;
    case errc::unknown: return kafka_error::unknown_server_error;
  }
  return kafka_error::unknown_server_error;
}

} // namespace cafka::net
