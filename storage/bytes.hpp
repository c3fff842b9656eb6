#pragma once
// Big-endian loads and stores on unaligned bytes (every Kafka and index field is big-endian).
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace cafka::storage {

template <class T>
T load_be(const void* p) noexcept {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  U u;
  std::memcpy(&u, p, sizeof(U));
  if constexpr (sizeof(U) == 2)
    u = __builtin_bswap16(u);
  else if constexpr (sizeof(U) == 4)
    u = __builtin_bswap32(u);
  else if constexpr (sizeof(U) == 8)
    u = __builtin_bswap64(u);
  return static_cast<T>(u);
}

template <class T>
void store_be(void* p, T value) noexcept {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(value);
  if constexpr (sizeof(U) == 2)
    u = __builtin_bswap16(u);
  else if constexpr (sizeof(U) == 4)
    u = __builtin_bswap32(u);
  else if constexpr (sizeof(U) == 8)
    u = __builtin_bswap64(u);
  std::memcpy(p, &u, sizeof(U));
}

} // namespace cafka::storage
