#pragma once
// The offset up to which one partition's log is compacted, so a restart resumes cleaning there.
//
// File format (`<partition dir>/cleaner-offset-checkpoint`, version 0): two text lines,
// "0\n<offset>\n" — the version, then the first dirty offset in decimal. Kafka keeps one
// `cleaner-offset-checkpoint` per log dir ("version\ncount\ntopic partition offset" lines);
// one file per partition, like log-start-offset-checkpoint, keeps storage free of
// cross-partition state. Written atomically (temp file, fdatasync, rename, directory fsync)
// after each cleaning pass. Absent: nothing cleaned yet (the log start).
#include <cstdint>
#include <filesystem>
#include <system_error>

namespace cafka::storage {

constexpr const char* cleaner_checkpoint_file = "cleaner-offset-checkpoint";

// The stored offset, or -1 when the file is absent; storage_error when it is malformed.
int64_t read_cleaner_checkpoint(const std::filesystem::path& dir, std::error_code& ec);

std::error_code write_cleaner_checkpoint(const std::filesystem::path& dir, int64_t offset);

} // namespace cafka::storage
