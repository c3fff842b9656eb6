#include "storage/index_file.hpp"

namespace cafka::storage {

std::error_code index_file::open(const std::filesystem::path& p, size_t entry_size,
                                 size_t max_bytes) {
  std::error_code ec;
  existed_ = std::filesystem::exists(p, ec);
  file_ = file::open(p, true, ec);
  if (ec)
    return ec;
  if (auto err = file_.size(disk_size_))
    return err;
  entry_size_ = entry_size;
  max_entries_ = max_bytes / entry_size;
  if (auto err = map_.map(file_.fd(), disk_size_))
    return err;
  entries_ = disk_size_ / entry_size;
  return {};
}

std::error_code index_file::make_writable() {
  if (writable())
    return {};
  return map_.map(file_.fd(), max_entries_ * entry_size_);
}

std::error_code index_file::trim() {
  if (!file_)
    return {};
  auto used = entries_ * entry_size_;
  if (map_.size() == used)
    return {};
  // No msync first: dirty pages of a shared mapping stay in the page cache across munmap and
  // ftruncate, so shrinking never loses entries. Syncing is the caller's business (a roll
  // leaves it to the flusher, flusher.hpp), so trimming never waits for the disk.
  return map_.map(file_.fd(), used);
}

void index_file::close() noexcept {
  map_.unmap();
  file_.close();
}

} // namespace cafka::storage
