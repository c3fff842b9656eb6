#pragma once
// <log.dir>/meta.properties, as Kafka writes it: identifies the cluster and the node a log
// directory belongs to, so a directory is never silently reused by another node.
// File format (version 1):
//   version=1
//   cluster.id=<22-char base64url UUID>
//   node.id=<int>
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>

namespace cafka {

// 16 bytes as Kafka prints UUIDs: base64url without padding, 22 characters.
std::string uuid_base64(std::array<unsigned char, 16> bytes);

// A random (version 4) UUID as Kafka prints it, from the system's entropy or from 16 random
// bytes the caller drew (a seeded RNG in tests).
std::string random_uuid_base64();
std::string random_uuid_base64(std::array<unsigned char, 16> random_bytes);

// Reads meta.properties in `dir`, or creates it with a fresh cluster id (`new_id`, or a random
// one when empty; cluster nodes pass one derived from cluster.nodes so they all agree). Returns
// the cluster id. Throws std::runtime_error when the file names another node.id or cannot be
// read/written (a startup failure the operator must see).
std::string load_or_create_cluster_id(const std::filesystem::path& dir, int32_t node_id,
                                      const std::string& new_id = {});

} // namespace cafka
