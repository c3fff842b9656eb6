#pragma once
// Builds valid magic-2 record batches (zigzag varints, CRC-32C), optionally compressed. Used by
// tests, benchmarks, the C++ client and (later) log compaction. Not thread-safe.
#include "storage/record.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace cafka::storage {

class batch_builder {
public:
  // Producer identity for idempotent or transactional batches (default: -1, -1, -1).
  batch_builder& producer(int64_t producer_id, int16_t producer_epoch, int32_t base_sequence);

  // Attribute bits other than compression (see compression()): 0x08 LogAppendTime,
  // 0x10 transactional, 0x20 control.
  batch_builder& attributes(int16_t attrs);

  // Codec of the batches build() returns (codec:: in compression.hpp; default none). Throws
  // std::invalid_argument for an unknown codec. Stays set across build().
  batch_builder& compression(int codec);

  // Appends one record. The first record's timestamp becomes the batch's baseTimestamp.
  batch_builder& add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                     int64_t timestamp, const std::vector<header_view>& headers = {});

  size_t record_count() const noexcept { return count_; }
  size_t size() const noexcept; // bytes build() would return now, before compression

  // Returns the finished batch (leader epoch -1) and clears the records for the next batch
  // (producer identity and attributes stay; advance base_sequence yourself).
  // A batch without records is returned too, but validate_batch rejects it. Throws
  // std::runtime_error if the codec fails (out of memory).
  std::vector<char> build(int64_t base_offset = 0);

  void reset(); // drops the records added so far

private:
  std::vector<char> records_; // encoded records, each with its length prefix
  std::vector<char> scratch_;
  size_t count_ = 0;
  int64_t base_timestamp_ = -1;
  int64_t max_timestamp_ = -1;
  int64_t producer_id_ = -1;
  int16_t producer_epoch_ = -1;
  int32_t base_sequence_ = -1;
  int16_t attributes_ = 0;
  int codec_ = 0;
};

} // namespace cafka::storage
