#pragma once
// CRC-32C (Castagnoli), as used by Kafka record batches. Uses SSE4.2 when the CPU has it.
#include <cstddef>
#include <cstdint>

namespace cafka::storage {

// Chainable: crc32c(b, nb, crc32c(a, na)) == crc32c of a followed by b.
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0) noexcept;

// The two implementations behind crc32c(), exposed so tests and benches can compare them.
namespace detail {
bool crc32c_hw_available() noexcept;
uint32_t crc32c_table(const void* data, size_t size, uint32_t crc) noexcept;
uint32_t crc32c_sse42(const void* data, size_t size, uint32_t crc) noexcept; // needs SSE4.2
} // namespace detail

} // namespace cafka::storage
