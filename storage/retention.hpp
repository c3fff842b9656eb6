#pragma once
// Retention rules (Kafka's UnifiedLog.deleteOldSegments) as pure functions over a summary of the
// segments, so they can be tested without files; log.cpp applies the verdict.
//
// Deleting a segment is two steps so a crash never loses a live segment silently: its files are
// renamed to `<base>.log.deleted`, `<base>.index.deleted`, `<base>.timeindex.deleted` (the
// segment leaves the log at once), and removed after `delete_delay_ms`. A log that opens with
// `.deleted` files left over (crash in between) removes them; they are never read.
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace cafka::storage {

struct retention_policy {
  int64_t retention_ms = -1;        // retention.ms: -1 unlimited
  int64_t retention_bytes = -1;     // retention.bytes (per partition): -1 unlimited
  int64_t delete_delay_ms = 60000;  // log.segment.delete.delay.ms
};

// What the rules need to know about one segment.
struct segment_summary {
  int64_t base_offset = 0;
  int64_t next_offset = 0;    // one past its last offset
  uint64_t size = 0;          // bytes of its .log
  int64_t max_timestamp = -1; // largest batch maxTimestamp; -1: none (never expires by time)
};

// How many leading segments to delete. The last (active) segment is never deleted. A segment
// goes when the next one starts at or below log_start (DeleteRecords), or when its largest
// timestamp is older than now - retention_ms, or while the log without it is still at least
// retention_bytes big (Kafka's `diff - segment.size >= 0`). Each rule stops at its first
// survivor: segments are deleted oldest first, never from the middle.
size_t segments_to_delete(const std::vector<segment_summary>& segs, const retention_policy& p,
                          int64_t now_ms, int64_t log_start);

constexpr const char* deleted_suffix = ".deleted";

// Renames <base>.log (first: the segment is gone once this rename is durable), .index and
// .timeindex in dir to their `.deleted` names and fsyncs the directory. Returns the new paths.
std::vector<std::filesystem::path> mark_segment_deleted(const std::filesystem::path& dir,
                                                        const std::string& log_name,
                                                        std::error_code& ec);

// Removes every `*.deleted` file in dir (recovery after a crash); returns their names.
std::vector<std::string> remove_deleted_files(const std::filesystem::path& dir,
                                              std::error_code& ec);

} // namespace cafka::storage
