#pragma once
// The records the controller quorum commits to __cluster_metadata (KRaft's metadata records,
// simplified): each Raft command entry is one record, encoded with cereal's portable binary
// archive. cluster_metadata.hpp applies them. CAF-free.
//
// One Raft entry holds a list of records that commit (and apply) together, like a KRaft batch:
// creating a topic is its topic_record and all its partition_records at once.
//
// Encoding (version 0): a u8 format version, the record count, then per record the variant
// index (the position of its type in `record` below) and its fields in declaration order. New
// record types go at the END of the variant and new fields need a new version, so old logs stay
// readable.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

namespace cafka::cluster {

using broker_id = int32_t;
constexpr broker_id no_leader = -1;

// A broker (re)registers with a new epoch at every start; it is fenced until the controller
// unfences it (step 3: on its first heartbeat that has caught up with the metadata).
struct register_broker {
  broker_id id = -1;
  int64_t epoch = 0;
  std::string host;     // its Kafka listener, for Metadata responses
  uint16_t port = 0;
  std::string endpoint; // where its actors are published for other nodes (host:port)
};

struct broker_fenced {
  broker_id id = -1;
  int64_t epoch = 0; // ignored unless it is the registered epoch
};

struct broker_unfenced {
  broker_id id = -1;
  int64_t epoch = 0;
};

struct topic_record {
  std::string name;
  std::string id; // Kafka's topic UUID (22-char base64url)
  std::map<std::string, std::string> configs;
};

// A partition as created (or replaced whole).
struct partition_record {
  std::string topic;
  int32_t partition = 0;
  std::vector<broker_id> replicas; // in preference order
  std::vector<broker_id> isr;
  broker_id leader = no_leader;
  int32_t leader_epoch = 0;
  int32_t partition_epoch = 0;
};

// Leader and/or ISR change. A new leader bumps leader_epoch; every change bumps partition_epoch.
struct partition_change {
  std::string topic;
  int32_t partition = 0;
  std::optional<broker_id> leader;
  std::optional<std::vector<broker_id>> isr;
};

struct remove_topic {
  std::string name;
};

using record = std::variant<register_broker, broker_fenced, broker_unfenced, topic_record,
                            partition_record, partition_change, remove_topic>;

std::vector<char> encode(const std::vector<record>& records);
// invalid_record when the bytes are not a record list of a known version.
std::optional<std::vector<record>> decode(const char* data, size_t size, std::error_code& ec);

// "RegisterBroker(id=1, epoch=3, ...)" for logs and test failures.
std::string to_string(const record& r);

// "[1,2,3]": replica lists and ISRs in logs and test failures.
std::string ids(const std::vector<broker_id>& xs);

} // namespace cafka::cluster
