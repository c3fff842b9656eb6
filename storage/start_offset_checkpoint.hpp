#pragma once
// The log start offset of one partition, persisted so DeleteRecords survives a restart.
//
// File format (`<partition dir>/log-start-offset-checkpoint`, version 0): two text lines,
// "0\n<offset>\n" — the version, then the log start offset in decimal. Kafka keeps one
// `log-start-offset-checkpoint` per log dir ("version\ncount\ntopic partition offset" lines);
// one file per partition keeps storage free of cross-partition state. Written atomically
// (temp file, fdatasync, rename, directory fsync). An absent file means "the first segment's
// base offset".
#include <cstdint>
#include <filesystem>
#include <system_error>

namespace cafka::storage {

constexpr const char* start_offset_file = "log-start-offset-checkpoint";

// The stored offset, or -1 when the file is absent. A malformed file sets ec (invalid_config
// is not right for data: storage_error).
int64_t read_start_offset(const std::filesystem::path& dir, std::error_code& ec);

std::error_code write_start_offset(const std::filesystem::path& dir, int64_t offset);

} // namespace cafka::storage
