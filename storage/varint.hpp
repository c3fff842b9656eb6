#pragma once
// Kafka's zigzag varints (protobuf-style base-128, least significant group first).
// Decoders are bounds-checked and return false on truncated or over-long input.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cafka::storage {

inline void put_uvarint(std::vector<char>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void put_varlong(std::vector<char>& out, int64_t v) {
  put_uvarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

inline size_t varlong_size(int64_t v) noexcept {
  auto u = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  size_t n = 1;
  while (u >= 0x80) {
    u >>= 7;
    ++n;
  }
  return n;
}

// Reads an unsigned varint of at most max_bytes (5 for varint, 10 for varlong).
inline bool get_uvarint(const char*& p, const char* end, uint64_t& out, int max_bytes) noexcept {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (p == end)
      return false;
    auto b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      out = v;
      return true;
    }
  }
  return false;
}

inline bool get_varlong(const char*& p, const char* end, int64_t& out) noexcept {
  uint64_t u;
  if (!get_uvarint(p, end, u, 10))
    return false;
  out = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

inline bool get_varint(const char*& p, const char* end, int32_t& out) noexcept {
  uint64_t u;
  if (!get_uvarint(p, end, u, 5) || u > 0xffffffffu)
    return false;
  auto v = static_cast<uint32_t>(u);
  out = static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

} // namespace cafka::storage
