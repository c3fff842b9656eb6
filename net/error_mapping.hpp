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
constexpr int16_t offset_metadata_too_large = 12;
constexpr int16_t coordinator_load_in_progress = 14;
constexpr int16_t coordinator_not_available = 15;
constexpr int16_t not_coordinator = 16;
constexpr int16_t illegal_generation = 22;
constexpr int16_t inconsistent_group_protocol = 23;
constexpr int16_t invalid_group_id = 24;
constexpr int16_t unknown_member_id = 25;
constexpr int16_t invalid_session_timeout = 26;
constexpr int16_t rebalance_in_progress = 27;
constexpr int16_t non_empty_group = 68;
constexpr int16_t group_id_not_found = 69;
constexpr int16_t member_id_required = 79;
constexpr int16_t fenced_instance_id = 82;
constexpr int16_t group_max_size_reached = 81;
constexpr int16_t group_subscribed_to_topic = 86;
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
constexpr int16_t not_controller = 41;
constexpr int16_t kafka_storage_error = 56;
constexpr int16_t broker_not_available = 8;
constexpr int16_t not_enough_replicas_after_append = 20;
constexpr int16_t fenced_leader_epoch = 74;
constexpr int16_t unknown_leader_epoch = 75;
constexpr int16_t stale_broker_epoch = 77;
constexpr int16_t ineligible_replica = 107;
constexpr int16_t invalid_update_version = 108;
constexpr int16_t invalid_record = 87;
} // namespace kafka_error

int16_t to_kafka_error(errc x) noexcept;

} // namespace cafka::net
