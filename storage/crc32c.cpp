#include "storage/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#  include <nmmintrin.h>
#  define CAFKA_CRC32C_X86 1
#endif

namespace cafka::storage {

namespace {

constexpr uint32_t poly = 0x82f63b78; // Castagnoli, reflected

// Slicing-by-8 tables: tables[k][b] is the CRC of byte b followed by k zero bytes.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int j = 0; j < 8; ++j)
      c = (c >> 1) ^ ((c & 1) ? poly : 0);
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (size_t k = 1; k < 8; ++k)
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
  return t;
}

constexpr auto tables = make_tables();

} // namespace

namespace detail {

uint32_t crc32c_table(const void* data, size_t size, uint32_t crc) noexcept {
  auto p = static_cast<const unsigned char*>(data);
  uint32_t c = ~crc;
  while (size >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    w ^= c; // little-endian host assumed (x86, arm64)
    c = tables[7][w & 0xff] ^ tables[6][(w >> 8) & 0xff] ^ tables[5][(w >> 16) & 0xff]
        ^ tables[4][(w >> 24) & 0xff] ^ tables[3][(w >> 32) & 0xff]
        ^ tables[2][(w >> 40) & 0xff] ^ tables[1][(w >> 48) & 0xff] ^ tables[0][w >> 56];
    p += 8;
    size -= 8;
  }
  while (size-- > 0)
    c = (c >> 8) ^ tables[0][(c ^ *p++) & 0xff];
  return ~c;
}

#ifdef CAFKA_CRC32C_X86

bool crc32c_hw_available() noexcept {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}

__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const void* data, size_t size,
                                                         uint32_t crc) noexcept {
  auto p = static_cast<const unsigned char*>(data);
  uint64_t c = ~crc;
  while (size >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    size -= 8;
  }
  auto c32 = static_cast<uint32_t>(c);
  while (size-- > 0)
    c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

#else

bool crc32c_hw_available() noexcept {
  return false;
}

uint32_t crc32c_sse42(const void* data, size_t size, uint32_t crc) noexcept {
  return crc32c_table(data, size, crc);
}

#endif

} // namespace detail

uint32_t crc32c(const void* data, size_t size, uint32_t crc) noexcept {
  return detail::crc32c_hw_available() ? detail::crc32c_sse42(data, size, crc)
                                       : detail::crc32c_table(data, size, crc);
}

} // namespace cafka::storage
