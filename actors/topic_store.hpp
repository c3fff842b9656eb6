#pragma once
// The node's persistent list of topics: <log.dirs[0]>/cafka-topics.json. Written atomically
// (temp file + fsync + rename) on every create/delete/grow, read once at startup.
// File format (version 1, cereal JSON):
//   { "version": 1,
//     "topics": [ { "name": "t", "id": "<22-char base64url UUID>", "partitions": 3,
//                   "replication_factor": 1, "leader_epoch": 0,
//                   "configs": [ { "key": "retention.ms", "value": "1000" } ] } ] }
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

namespace cafka {

struct topic_definition {
  std::string name;
  std::string id;                               // stable topic id (Kafka's topic UUID)
  int32_t partitions = 1;
  int16_t replication_factor = 1;
  int32_t leader_epoch = 0;                      // same for every partition for now
  std::map<std::string, std::string> configs;    // stored as given; applied later
};

// All topics by name.
using topic_map = std::map<std::string, topic_definition>;

constexpr const char* topic_store_file = "cafka-topics.json";

// Loads the store from `dir`; an absent file is an empty store. Throws std::runtime_error on an
// unreadable or malformed file (refusing to start beats forgetting topics).
topic_map load_topic_store(const std::filesystem::path& dir);

// Replaces the store in `dir` with `topics`, atomically.
std::error_code save_topic_store(const std::filesystem::path& dir, const topic_map& topics);

} // namespace cafka
