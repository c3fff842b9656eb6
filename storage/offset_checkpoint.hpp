#pragma once
// One offset persisted in a small text file: "0\n<offset>\n" (version 0, then the offset in
// decimal), written atomically (temp file, fdatasync, rename, directory fsync). Used for the log
// start offset (start_offset_checkpoint.hpp) and the cleaner's progress (cleaner_checkpoint.hpp);
// write_checkpoint_text also writes the leader epoch cache's file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

namespace cafka::storage {

// The stored offset, or -1 when the file is absent; storage_error when it is malformed.
int64_t read_offset_checkpoint(const std::filesystem::path& file, std::error_code& ec);

std::error_code write_offset_checkpoint(const std::filesystem::path& file, int64_t offset);

// Replaces `file` with `text` atomically: written to "<file>.tmp", then renamed over it. With
// durable, the temp file is fdatasync'd before and the directory fsync'd after the rename;
// without, a crash of the process still leaves the old or the new file whole (a power loss may
// leave either, or an empty file): for caches the reader checks (leader_epoch_cache.hpp).
std::error_code write_checkpoint_text(const std::filesystem::path& file, const std::string& text,
                                      bool durable);

} // namespace cafka::storage
