#pragma once
// Payloads of the consumer-group messages in actors/actors.hpp (group shards and group
// coordinators). Plain data with inspect(), like actors/messages.hpp. CAF 0.17 cannot inspect
// std::optional, so Kafka's nullable strings are plain strings here: empty means null (an empty
// group instance id, protocol name or offset metadata carries no meaning in Kafka either).
#include "actors/messages.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cafka {

// ---- membership -----------------------------------------------------------------------------

struct group_protocol {
  std::string name;               // assignor name, e.g. "range", "cooperative-sticky"
  std::vector<char> metadata;     // opaque to the broker: passed through untouched
};

struct join_group_args {
  std::string group_id;
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = -1;        // -1 (v0): the session timeout
  std::string member_id;                    // empty: new member
  std::string group_instance_id;            // static membership (v5+); empty: none
  std::string protocol_type;                // "consumer" for consumers
  std::vector<group_protocol> protocols;
  bool require_known_member_id = false;     // v4+: answer MEMBER_ID_REQUIRED to new members
  std::string client_id;
  std::string client_host;
};

struct join_group_member {
  std::string member_id;
  std::string group_instance_id;
  std::vector<char> metadata;               // the member's metadata for the chosen protocol
};

struct join_group_reply {
  errc ec = errc::none;
  int32_t generation_id = -1;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader;
  std::string member_id;                    // also set with member_id_required
  std::vector<join_group_member> members;   // only for the leader
};

struct member_assignment {
  std::string member_id;
  std::vector<char> assignment;
};

struct sync_group_args {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::string group_instance_id;
  std::string protocol_type;                // v5+ sanity checks; empty: not checked
  std::string protocol_name;
  std::vector<member_assignment> assignments; // only from the leader
};

struct sync_group_reply {
  errc ec = errc::none;
  std::string protocol_type;
  std::string protocol_name;
  std::vector<char> assignment;
};

struct heartbeat_args {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::string group_instance_id;
};

struct member_identity {
  std::string member_id;                    // may be empty for static members (v3+)
  std::string group_instance_id;
};

struct leave_group_args {
  std::string group_id;
  std::vector<member_identity> members;     // v0-2: exactly one
};

struct member_result {
  std::string member_id;
  std::string group_instance_id;
  errc ec = errc::none;
};

struct leave_group_reply {
  errc ec = errc::none;                     // group-level error
  std::vector<member_result> members;
};

// ---- offsets --------------------------------------------------------------------------------

struct partition_offset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;                     // offset metadata; null reads back as ""
  errc ec = errc::none;                     // replies only
};

struct offset_commit_args {
  std::string group_id;
  int32_t generation_id = -1;               // -1: a simple (non-member) commit
  std::string member_id;
  std::string group_instance_id;
  int64_t retention_time_ms = -1;           // v2-4; -1: broker default
  std::vector<partition_offset> offsets;
};

struct offset_commit_reply {
  errc ec = errc::none;                     // when set, applies to every partition
  std::vector<partition_offset> offsets;    // per-partition results (ec)
};

struct offset_fetch_args {
  std::string group_id;
  bool all_partitions = false;              // v2+ null topics: every committed offset
  std::vector<partition_offset> partitions;
};

struct offset_fetch_reply {
  errc ec = errc::none;
  std::vector<partition_offset> offsets;    // unknown partitions: offset -1, metadata ""
};

struct offset_delete_args {
  std::string group_id;
  std::vector<partition_offset> partitions;
};

// One record of __consumer_offsets: key and value encoded with Kafka's schemas
// (OffsetCommitKey/Value v1/v3, GroupMetadataKey/Value v2/v3); an empty value is a tombstone.
struct offsets_record {
  std::vector<char> key;
  std::vector<char> value;
  bool tombstone = false;
};

// ---- administration -------------------------------------------------------------------------

struct group_member_description {
  std::string member_id;
  std::string group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<char> metadata;
  std::vector<char> assignment;
};

struct group_description {
  errc ec = errc::none;
  std::string group_id;
  std::string state;                        // Kafka's names: Empty, PreparingRebalance,
                                            // CompletingRebalance, Stable, Dead
  std::string protocol_type;
  std::string protocol;
  std::vector<group_member_description> members;
};

struct group_listing {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

CAFKA_INSPECT_FIELDS(group_protocol, x.name, x.metadata)
CAFKA_INSPECT_FIELDS(join_group_args, x.group_id, x.session_timeout_ms, x.rebalance_timeout_ms,
                     x.member_id, x.group_instance_id, x.protocol_type, x.protocols,
                     x.require_known_member_id, x.client_id, x.client_host)
CAFKA_INSPECT_FIELDS(join_group_member, x.member_id, x.group_instance_id, x.metadata)
CAFKA_INSPECT_FIELDS(join_group_reply, x.ec, x.generation_id, x.protocol_type, x.protocol_name,
                     x.leader, x.member_id, x.members)
CAFKA_INSPECT_FIELDS(member_assignment, x.member_id, x.assignment)
CAFKA_INSPECT_FIELDS(sync_group_args, x.group_id, x.generation_id, x.member_id,
                     x.group_instance_id, x.protocol_type, x.protocol_name, x.assignments)
CAFKA_INSPECT_FIELDS(sync_group_reply, x.ec, x.protocol_type, x.protocol_name, x.assignment)
CAFKA_INSPECT_FIELDS(heartbeat_args, x.group_id, x.generation_id, x.member_id,
                     x.group_instance_id)
CAFKA_INSPECT_FIELDS(member_identity, x.member_id, x.group_instance_id)
CAFKA_INSPECT_FIELDS(leave_group_args, x.group_id, x.members)
CAFKA_INSPECT_FIELDS(member_result, x.member_id, x.group_instance_id, x.ec)
CAFKA_INSPECT_FIELDS(leave_group_reply, x.ec, x.members)
CAFKA_INSPECT_FIELDS(partition_offset, x.topic, x.partition, x.offset, x.leader_epoch,
                     x.metadata, x.ec)
CAFKA_INSPECT_FIELDS(offset_commit_args, x.group_id, x.generation_id, x.member_id,
                     x.group_instance_id, x.retention_time_ms, x.offsets)
CAFKA_INSPECT_FIELDS(offset_commit_reply, x.ec, x.offsets)
CAFKA_INSPECT_FIELDS(offset_fetch_args, x.group_id, x.all_partitions, x.partitions)
CAFKA_INSPECT_FIELDS(offset_fetch_reply, x.ec, x.offsets)
CAFKA_INSPECT_FIELDS(offset_delete_args, x.group_id, x.partitions)
CAFKA_INSPECT_FIELDS(offsets_record, x.key, x.value, x.tombstone)
CAFKA_INSPECT_FIELDS(group_member_description, x.member_id, x.group_instance_id, x.client_id,
                     x.client_host, x.metadata, x.assignment)
CAFKA_INSPECT_FIELDS(group_description, x.ec, x.group_id, x.state, x.protocol_type, x.protocol,
                     x.members)
CAFKA_INSPECT_FIELDS(group_listing, x.group_id, x.protocol_type, x.state)

} // namespace cafka
