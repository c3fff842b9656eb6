#include "storage/offset_map.hpp"

#include <algorithm>
#include <cstring>

namespace cafka::storage {

namespace {

constexpr size_t initial_slots = 1024;

inline uint64_t rotl(uint64_t x, int r) noexcept {
  return (x << r) | (x >> (64 - r));
}

inline uint64_t fmix(uint64_t k) noexcept {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

size_t floor_pow2(size_t n) noexcept {
  size_t p = 1;
  while (p * 2 <= n)
    p *= 2;
  return p;
}

} // namespace

void murmur3_128(std::string_view key, uint64_t& out1, uint64_t& out2) noexcept {
  const auto* data = reinterpret_cast<const uint8_t*>(key.data());
  const size_t len = key.size();
  const size_t nblocks = len / 16;
  uint64_t h1 = 0, h2 = 0;
  constexpr uint64_t c1 = 0x87c37b91114253d5ULL;
  constexpr uint64_t c2 = 0x4cf5ad432745937fULL;
  for (size_t i = 0; i < nblocks; ++i) {
    uint64_t k1, k2;
    std::memcpy(&k1, data + i * 16, 8);
    std::memcpy(&k2, data + i * 16 + 8, 8);
    k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1;
    h1 = rotl(h1, 27); h1 += h2; h1 = h1 * 5 + 0x52dce729;
    k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2;
    h2 = rotl(h2, 31); h2 += h1; h2 = h2 * 5 + 0x38495ab5;
  }
  const uint8_t* tail = data + nblocks * 16;
  uint64_t k1 = 0, k2 = 0;
  switch (len & 15) {
    case 15: k2 ^= uint64_t{tail[14]} << 48; [[fallthrough]];
    case 14: k2 ^= uint64_t{tail[13]} << 40; [[fallthrough]];
    case 13: k2 ^= uint64_t{tail[12]} << 32; [[fallthrough]];
    case 12: k2 ^= uint64_t{tail[11]} << 24; [[fallthrough]];
    case 11: k2 ^= uint64_t{tail[10]} << 16; [[fallthrough]];
    case 10: k2 ^= uint64_t{tail[9]} << 8; [[fallthrough]];
    case 9:
      k2 ^= uint64_t{tail[8]};
      k2 *= c2; k2 = rotl(k2, 33); k2 *= c1; h2 ^= k2;
      [[fallthrough]];
    case 8: k1 ^= uint64_t{tail[7]} << 56; [[fallthrough]];
    case 7: k1 ^= uint64_t{tail[6]} << 48; [[fallthrough]];
    case 6: k1 ^= uint64_t{tail[5]} << 40; [[fallthrough]];
    case 5: k1 ^= uint64_t{tail[4]} << 32; [[fallthrough]];
    case 4: k1 ^= uint64_t{tail[3]} << 24; [[fallthrough]];
    case 3: k1 ^= uint64_t{tail[2]} << 16; [[fallthrough]];
    case 2: k1 ^= uint64_t{tail[1]} << 8; [[fallthrough]];
    case 1:
      k1 ^= uint64_t{tail[0]};
      k1 *= c1; k1 = rotl(k1, 31); k1 *= c2; h1 ^= k1;
  }
  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 += h2;
  h2 += h1;
  out1 = h1;
  out2 = h2;
}

offset_map::offset_map(uint64_t max_bytes) {
  // At least a handful of slots, so a tiny buffer still makes progress (one batch per pass).
  max_slots_ = floor_pow2(std::max<uint64_t>(max_bytes / slot_bytes, 16));
  max_entries_ = max_slots_ * 9 / 10;
  slots_.assign(std::min(initial_slots, max_slots_), slot{0, 0, -1});
}

size_t offset_map::find(uint64_t h1, uint64_t h2) const noexcept {
  size_t mask = slots_.size() - 1;
  size_t i = h1 & mask;
  while (slots_[i].offset >= 0 && (slots_[i].h1 != h1 || slots_[i].h2 != h2))
    i = (i + 1) & mask;
  return i;
}

void offset_map::grow() {
  std::vector<slot> old(slots_.size() * 2, slot{0, 0, -1});
  old.swap(slots_);
  for (auto& s : old)
    if (s.offset >= 0)
      slots_[find(s.h1, s.h2)] = s;
}

void offset_map::put(std::string_view key, int64_t offset) {
  uint64_t h1, h2;
  murmur3_128(key, h1, h2);
  // Grow at 75 % while allowed; the largest table fills up to 90 % (max_entries_) and beyond
  // only when the caller ignores has_room_for (one oversized batch): probing still ends.
  if ((size_ + 1) * 4 > slots_.size() * 3 && slots_.size() < max_slots_)
    grow();
  if (size_ + 1 >= slots_.size())
    grow(); // never completely full
  auto& s = slots_[find(h1, h2)];
  if (s.offset < 0) {
    s.h1 = h1;
    s.h2 = h2;
    ++size_;
  }
  s.offset = offset;
}

int64_t offset_map::get(std::string_view key) const noexcept {
  uint64_t h1, h2;
  murmur3_128(key, h1, h2);
  return slots_[find(h1, h2)].offset;
}

} // namespace cafka::storage
