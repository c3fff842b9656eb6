#include "storage/cleaner_checkpoint.hpp"

#include "storage/offset_checkpoint.hpp"

namespace cafka::storage {

int64_t read_cleaner_checkpoint(const std::filesystem::path& dir, std::error_code& ec) {
  return read_offset_checkpoint(dir / cleaner_checkpoint_file, ec);
}

std::error_code write_cleaner_checkpoint(const std::filesystem::path& dir, int64_t offset) {
  return write_offset_checkpoint(dir / cleaner_checkpoint_file, offset);
}

} // namespace cafka::storage
