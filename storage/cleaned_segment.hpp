#pragma once
// Writing a cleaned segment and swapping it in, crash-safe (Kafka's LogCleaner + replaceSegments).
//
// Steps for one group of segments whose first base offset is B:
// 1. cleaned_segment_writer writes B.log.cleaned, B.index.cleaned, B.timeindex.cleaned (indexes
//    by segment::track's policy, a final time-index entry as when a segment is sealed), then
//    fdatasyncs and trims them.
// 2. commit_cleaned renames them to `.swap`, the `.log` last, and fsyncs the directory: the
//    rename of B.log.swap is the commit point.
// 3. The old segments of the group are renamed `.deleted` (retention's two-step delete).
//    Each rename's source must exist: a missing file fails the step (the log then reopens).
// 4. install_swap renames the `.swap` files to their final names.
// recover_cleaner_files (at open, before segments are listed) finishes what a crash left:
// `.cleaned` files are removed (the old segments are intact); a B.log.swap completes the swap:
// it replaces every segment with a base in [B, its last offset] (the group's members it
// absorbed; later members whose records were all dropped stay, as harmless duplicates), with
// its `.swap` indexes when both made it, else the indexes are rebuilt by recovery. `.swap`
// indexes without B.log.swap are removed.
#include "storage/log.hpp"
#include "storage/offset_index.hpp"
#include "storage/record_batch.hpp"
#include "storage/time_index.hpp"

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace cafka::storage {

constexpr const char* cleaned_suffix = ".cleaned";
constexpr const char* swap_suffix = ".swap";

class cleaned_segment_writer {
public:
  // Creates the three `.cleaned` files of base in dir, replacing leftovers.
  std::error_code create(const std::filesystem::path& dir, int64_t base, const log_config& cfg);
  // Appends one batch (storage_error if positions would no longer fit the index format).
  std::error_code append(const char* batch, size_t n, const batch_header& h);
  // Final time-index entry, fdatasync and trim; the .log gets mtime_ms as its modification
  // time (the newest of the segments it replaces, so tombstones age from their real time).
  std::error_code finish(int64_t mtime_ms);
  // Closes and removes the `.cleaned` files (a clean abandoned before the commit point).
  void discard() noexcept;
  uint64_t size() const noexcept { return size_; }

private:
  std::filesystem::path dir_;
  int64_t base_ = 0;
  uint32_t index_interval_ = 4096;
  file log_;
  offset_index oindex_;
  time_index tindex_;
  uint64_t size_ = 0;
  int64_t max_ts_ = -1;
  int64_t offset_of_max_ = 0;
  uint64_t bytes_since_index_ = 0;
};

// Step 2: `.cleaned` -> `.swap` (indexes first, the .log last), then a directory fsync.
std::error_code commit_cleaned(const std::filesystem::path& dir, int64_t base);

// Step 4: `.swap` -> final names. No directory fsync (nor for step 3): with B.log.swap durable,
// recovery completes the swap from any subset of these renames.
std::error_code install_swap(const std::filesystem::path& dir, int64_t base);

// At open: finishes or discards interrupted cleans; notices say what was done.
std::error_code recover_cleaner_files(const std::filesystem::path& dir,
                                      std::vector<std::string>& notices);

// The modification time of a file in ms since the epoch (-1 when it cannot be read).
int64_t file_mtime_ms(const std::filesystem::path& p) noexcept;

} // namespace cafka::storage
