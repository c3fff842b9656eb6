#pragma once
// Records of the internal compacted topic __consumer_offsets, in Kafka's own formats so the data
// is what Kafka tools expect: keys OffsetCommitKey v1 / GroupMetadataKey v2 (an int16 version
// prefix, then the fields), values OffsetCommitValue v3 / GroupMetadataValue v3; a tombstone
// (null value) deletes a group or an offset.
#include "actors/group_messages.hpp"

#include <cstdint>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace cafka {

// A group's membership as persisted after each completed rebalance (GroupMetadataValue).
struct stored_member {
  std::string member_id;
  std::string group_instance_id;   // empty: dynamic member
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::vector<char> subscription;  // the member's metadata for the chosen protocol
  std::vector<char> assignment;
};

struct stored_group {
  std::string group_id;
  std::string protocol_type;
  int32_t generation = 0;
  std::string protocol;            // empty when the group is Empty
  std::string leader;
  int64_t state_timestamp = -1;
  std::vector<stored_member> members;
};

// A committed offset (OffsetCommitKey + OffsetCommitValue).
struct stored_offset {
  std::string group_id;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;
};

struct group_tombstone {
  std::string group_id;
};

struct offset_tombstone {
  std::string group_id;
  std::string topic;
  int32_t partition = 0;
};

using offsets_entry = std::variant<stored_group, stored_offset, group_tombstone, offset_tombstone>;

offsets_record encode(const stored_group& g);
offsets_record encode(const stored_offset& o);
offsets_record encode(const group_tombstone& t);
offsets_record encode(const offset_tombstone& t);

// Decodes one record read back from the partition (key bytes, value bytes or null).
// Unknown key versions → invalid_record; the caller logs and skips them.
std::error_code decode(const char* key, size_t key_size, const char* value, size_t value_size,
                       bool value_is_null, offsets_entry& out);

// The group's partition of __consumer_offsets: Java's abs(groupId.hashCode()) % partitions,
// so a group lands where Kafka would put it.
int32_t offsets_partition_for(const std::string& group_id, int32_t partitions);

} // namespace cafka
