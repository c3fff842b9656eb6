#pragma once
// Kafka record batch v2 (magic 2), big-endian, 61 header bytes:
// baseOffset i64 | batchLength i32 | partitionLeaderEpoch i32 | magic i8 | crc u32 |
// attributes i16 | lastOffsetDelta i32 | baseTimestamp i64 | maxTimestamp i64 |
// producerId i64 | producerEpoch i16 | baseSequence i32 | recordCount i32 | records...
// CRC-32C covers bytes [21, end); baseOffset and partitionLeaderEpoch lie outside it.
#include "storage/errc.hpp"

#include <cstddef>
#include <cstdint>
#include <system_error>

namespace cafka::storage {

constexpr size_t batch_header_size = 61;
constexpr size_t batch_log_overhead = 12; // baseOffset + batchLength precede the counted bytes
constexpr int16_t timestamp_type_bit = 0x08; // attributes: 0 CreateTime, 1 LogAppendTime

struct batch_header {
  int64_t base_offset;
  int32_t batch_length;          // bytes after the batchLength field
  int32_t partition_leader_epoch;
  int8_t magic;
  uint32_t crc;
  int16_t attributes;
  int32_t last_offset_delta;
  int64_t base_timestamp;
  int64_t max_timestamp;
  int64_t producer_id;
  int16_t producer_epoch;
  int32_t base_sequence;
  int32_t record_count;

  size_t total_size() const noexcept { return batch_log_overhead + batch_length; }
  int compression() const noexcept { return attributes & 0x7; }
  bool is_transactional() const noexcept { return attributes & 0x10; }
  bool is_control() const noexcept { return attributes & 0x20; }
  bool is_log_append_time() const noexcept { return attributes & timestamp_type_bit; }
  int64_t last_offset() const noexcept { return base_offset + last_offset_delta; }
};

// Parses the header of the batch at data (no CRC check). Fails with invalid_record when fewer
// than 61 bytes are present, or corrupt_message when batchLength is impossible.
std::error_code parse_batch_header(const char* data, size_t size, batch_header& out) noexcept;

// Validates a producer's records field: exactly one magic-2 batch filling all `size` bytes,
// correct CRC-32C (else corrupt_message), lastOffsetDelta + 1 == recordCount (else invalid_record).
std::error_code validate_batch(const char* data, size_t size, batch_header& out) noexcept;

// Validates a batch copied from a leader's log (follower append): magic 2, exactly `size`
// bytes, correct CRC-32C (else corrupt_message), lastOffsetDelta >= 0 and recordCount in
// [0, lastOffsetDelta + 1] (else invalid_record): a compacted batch keeps its lastOffsetDelta
// with fewer records.
std::error_code validate_replicated_batch(const char* data, size_t size,
                                          batch_header& out) noexcept;

// Sets baseOffset and partitionLeaderEpoch in place (both outside the CRC).
void patch_batch(char* data, int64_t base_offset, int32_t leader_epoch) noexcept;

// message.timestamp.type=LogAppendTime (Kafka's LogValidator / setMaxTimestamp): sets the
// timestampType attribute bit and maxTimestamp = now_ms, then recomputes the CRC. Records keep
// their deltas and firstTimestamp stays; consumers read every record's time as maxTimestamp.
// Updates h to match.
void set_log_append_time(char* data, size_t size, int64_t now_ms, batch_header& h) noexcept;
// The same on a writable copy of the batch's header (`head`, batch_header_size bytes) while
// the batch itself (`data`, size bytes) stays untouched: the CRC covers head's bytes and then
// the records in data. The log stamps a copy this way when the batch lives in a request frame.
void set_log_append_time(char* head, const char* data, size_t size, int64_t now_ms,
                         batch_header& h) noexcept;

// Computes the CRC-32C of the whole batch at data (size bytes) and stores it in the header.
void set_batch_crc(char* data, size_t size) noexcept;

} // namespace cafka::storage
