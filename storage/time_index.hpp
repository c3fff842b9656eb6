#pragma once
// Sparse timestamp -> offset index of one segment (Kafka's TimeIndex).
//
// File format (<base offset>.timeindex, version 0 = Kafka's): a sequence of 12-byte entries
//   timestamp i64 BE | relativeOffset u32 BE
// Each entry says: the largest batch maxTimestamp seen so far in the segment is `timestamp`,
// first reached by the batch whose last offset is base + relativeOffset. Timestamps are
// strictly increasing (an entry is only added when the maximum grew), offsets non-decreasing.
// Entries are added together with offset index entries, plus one final entry when the segment
// is sealed, so the last entry holds the segment's largest timestamp. Preallocated and trimmed
// like the offset index.
#include "storage/index_file.hpp"

#include <cstdint>

namespace cafka::storage {

class time_index {
public:
  static constexpr size_t entry_size = 12;

  struct entry {
    int64_t timestamp;
    int64_t offset; // absolute
  };

  std::error_code open(const std::filesystem::path& p, int64_t base_offset, size_t max_bytes) {
    base_ = base_offset;
    return file_.open(p, entry_size, max_bytes);
  }

  entry at(size_t i) const noexcept;
  entry last() const noexcept; // {-1, base} when empty
  // Appends when timestamp exceeds the last entry's (Kafka's maybeAppend); ignored when full.
  void maybe_append(int64_t timestamp, int64_t offset) noexcept;
  // Offset of the last entry with timestamp < target, else the base offset. No batch before
  // that offset's batch can have maxTimestamp >= target.
  int64_t lookup(int64_t target) const noexcept;
  // Strictly increasing timestamps, non-decreasing offsets in [base, end_offset).
  bool well_formed(int64_t end_offset) const noexcept;

  index_file& file() noexcept { return file_; }
  const index_file& file() const noexcept { return file_; }
  size_t entries() const noexcept { return file_.entries(); }

private:
  index_file file_;
  int64_t base_ = 0;
};

} // namespace cafka::storage
