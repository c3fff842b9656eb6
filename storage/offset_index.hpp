#pragma once
// Sparse offset -> file position index of one segment (Kafka's OffsetIndex).
//
// File format (<base offset>.index, version 0 = Kafka's): a sequence of 8-byte entries
//   relativeOffset u32 BE | position u32 BE
// relativeOffset = (last offset of the batch at position) - segment base offset. Entries are
// strictly increasing in both fields. One entry is added before a batch is appended when more
// than index_interval_bytes were appended since the previous entry, so the first batch of a
// segment is never indexed. While active the file is preallocated to max_index_bytes (zeros
// after the used entries); it is trimmed to the used entries when the segment is sealed.
#include "storage/index_file.hpp"

#include <cstdint>

namespace cafka::storage {

class offset_index {
public:
  static constexpr size_t entry_size = 8;

  struct entry {
    int64_t offset;    // absolute
    uint64_t position;
  };

  std::error_code open(const std::filesystem::path& p, int64_t base_offset, size_t max_bytes) {
    base_ = base_offset;
    return file_.open(p, entry_size, max_bytes);
  }

  entry at(size_t i) const noexcept;
  void append(int64_t offset, uint64_t position) noexcept; // ignored when full
  // Position of the last entry whose offset <= target, else 0 (the segment start).
  entry lookup(int64_t target) const noexcept;
  // True when the entries are strictly increasing and point inside a log of log_size bytes.
  bool well_formed(uint64_t log_size) const noexcept;

  index_file& file() noexcept { return file_; }
  const index_file& file() const noexcept { return file_; }
  size_t entries() const noexcept { return file_.entries(); }

private:
  index_file file_;
  int64_t base_ = 0;
};

} // namespace cafka::storage
