#pragma once
// Crash-safe small-file replacement for the node's metadata files (cafka-topics.json,
// meta.properties): after a crash the file holds either the old or the new contents, never a mix.
#include <filesystem>
#include <string>
#include <system_error>

namespace cafka {

// Writes `contents` to `<path>.tmp`, fsyncs it, renames it over `path`, then fsyncs the directory
// so the rename itself is durable.
std::error_code write_file_atomically(const std::filesystem::path& path,
                                      const std::string& contents);

// Reads a whole file. Sets ec (no_such_file_or_directory when missing).
std::string read_file(const std::filesystem::path& path, std::error_code& ec);

} // namespace cafka
