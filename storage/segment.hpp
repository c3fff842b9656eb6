#pragma once
// One segment of a partition log: <base>.log with its <base>.index and <base>.timeindex.
//
// File format (<20-digit base offset>.log, Kafka's): magic-2 record batches stored back to back,
// verbatim as produced except baseOffset and partitionLeaderEpoch, which the log patches in
// place (they lie outside the CRC). Offsets increase strictly from batch to batch. Appended at
// the tracked end position with pwrite; headers are read with pread, record bytes are served as
// slices of one read-only shared mapping of the .log (mapped_file).
//
// Mapping invariant: the mapping covers the segment's size limit (it is made once, on the first
// read, and the file grows under it), but only bytes below size() -- what has been appended --
// are ever touched or handed out: a mapped page past the end of the file is SIGBUS. Slices
// outlive the segment (retention, compaction replacing the file), so bytes once handed out must
// never be cut off under them: a future follower truncation (issue 5) must not shrink a .log
// under live slices (truncate by rolling to a fresh file, or wait for the slices to go).
#include "storage/file.hpp"
#include "storage/log.hpp"
#include "storage/mapped_file.hpp"
#include "storage/offset_index.hpp"
#include "storage/record_batch.hpp"
#include "storage/time_index.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cafka::storage {

class sync_files; // flusher.hpp

class segment {
public:
  // Opens (creating when missing) the three files; validation and repair are recovery's job.
  static std::unique_ptr<segment> open(const std::filesystem::path& dir, int64_t base,
                                       const log_config& cfg, std::error_code& ec);

  // "00000000000000000042" + ext.
  static std::string file_name(int64_t base, const char* ext);

  int64_t base_offset() const noexcept { return base_; }
  int64_t next_offset() const noexcept { return next_offset_; }
  uint64_t size() const noexcept { return size_; }
  int64_t max_timestamp() const noexcept { return max_ts_; }
  const std::string& name() const noexcept { return name_; } // the .log file name

  // Whether a batch of n bytes ending at last_offset may be appended without a roll.
  bool fits(size_t n, int64_t last_offset, uint64_t segment_bytes) const noexcept;

  // Time-based rolling (Kafka's LogSegment.shouldRoll/timeWaitedForRoll): a non-empty segment
  // is due when the incoming batch's maxTimestamp minus the first batch's maxTimestamp exceeds
  // segment_ms, or, when the first batch has no timestamp (-1), when now_ms minus the
  // segment's creation time does. Measuring by record time keeps producers with old
  // timestamps from rolling a segment per batch. A segment opened from disk counts as created
  // at the first call (Kafka: when it was loaded).
  bool due_for_time_roll(int64_t batch_max_ts, int64_t now_ms, int64_t segment_ms);
  void set_created_ms(int64_t now_ms) noexcept { created_ms_ = now_ms; }

  // Writes the (already patched) batch at the end and indexes it. On error the file is cut
  // back so the segment stays consistent.
  std::error_code append(const char* data, size_t n, const batch_header& h);
  // The same for a batch whose patched header is a separate copy: writes head
  // (batch_header_size bytes) and then data's bytes after the header, in one gather write.
  std::error_code append(const char* head, const char* data, size_t n, const batch_header& h);

  // Reads and sanity-checks (magic 2, inside the segment) the batch header at pos.
  std::error_code read_header(uint64_t pos, batch_header& h) const;

  // Finds the first batch whose last offset >= offset; pos = size() when there is none.
  std::error_code locate(int64_t offset, uint64_t& pos, batch_header& h) const;

  // Appends to out whole batches from the one containing offset, up to max_bytes but at least
  // one, as one slice of the mapping (no copy). Appends nothing when no batch here reaches offset.
  std::error_code read(int64_t offset, size_t max_bytes, record_bytes& out) const;

  // The first record with timestamp >= ts (see log::offset_for_timestamp), or {-1, -1}.
  timestamp_lookup offset_for_timestamp(int64_t ts) const;

  std::error_code flush();  // fdatasync .log, msync both indexes
  std::error_code seal();   // final time-index entry, then flush_and_trim() (recovery)
  // A roll's seal: the final time-index entry and indexes shrunk to the used entries, no sync.
  // The log makes the files durable off the append path (add_files_to + flusher.hpp).
  std::error_code seal_unsynced();
  // Adds duplicates of the .log, .index and .timeindex descriptors to a sync job.
  std::error_code add_files_to(sync_files& job) const;
  std::error_code flush_and_trim(); // clean close: flush, shrink indexes to the used entries
  void close() noexcept;    // release without trimming (what a crash leaves)

  // Recovery interface: replaying batches through track() rebuilds the in-memory state and,
  // after reset_indexes(), both indexes exactly as append() would have written them.
  void reset_tracking(uint64_t pos, int64_t next_offset, int64_t max_ts, int64_t offset_of_max);
  void track(const batch_header& h, uint64_t pos) noexcept;
  std::error_code reset_indexes(); // writable, zero entries
  file& log_file() noexcept { return log_; }
  offset_index& oindex() noexcept { return oindex_; }
  time_index& tindex() noexcept { return tindex_; }
  const log_config& config() const noexcept { return cfg_; }

private:
  segment(int64_t base, const log_config& cfg);

  timestamp_lookup first_record_at_or_after(uint64_t pos, const batch_header& h,
                                            int64_t ts) const;

  // The read mapping, (re)made when it does not reach `end` (first read; a segment grown past
  // the limit it was mapped for: oversized batch, segment_bytes raised). Older mappings live on
  // in the slices that use them.
  std::error_code mapping_to(uint64_t end, std::shared_ptr<const mapped_file>& out) const;

  int64_t base_;
  log_config cfg_;
  std::string name_;
  file log_;
  offset_index oindex_;
  time_index tindex_;
  uint64_t size_ = 0;
  int64_t next_offset_;
  int64_t max_ts_ = -1;          // largest batch maxTimestamp so far
  int64_t offset_of_max_;        // last offset of the first batch that reached max_ts_
  uint64_t bytes_since_index_ = 0;
  int64_t created_ms_ = -1;      // -1: not known yet (see due_for_time_roll)
  int64_t rolling_ts_ = -1;      // first batch's maxTimestamp, once rolling_ts_known_
  bool rolling_ts_known_ = false;
  mutable std::shared_ptr<const mapped_file> map_; // see "Mapping invariant" above
};

} // namespace cafka::storage
