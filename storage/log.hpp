#pragma once
// One partition's log: an ordered list of segments in one directory, Kafka's on-disk layout
// (<20-digit base offset>.log / .index / .timeindex). Not thread-safe: the log actor owns it.
#include "storage/cleaner.hpp"
#include "storage/errc.hpp"
#include "storage/leader_epoch_cache.hpp"
#include "storage/record_bytes.hpp"
#include "storage/retention.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace cafka::storage {

class flusher; // flusher.hpp

// message.timestamp.type. The numbers are the timestampType bit of a batch's attributes.
enum class timestamp_type : int8_t { create_time = 0, log_append_time = 1 };

// cleanup.policy and the compaction settings (the cleaner's rules: cleaner.hpp).
struct cleanup_config {
  bool delete_enabled = true;              // cleanup.policy has `delete`: retention applies
  bool compact = false;                    // cleanup.policy has `compact`: the cleaner runs
  double min_cleanable_dirty_ratio = 0.5;  // min.cleanable.dirty.ratio
  int64_t delete_retention_ms = 86400000;  // delete.retention.ms: how long tombstones survive
  int64_t min_compaction_lag_ms = 0;       // min.compaction.lag.ms
};

// Everything a log needs to know. All but dir and the index sizes are topic-level settings that
// reconfigure() changes on a live log.
struct log_config {
  std::filesystem::path dir;                  // e.g. <log.dirs>/<topic>-<partition>
  uint64_t segment_bytes = 1073741824;        // log.segment.bytes: roll when a segment would exceed it
  uint32_t index_interval_bytes = 4096;       // log.index.interval.bytes: bytes between index entries
  uint32_t max_index_bytes = 10485760;        // log.index.size.max.bytes: preallocated index size
  uint32_t max_message_bytes = 1048588;       // message.max.bytes: largest batch accepted
  int64_t segment_ms = 604800000;             // segment.ms: roll once the active segment is this old
  timestamp_type timestamp = timestamp_type::create_time; // message.timestamp.type
  int64_t flush_messages = INT64_MAX;         // flush.messages: fdatasync after this many records
  int64_t flush_ms = INT64_MAX;               // flush.ms: longest a record stays unflushed
  cleanup_config cleanup;                     // cleanup.policy and compaction settings
};

struct append_result {
  std::error_code ec;
  int64_t base_offset = -1;   // offset assigned to the batch's first record
  int64_t last_offset = -1;   // base_offset + lastOffsetDelta
  int64_t max_timestamp = -1; // the batch's maxTimestamp
  int64_t log_append_time = -1; // now_ms for LogAppendTime logs, else -1 (the produce response)
};

int64_t wall_clock_ms() noexcept; // system clock, ms since the epoch

struct timestamp_lookup {
  int64_t offset = -1;
  int64_t timestamp = -1;
};

struct read_result {
  std::error_code ec;         // offset_out_of_range when offset < start or > end
  record_bytes records;       // whole batches, starting with the one that contains the offset:
                              // slices of the segment's mapping (segment.hpp), not copies
};

class log {
public:
  // Opens or creates the log in cfg.dir. After an unclean shutdown (no clean-shutdown marker)
  // it validates the active segment batch by batch (CRC-32C), truncates a torn tail and
  // rebuilds missing or damaged indexes. Returns nullptr and sets ec on failure.
  static std::unique_ptr<log> open(const log_config& cfg, std::error_code& ec);

  ~log();
  log(const log&) = delete;
  log& operator=(const log&) = delete;

  // Appends one magic-v2 batch that the caller validated (validate_batch). Writes it with its
  // base offset and partition leader epoch set (outside the CRC); the caller's bytes stay as
  // they are (the log patches a copy of the header).
  // Rolls a new segment first when the batch would not fit in the active one, or when the
  // active one is older than segment_ms (segment::due_for_time_roll). For LogAppendTime logs
  // it stamps the header copy with now_ms first (set_log_append_time: attribute bit, maxTimestamp,
  // CRC) and indexes it by that time. now_ms is the broker's clock (tests pass their own);
  // the three-argument form uses wall_clock_ms().
  append_result append(const char* batch, size_t size, int32_t leader_epoch, int64_t now_ms);
  append_result append(const char* batch, size_t size, int32_t leader_epoch);

  // Follower append (log_replicate.cpp): one or more whole batches copied from the leader's
  // log, stored byte for byte with their base offsets, epochs and timestamps. Every batch must
  // be magic 2 with a valid CRC-32C and header (else corrupt_message / invalid_record, nothing
  // appended); the first must start at the log end and each later one after the one before
  // it: an overlap is offset_out_of_range (nothing appended). A base offset beyond the expected
  // one is accepted, as in Kafka: a compacted leader's log has gaps. Rolls like append (a new segment after a gap
  // starts at the batch's base offset); message.max.bytes is not applied (the leader did).
  // On an I/O error the batches before the failing one stay appended (log_end_offset says how
  // far it got). The result's base/last offsets span all the batches.
  append_result append_replicated(const char* data, size_t size, int64_t now_ms);

  // The leader epoch cache (leader_epoch_cache.hpp, maintained by append, append_replicated,
  // truncation, retention and DeleteRecords; persisted in leader-epoch-checkpoint).
  // end_offset_for: the largest epoch <= `epoch` and where it ends (the next epoch's start, or
  // the log end for the latest); {-1, -1} for an empty cache or an epoch below the first
  // entry. A negative `epoch` asks for the latest: {latest_epoch(), log end}.
  epoch_end end_offset_for(int32_t epoch) const noexcept;
  int32_t latest_epoch() const noexcept; // -1 when the cache is empty
  const std::vector<epoch_entry>& epoch_entries() const noexcept;

  // Reads whole batches beginning with the batch that contains `offset`, up to max_bytes in
  // total, but always at least one batch when one exists (so a large batch is never stuck).
  // offset == log_end_offset() yields an empty result without error.
  read_result read(int64_t offset, size_t max_bytes) const;

  // The first record with timestamp >= `timestamp` (ListOffsets by time), found via .timeindex
  // and a scan of one batch (decompressed when needed). {-1, -1} when there is none; a batch
  // that cannot be decoded stands in with its base offset and maxTimestamp.
  timestamp_lookup offset_for_timestamp(int64_t timestamp) const;

  // Retention and DeleteRecords (rules in retention.hpp). Deleted segments leave the log at
  // once (renamed `.deleted`) and their files are removed by purge_deleted once
  // delete_delay_ms has passed (at once for 0). Never deletes the active segment.

  // DeleteRecords: moves the log start offset up to `offset` (never down; at most the log end),
  // persists it (log-start-offset-checkpoint) and deletes the segments wholly below it.
  std::error_code advance_start_offset(int64_t offset, int64_t now_ms, int64_t delete_delay_ms);

  // Deletes the leading segments that break the policy (time, size, below the start offset);
  // returns how many went.
  size_t apply_retention(const retention_policy& p, int64_t now_ms, std::error_code& ec);

  // Removes the files of deleted segments whose delay has passed; returns how many segments.
  size_t purge_deleted(int64_t now_ms, std::error_code& ec);

  // When the next deleted segment's files are due for removal, or -1 when none is pending.
  int64_t next_purge_due() const noexcept;

  uint64_t size_bytes() const noexcept;      // sum of the live segments' .log sizes

  // max(first segment's base offset, the persisted DeleteRecords offset).
  int64_t log_start_offset() const noexcept;
  int64_t log_end_offset() const noexcept;   // next offset to be assigned
  size_t segment_count() const noexcept;

  // What open() had to repair ("truncated 123 bytes after offset 41 in
  // 00000000000000000000.log (torn batch)", "rebuilt ... .index and ... .timeindex (missing)"),
  // for the owner to log. Storage never logs.
  const std::vector<std::string>& recovery_notices() const noexcept;

  // Applies the topic-level settings of cfg (everything but dir and the index sizes); they
  // take effect from the next append, roll, flush or clean.
  void reconfigure(const log_config& cfg);
  const log_config& config() const noexcept;

  // Log compaction (rules in cleaner.hpp, implemented in log_clean.cpp). A pass runs in steps:
  // clean_step starts one when the log is compacted and due (dirty ratio), else continues the
  // one in progress (building the key map, then one group of segments per step); it does
  // nothing for a log without cleanup.compact. Replaced segments leave like retention's
  // (`.deleted`, removed by purge_deleted after opt.delete_delay_ms).
  clean_step_result clean_step(const cleaner_options& opt, int64_t now_ms);
  cleanable_range cleanable(int64_t now_ms) const; // what a pass would clean now
  bool cleaning() const noexcept;                  // a pass is in progress
  int64_t cleaner_checkpoint() const noexcept;     // the log is compacted below this offset

  // Background flushing (flusher.hpp). The log sends its syncs to f: a roll posts the sealed
  // segment's syncs (and the directory's) instead of running them inside the append, and
  // flush_async() posts a sync of the active segment. on_flushed(end, ec) runs on f's thread
  // after each job, in posting order: without ec, every offset below end is on disk. Without
  // a flusher the log uses an inline one: the syncs run at once, inside roll.
  using flushed_callback = std::function<void(int64_t end, std::error_code ec)>;
  void set_flusher(std::shared_ptr<flusher> f, flushed_callback on_flushed);

  // Posts a flush of everything appended so far (group commit); returns the end it covers.
  // Only the active segment's .log is synced: earlier segments' jobs were posted before it,
  // and recovery rebuilds the active segment's indexes after a crash.
  int64_t flush_async();

  // Flushes file data and indexes to disk now (fdatasync), including sealed segments whose
  // background sync has not finished. Blocking: call off the scheduler threads.
  std::error_code flush();

  // Flushes everything synchronously (like flush()) and writes the clean-shutdown marker;
  // the log is unusable afterwards.
  std::error_code close();

  // Suffix truncation (log_truncate.cpp; Kafka's truncateTo): removes every record at or after
  // `offset`, which must be a batch base offset or the log end (else invalid_request), and at
  // least the log start (else offset_out_of_range); the log end becomes `offset`, and leader
  // epoch entries starting at or after it are dropped. Crash-safe:
  // after a kill at any point the log opens as either before or after, or with only some of
  // the later segments gone. The segment holding the cut is rewritten (its prefix copied to a
  // new file renamed over it), never shrunk in place, so read slices handed out earlier stay
  // valid (they keep the old bytes). A cleaning pass in progress is dropped. Flush callbacks
  // already posted may still report an end beyond the new one. An I/O error once the cut
  // segment is being replaced leaves the log unusable (storage_error): reopen it.
  std::error_code truncate_to(int64_t offset);

  // Removes every record and continues at `offset` >= log end (Kafka's truncateFullyAndStartAt,
  // for a Raft follower that installs a snapshot newer than its whole log): log start and log
  // end become `offset`; the leader epoch cache is cleared.
  std::error_code reset_to(int64_t offset);

  // Removes the whole directory (topic deletion). The log is unusable afterwards.
  std::error_code remove();

private:
  struct impl;
  explicit log(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace cafka::storage
