#pragma once
// The durable raft::log_store of a controller: KRaft's layout of `__cluster_metadata-0`.
//
// Files (all in one directory):
//   00000000000000000000.log ...  a storage::log: one batch with one record per entry. Entry
//                                 index i is at offset i - 1; its term is the batch's
//                                 partitionLeaderEpoch (as KRaft stores the epoch); the record's
//                                 key is one byte, the entry_kind; the value is the entry's data.
//   quorum-state                  the hard state, "0\n<term>\n<voted for>\n" (version 0),
//                                 replaced atomically (actors/atomic_file.hpp) at every change.
//   <20-digit end offset>-<10-digit term>.checkpoint
//                                 the latest snapshot's data (opaque bytes), named like KRaft's
//                                 snapshots by the exclusive end offset (= its last index) and
//                                 the last entry's term; written atomically before the log start
//                                 moves past it, older ones removed after.
//
// sync() is storage::log::flush() (fdatasync); the hard state and snapshots are durable when
// their call returns. Opening repairs what a crash between those steps leaves: the log start
// moves up to the snapshot, and a log that does not hold the snapshot's last entry with its term
// is discarded after it. Terms of the entries in the log are kept in memory (8 bytes an entry;
// snapshots keep the log short). I/O errors throw std::system_error: a controller cannot go on
// without its log (KRaft halts too).
#include "actors/raft_log_store.hpp"

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <system_error>

namespace cafka::storage {
class log;
}

namespace cafka::raft {

class file_log_store : public log_store {
public:
  static constexpr uint64_t default_segment_bytes = 16 << 20;

  // Opens or creates the store in dir. nullptr and ec on failure.
  static std::unique_ptr<file_log_store> open(const std::filesystem::path& dir,
                                              std::error_code& ec,
                                              uint64_t segment_bytes = default_segment_bytes);
  ~file_log_store() override;

  hard_state load_hard_state() const override { return hs_; }
  void save_hard_state(const hard_state& hs) override;

  index_t first_index() const override { return snap_.last_index + 1; }
  index_t last_index() const override {
    return snap_.last_index + static_cast<index_t>(terms_.size());
  }
  std::optional<term_t> term_at(index_t index) const override;
  std::vector<entry> entries(index_t from, index_t to, size_t max_bytes) const override;

  void append(const std::vector<entry>& entries) override;
  void truncate_suffix(index_t from) override;
  const snapshot& latest_snapshot() const override { return snap_; }
  void install_snapshot(snapshot s) override;
  void sync() override;

  // Flushes and marks the log cleanly closed; the store is unusable afterwards.
  std::error_code close();

  const std::filesystem::path& dir() const { return dir_; }

private:
  file_log_store(std::filesystem::path dir, std::unique_ptr<storage::log> log);
  std::error_code load();           // hard state, snapshot, repair, terms
  std::error_code discard_after_snapshot();
  void remove_other_snapshots() const;

  std::filesystem::path dir_;
  std::unique_ptr<storage::log> log_;
  hard_state hs_;
  snapshot snap_;
  std::deque<term_t> terms_; // terms_[k]: the term of entry first_index() + k
};

} // namespace cafka::raft
