#pragma once
// The leader epoch cache of one partition log (Kafka's LeaderEpochFileCache): for every leader
// epoch that wrote to the log, the offset of its first record. Followers use it to find where
// their log diverged from the leader's (OffsetsForLeaderEpoch, KIP-101/279/320).
//
// Entries are strictly increasing in both epoch and start offset. storage::log maintains them:
// an append whose batch carries a newer partitionLeaderEpoch adds (epoch, base offset);
// truncate_to drops the entries starting at or after the cut; moving the log start
// (retention, DeleteRecords) drops the entries below it but keeps the last one, moved to the
// new start (truncate_from_start); reset_to clears the cache (Kafka's truncateFullyAndStartAt).
//
// File format (`<partition dir>/leader-epoch-checkpoint`, Kafka's, version 0): text lines
// "0\n<count>\n" then one "<epoch> <startOffset>\n" per entry, oldest first. Written
// atomically (temp file, rename). Not fsync'd: the file is a cache of what the batch headers
// say, and storage::log::open checks it against the log and rebuilds it from the headers when
// it is missing, malformed or disagrees (log.cpp), so a stale file after a power loss is
// harmless.
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <vector>

namespace cafka::storage {

constexpr const char* leader_epoch_file = "leader-epoch-checkpoint";

struct epoch_entry {
  int32_t epoch;
  int64_t start_offset;
  friend bool operator==(const epoch_entry& a, const epoch_entry& b) {
    return a.epoch == b.epoch && a.start_offset == b.start_offset;
  }
};

// Kafka's OffsetsForLeaderEpoch answer: the largest epoch <= the one asked for and the first
// offset after it. {-1, -1} is UNDEFINED: no such epoch.
struct epoch_end {
  int32_t epoch = -1;
  int64_t end_offset = -1;
};

class leader_epoch_cache {
public:
  const std::vector<epoch_entry>& entries() const noexcept { return entries_; }
  bool empty() const noexcept { return entries_.empty(); }
  int32_t latest_epoch() const noexcept { return entries_.empty() ? -1 : entries_.back().epoch; }

  // Adds (epoch, start) when epoch is newer than the latest entry (and start is not below its
  // start); returns whether it did. Older, equal and negative epochs change nothing.
  bool assign(int32_t epoch, int64_t start_offset);

  // Drops the entries starting at or after `offset` (suffix truncation); returns whether any went.
  bool truncate_from_end(int64_t offset);

  // The log start moved to `offset`: entries starting below it go, except the last of them,
  // which now starts at `offset` (Kafka's truncateFromStart). Returns whether anything changed.
  bool truncate_from_start(int64_t offset);

  void clear() noexcept { entries_.clear(); }

  // Largest epoch <= `epoch` and its end: the next entry's start, or log_end for the latest.
  // {-1, -1} when the cache is empty or `epoch` is below the first entry (the log has nothing
  // of that epoch or earlier left; the asker truncates to where the leader's data begins).
  epoch_end end_offset_for(int32_t epoch, int64_t log_end) const noexcept;

  // The checkpoint file in dir. read: false (entries untouched) when the file is absent or
  // malformed (bad version, count, order); `malformed` tells which.
  bool read(const std::filesystem::path& dir, bool& malformed);
  std::error_code write(const std::filesystem::path& dir) const;

  // Replaces the entries (rebuild); they must satisfy the ordering rule.
  void assign_all(std::vector<epoch_entry> entries) { entries_ = std::move(entries); }

private:
  std::vector<epoch_entry> entries_; // oldest first
};

} // namespace cafka::storage
