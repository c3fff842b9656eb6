#pragma once
// CRC-32C (Castagnoli), as used by Kafka record batches. Uses SSE4.2 when the CPU has it.
#include <cstddef>
#include <cstdint>

namespace cafka::storage {

uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0) noexcept;

} // namespace cafka::storage
