#include "storage/record_batch.hpp"

#include "storage/bytes.hpp"
#include "storage/crc32c.hpp"

namespace cafka::storage {

namespace {

// Field positions within the 61-byte header.
constexpr size_t crc_pos = 17;
constexpr size_t crc_start = 21; // first byte covered by the CRC (attributes)
constexpr size_t leader_epoch_pos = 12;
constexpr size_t attributes_pos = 21;
constexpr size_t max_timestamp_pos = 35;

} // namespace

std::error_code parse_batch_header(const char* p, size_t size, batch_header& out) noexcept {
  if (size < batch_header_size)
    return errc::invalid_record;
  out.base_offset = load_be<int64_t>(p);
  out.batch_length = load_be<int32_t>(p + 8);
  out.partition_leader_epoch = load_be<int32_t>(p + 12);
  out.magic = static_cast<int8_t>(p[16]);
  out.crc = load_be<uint32_t>(p + 17);
  out.attributes = load_be<int16_t>(p + 21);
  out.last_offset_delta = load_be<int32_t>(p + 23);
  out.base_timestamp = load_be<int64_t>(p + 27);
  out.max_timestamp = load_be<int64_t>(p + 35);
  out.producer_id = load_be<int64_t>(p + 43);
  out.producer_epoch = load_be<int16_t>(p + 51);
  out.base_sequence = load_be<int32_t>(p + 53);
  out.record_count = load_be<int32_t>(p + 57);
  // batchLength counts everything after itself, so a whole header needs at least 49.
  if (out.batch_length < static_cast<int32_t>(batch_header_size - batch_log_overhead))
    return errc::corrupt_message;
  return {};
}

std::error_code validate_batch(const char* data, size_t size, batch_header& out) noexcept {
  if (auto ec = parse_batch_header(data, size, out))
    return ec;
  if (out.magic != 2)
    return errc::invalid_record;
  if (out.total_size() != size) // a second batch or trailing bytes, or a short batch
    return errc::invalid_record;
  if (crc32c(data + crc_start, size - crc_start) != out.crc)
    return errc::corrupt_message;
  if (out.last_offset_delta < 0 || out.record_count < 0
      || static_cast<int64_t>(out.last_offset_delta) + 1 != out.record_count)
    return errc::invalid_record;
  return {};
}

std::error_code validate_replicated_batch(const char* data, size_t size,
                                          batch_header& out) noexcept {
  if (auto ec = parse_batch_header(data, size, out))
    return ec;
  if (out.magic != 2 || out.total_size() != size)
    return errc::invalid_record;
  if (crc32c(data + crc_start, size - crc_start) != out.crc)
    return errc::corrupt_message;
  if (out.last_offset_delta < 0 || out.record_count < 0
      || out.record_count > static_cast<int64_t>(out.last_offset_delta) + 1)
    return errc::invalid_record;
  return {};
}

void patch_batch(char* data, int64_t base_offset, int32_t leader_epoch) noexcept {
  store_be(data, base_offset);
  store_be(data + leader_epoch_pos, leader_epoch);
}

void set_log_append_time(char* data, size_t size, int64_t now_ms, batch_header& h) noexcept {
  set_log_append_time(data, data, size, now_ms, h);
}

void set_log_append_time(char* head, const char* data, size_t size, int64_t now_ms,
                         batch_header& h) noexcept {
  h.attributes = static_cast<int16_t>(h.attributes | timestamp_type_bit);
  h.max_timestamp = now_ms;
  store_be(head + attributes_pos, h.attributes);
  store_be(head + max_timestamp_pos, now_ms);
  auto crc = crc32c(head + crc_start, batch_header_size - crc_start);
  h.crc = crc32c(data + batch_header_size, size - batch_header_size, crc);
  store_be(head + crc_pos, h.crc);
}

// Builders and tests that edit a batch call this after changing bytes the CRC covers.
void set_batch_crc(char* data, size_t size) noexcept {
  store_be(data + crc_pos, crc32c(data + crc_start, size - crc_start));
}

} // namespace cafka::storage
