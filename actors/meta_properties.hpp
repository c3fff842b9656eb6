#pragma once
// <log.dir>/meta.properties, as Kafka writes it: identifies the cluster and the node a log
// directory belongs to, so a directory is never silently reused by another node.
// File format (version 1):
//   version=1
//   cluster.id=<22-char base64url UUID>
//   node.id=<int>
#include <cstdint>
#include <filesystem>
#include <string>

namespace cafka {

// A random UUID as Kafka prints it (base64url without padding, 22 characters).
std::string random_uuid_base64();

// Reads meta.properties in `dir`, or creates it with a fresh cluster id. Returns the cluster id.
// Throws std::runtime_error when the file names another node.id or cannot be read/written
// (a startup failure the operator must see).
std::string load_or_create_cluster_id(const std::filesystem::path& dir, int32_t node_id);

} // namespace cafka
