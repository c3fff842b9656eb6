#pragma once
// Log compaction (Kafka's LogCleaner), the rules as pure functions over segment summaries; the
// work on files is storage::log::clean_step (log_clean.cpp), the swap in cleaned_segment.hpp.
//
// For a log with cleanup.compact set:
// - Clean section: offsets below the cleaner checkpoint (cleaner_checkpoint.hpp), already
//   compacted. Dirty section: from there (at least the log start) up to the first
//   uncleanable offset: the active segment's base, or earlier the base of the first segment
//   holding a record younger than min.compaction.lag.ms (its largest timestamp > now - lag).
// - A log is due when dirty bytes / (clean + dirty bytes) >= min.cleanable.dirty.ratio. As in
//   Kafka, a segment straddling the checkpoint counts on both sides.
// - A pass builds a key -> latest offset map (offset_map.hpp) over the dirty section, batch by
//   batch, until the map could overflow log.cleaner.dedupe.buffer.size (at least one batch):
//   the map's end is where the pass stops, later dirty data waits for the next pass. Then every
//   sealed segment from the log start up to the one holding the map's end is rewritten in
//   groups (group_by_size), keeping a record only when no later offset for its key is in the
//   map, dropping tombstones from segments last modified more than delete.retention.ms ago,
//   and records without a key (batch_filter.hpp). Offsets are never rewritten: a cleaned log
//   has gaps. The checkpoint then moves to the map's end.
// - The owner runs a pass in steps (clean_step): building the map is one step, each group one
//   more, so appends interleave on a busy partition.
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace cafka::storage {

struct cleaner_options {
  uint64_t dedupe_buffer_bytes = 134217728; // log.cleaner.dedupe.buffer.size
  int64_t delete_delay_ms = 60000;          // log.segment.delete.delay.ms: replaced segments
};

struct clean_stats {
  size_t segments = 0;       // segments rewritten (before grouping)
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  int64_t clean_offset = -1; // the checkpoint after the pass
};

struct clean_step_result {
  std::error_code ec;        // the pass was abandoned (the log is unchanged or, after the
                             // commit point of a swap failed, closed: reopen to recover)
  bool started = false;      // this step began a new pass
  bool done = false;         // this step finished a pass: stats are the pass's totals
  bool more = false;         // a pass is in progress: call again to continue it
  clean_stats stats;
};

// What the rules need to know about one segment.
struct cleaner_segment {
  int64_t base_offset = 0;
  int64_t next_offset = 0;    // one past its last offset
  uint64_t size = 0;          // bytes of its .log
  int64_t max_timestamp = -1; // largest batch maxTimestamp; -1: none
  uint64_t index_bytes = 0;   // larger of its offset and time index sizes (used entries)
};

struct cleanable_range {
  int64_t first_dirty = 0;        // max(checkpoint, log start)
  int64_t first_uncleanable = 0;  // dirty section is [first_dirty, first_uncleanable)
  uint64_t clean_bytes = 0;
  uint64_t dirty_bytes = 0;
  double dirty_ratio() const noexcept {
    auto total = clean_bytes + dirty_bytes;
    return total == 0 ? 0.0 : static_cast<double>(dirty_bytes) / static_cast<double>(total);
  }
};

// segs: the log's segments in order, the last one active (never cleaned).
cleanable_range find_cleanable(const std::vector<cleaner_segment>& segs, int64_t checkpoint,
                               int64_t log_start, int64_t now_ms, int64_t min_lag_ms);

// Whether a pass should run: some dirty bytes and the ratio reached.
bool due_for_cleaning(const cleanable_range& r, double min_cleanable_ratio) noexcept;

// Kafka's groupSegmentsBySize: consecutive segments [first, last] (indexes into segs) become
// one cleaned segment while their .log sizes add up to at most max_bytes, their index sizes to
// at most max_index_bytes, and every offset stays within 2^31 - 1 of the group's base (the
// relative offsets of the index format).
std::vector<std::pair<size_t, size_t>> group_by_size(const std::vector<cleaner_segment>& segs,
                                                     uint64_t max_bytes,
                                                     uint64_t max_index_bytes);

// "12.3 MB", "512 B": sizes in the cleaner's log line.
std::string format_bytes(uint64_t n);

} // namespace cafka::storage
