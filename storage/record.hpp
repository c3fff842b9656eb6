#pragma once
// Value types for one record of a magic-2 batch, as seen by batch_builder and record_reader.
// Views point into caller-owned bytes; std::nullopt is Kafka's null (length -1).
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace cafka::storage {

struct header_view {
  std::string_view key;
  std::optional<std::string_view> value;
};

struct record_view {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  int64_t offset = 0;    // batch base offset + offset_delta
  int64_t timestamp = 0; // batch base timestamp + timestamp_delta (LogAppendTime: maxTimestamp)
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<header_view> headers;
};

} // namespace cafka::storage
