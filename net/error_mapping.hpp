#pragma once
// The one place where internal errors become Kafka error codes.
#include "storage/errc.hpp"

#include <cstdint>

namespace cafka::net {

// Kafka error codes used by cafka (see Kafka's Errors.java).
namespace kafka_error {
constexpr int16_t none = 0;
constexpr int16_t unknown_server_error = -1;
constexpr int16_t offset_out_of_range = 1;
constexpr int16_t corrupt_message = 2;
constexpr int16_t unknown_topic_or_partition = 3;
constexpr int16_t leader_not_available = 5;
constexpr int16_t not_leader_or_follower = 6;
constexpr int16_t request_timed_out = 7;
constexpr int16_t coordinator_not_available = 15;
constexpr int16_t message_too_large = 10;
constexpr int16_t invalid_topic_exception = 17;
constexpr int16_t record_list_too_large = 18;
constexpr int16_t not_enough_replicas = 19;
constexpr int16_t invalid_required_acks = 21;
constexpr int16_t unsupported_version = 35;
constexpr int16_t topic_already_exists = 36;
constexpr int16_t invalid_partitions = 37;
constexpr int16_t invalid_replication_factor = 38;
constexpr int16_t invalid_request = 42;
constexpr int16_t invalid_config = 40;
constexpr int16_t kafka_storage_error = 56;
constexpr int16_t invalid_record = 87;
} // namespace kafka_error

int16_t to_kafka_error(errc x) noexcept;

} // namespace cafka::net
