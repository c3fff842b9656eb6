#include "actors/meta_properties.hpp"

#include "actors/atomic_file.hpp"

#include <array>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

namespace cafka {

namespace {

constexpr const char* file_name = "meta.properties";

std::map<std::string, std::string> parse_properties(const std::string& text) {
  std::map<std::string, std::string> result;
  std::istringstream in{text};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    result[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return result;
}

} // namespace

std::string uuid_base64(std::array<unsigned char, 16> bytes) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (auto b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0)
    out.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
  return out; // 128 bits -> 22 characters
}

std::string random_uuid_base64(std::array<unsigned char, 16> random_bytes) {
  random_bytes[6] = (random_bytes[6] & 0x0f) | 0x40; // version 4
  random_bytes[8] = (random_bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return uuid_base64(random_bytes);
}

std::string random_uuid_base64() {
  std::array<unsigned char, 16> bytes;
  std::random_device rd;
  for (auto& b : bytes)
    b = static_cast<unsigned char>(rd());
  return random_uuid_base64(bytes);
}

std::string load_or_create_cluster_id(const std::filesystem::path& dir, int32_t node_id,
                                      const std::string& new_id) {
  auto path = dir / file_name;
  std::error_code ec;
  auto text = read_file(path, ec);
  if (!ec) {
    auto props = parse_properties(text);
    auto nid = props.find("node.id");
    if (nid != props.end() && nid->second != std::to_string(node_id))
      throw std::runtime_error(path.string() + " belongs to node.id " + nid->second
                               + ", but this broker is node.id " + std::to_string(node_id));
    auto cid = props.find("cluster.id");
    if (cid == props.end() || cid->second.empty())
      throw std::runtime_error(path.string() + " has no cluster.id");
    return cid->second;
  }
  if (ec != std::errc::no_such_file_or_directory)
    throw std::runtime_error("cannot read " + path.string() + ": " + ec.message());
  auto cluster_id = new_id.empty() ? random_uuid_base64() : new_id;
  std::ostringstream out;
  out << "#\n# Written by cafka; identifies this log directory.\n#\n"
      << "version=1\n"
      << "cluster.id=" << cluster_id << "\n"
      << "node.id=" << node_id << "\n";
  if (auto wec = write_file_atomically(path, out.str()))
    throw std::runtime_error("cannot write " + path.string() + ": " + wec.message());
  return cluster_id;
}

} // namespace cafka
