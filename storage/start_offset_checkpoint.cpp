#include "storage/start_offset_checkpoint.hpp"

#include "storage/offset_checkpoint.hpp"

namespace cafka::storage {

int64_t read_start_offset(const std::filesystem::path& dir, std::error_code& ec) {
  return read_offset_checkpoint(dir / start_offset_file, ec);
}

std::error_code write_start_offset(const std::filesystem::path& dir, int64_t offset) {
  return write_offset_checkpoint(dir / start_offset_file, offset);
}

} // namespace cafka::storage
