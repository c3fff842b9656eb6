#pragma once
// Record-level work of the cleaner on one magic-2 batch: walking its records as raw bytes,
// the null-key check for compacted topics, and Kafka's MemoryRecords.filterTo (keep a batch
// whole, drop it, or rebuild it from the records that survive).
//
// A rebuilt batch keeps everything that identifies it: baseOffset, lastOffsetDelta (so the
// batch still ends at the same offset and a producer's last sequence stays valid), the
// attributes (codec, timestamp type, transactional/control bits), partitionLeaderEpoch,
// producerId/Epoch, baseSequence and baseTimestamp. The surviving records are copied byte for
// byte (their offset and timestamp deltas stay relative to the unchanged base), re-compressed
// with the batch's codec when it had one; recordCount, maxTimestamp (CreateTime: the largest
// surviving record timestamp; LogAppendTime: unchanged) and the CRC are recomputed. Kafka's
// builder moves baseTimestamp to the first surviving record; keeping it saves re-encoding and
// gives every record the same timestamp.
#include "storage/offset_map.hpp"
#include "storage/record_batch.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace cafka::storage {

// One record as stored: `bytes` spans its length varint and body.
struct raw_record {
  std::string_view bytes;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;
  bool has_value = false; // false: a tombstone (null value)
};

// Walks the records of one whole batch; a compressed batch is decompressed into `buffer`
// (reused by the caller across batches). Views live as long as the batch bytes and buffer.
class raw_record_reader {
public:
  raw_record_reader(const char* batch, const batch_header& h, std::vector<char>& buffer);
  bool next(raw_record& out) noexcept; // false at the end or on error()
  std::error_code error() const noexcept { return ec_; }

private:
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  int32_t remaining_ = 0;
  std::error_code ec_;
};

// Compacted topics accept only keyed records: invalid_record when a record of this (non-control)
// batch has a null key, corrupt_message when its records cannot be decoded.
std::error_code check_record_keys(const char* batch, const batch_header& h,
                                  std::vector<char>& buffer);

// What became of one batch.
enum class batch_fate { kept, dropped, rebuilt };

struct filter_result {
  std::error_code ec;
  batch_fate fate = batch_fate::kept;
  size_t records_in = 0;
  size_t records_out = 0;
};

// Kafka's cleaner rule: a record survives unless a later offset for its key is in `map`, or it
// is a tombstone and !retain_deletes, or it has no key (Kafka drops those too). Control batches
// are kept whole. For batch_fate::rebuilt the new batch is in `out`.
filter_result filter_batch(const char* batch, const batch_header& h, const offset_map& map,
                           bool retain_deletes, std::vector<char>& out,
                           std::vector<char>& buffer);

// Puts every keyed record of a (non-control) batch into map; corrupt_message on decoding errors.
std::error_code map_batch_keys(const char* batch, const batch_header& h, offset_map& map,
                               std::vector<char>& buffer);

} // namespace cafka::storage
