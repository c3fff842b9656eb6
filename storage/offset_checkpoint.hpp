#pragma once
// One offset persisted in a small text file: "0\n<offset>\n" (version 0, then the offset in
// decimal), written atomically (temp file, fdatasync, rename, directory fsync). Used for the log
// start offset (start_offset_checkpoint.hpp) and the cleaner's progress (cleaner_checkpoint.hpp).
#include <cstdint>
#include <filesystem>
#include <system_error>

namespace cafka::storage {

// The stored offset, or -1 when the file is absent; storage_error when it is malformed.
int64_t read_offset_checkpoint(const std::filesystem::path& file, std::error_code& ec);

std::error_code write_offset_checkpoint(const std::filesystem::path& file, int64_t offset);

} // namespace cafka::storage
