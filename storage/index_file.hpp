#pragma once
// Shared mechanics of the two memory-mapped index files: fixed-size entries, preallocated to
// max_index_bytes while the segment is active, trimmed to the used entries when sealed.
#include "storage/file.hpp"

#include <cstddef>
#include <filesystem>
#include <system_error>

namespace cafka::storage {

class index_file {
public:
  // Opens (creating if missing) and maps the file at its current size. entries() starts at
  // the whole entries present; the owner validates them and may set_entries() lower.
  std::error_code open(const std::filesystem::path& p, size_t entry_size, size_t max_bytes);

  bool existed() const noexcept { return existed_; }           // before open() created it
  uint64_t disk_size() const noexcept { return disk_size_; }   // size found at open
  size_t entries() const noexcept { return entries_; }
  void set_entries(size_t n) noexcept { entries_ = n; }
  size_t max_entries() const noexcept { return max_entries_; }
  bool full() const noexcept { return entries_ >= max_entries_; }
  bool writable() const noexcept { return map_.size() >= max_entries_ * entry_size_; }

  const char* entry(size_t i) const noexcept { return map_.data() + i * entry_size_; }
  char* entry(size_t i) noexcept { return map_.data() + i * entry_size_; }

  std::error_code make_writable();  // grow the file to max_index_bytes and map it all
  std::error_code trim();           // shrink the file to the used entries
  std::error_code sync() { return map_.sync(); }
  const file& handle() const noexcept { return file_; } // fdatasync covers the mapping's pages
  void close() noexcept;            // unmap and close, no trim (crash-like)

private:
  file file_;
  mapping map_;
  size_t entry_size_ = 1;
  size_t max_entries_ = 0;
  size_t entries_ = 0;
  uint64_t disk_size_ = 0;
  bool existed_ = false;
};

} // namespace cafka::storage
