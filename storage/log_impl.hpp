#pragma once
// The inside of storage::log, shared by the files that implement it (log.cpp: open, append,
// roll, flush, close; log_read.cpp: reads and timestamp lookups; log_retention.cpp: retention
// and DeleteRecords; log_epochs.cpp: the leader epoch cache; log_replicate.cpp: follower
// appends). Nothing outside storage/ includes this.
#include "storage/flusher.hpp"
#include "storage/leader_epoch_cache.hpp"
#include "storage/log.hpp"
#include "storage/retention.hpp"
#include "storage/segment.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace cafka::storage {

// A new, empty segment with fresh indexes starting at base.
std::unique_ptr<segment> new_segment(const log_config& cfg, int64_t base, std::error_code& ec);

struct pending_delete {
  std::vector<std::filesystem::path> files; // the renamed `.deleted` files
  int64_t due_ms;
};

struct clean_pass; // log_clean.cpp

struct log::impl {
  log_config cfg;
  std::vector<std::unique_ptr<segment>> segments; // ordered by base offset, last is active
  std::vector<std::string> notices;
  int64_t start_offset = 0;                        // checkpointed DeleteRecords offset
  std::vector<pending_delete> pending;             // oldest first
  bool closed = false;
  std::shared_ptr<clean_pass> cleaning;           // the cleaning pass in progress, if any
  int64_t cleaner_checkpoint = -1;                 // cleaner-offset-checkpoint (-1: none)
  std::vector<char> key_check_buffer;              // append: decompressed records (compacted)
  leader_epoch_cache epochs;                       // leader-epoch-checkpoint (log_epochs.cpp)
  bool epochs_unsaved = false;                     // the last checkpoint write failed

  // log_epochs.cpp. Called by open once the segments and the start offset are known: loads
  // the checkpoint, fits it to [log start, log end) and rebuilds it from the batch headers
  // when it is missing, malformed or disagrees with the log.
  std::error_code load_epochs();
  // After a batch with this epoch was appended at base: a newer epoch is added and saved.
  void note_epoch(int32_t epoch, int64_t base);
  // The cache changed (or an earlier write failed): write the checkpoint. A failure is only
  // remembered (retried at the next change and at close): open() rebuilds a stale file.
  void save_epochs();
  // The first batch whose last offset >= offset, searching from the segment holding it on;
  // false when there is none (offset at or past the end) or a header cannot be read.
  bool find_batch(int64_t offset, batch_header& h) const;

  // log_clean.cpp: the steps of a cleaning pass.
  std::error_code start_clean(const cleaner_options& opt, const cleanable_range& range);
  std::error_code clean_next_group(const cleaner_options& opt, int64_t now_ms);
  // Called by open before the segments are listed: finishes or discards an interrupted clean
  // (cleaned_segment.hpp) and reads the cleaner checkpoint.
  std::error_code recover_cleaner_state();

  // Takes the first n segments out of the log and renames their files (retention.hpp).
  std::error_code delete_front(size_t n, int64_t now_ms, int64_t delay_ms) {
    n = std::min(n, segments.size() - 1); // never the active segment
    for (size_t i = 0; i < n; ++i) {
      auto& s = segments.front();
      auto name = s->name();
      s->close();
      segments.erase(segments.begin());
      std::error_code ec;
      auto files = mark_segment_deleted(cfg.dir, name, ec);
      pending.push_back({std::move(files), now_ms + std::max<int64_t>(delay_ms, 0)});
      if (ec)
        return ec;
    }
    return {};
  }

  // The new segment first: when it cannot be created (disk full, file size limit while
  // preallocating its indexes) its files go again and the active segment is left untouched,
  // so the log stays valid and a later roll can succeed. The sealed segment's syncs (and the
  // directory's, for the new names) go to the flusher: never inside the append.
  // The new segment's base is the old one's next offset, or for a follower's batch that
  // follows a gap (a compacted leader) that batch's base offset.
  std::error_code roll(int64_t base = -1) {
    auto& old = *segments.back();
    base = std::max(base, old.next_offset());
    std::error_code ec;
    auto s = new_segment(cfg, base, ec);
    if (!ec)
      ec = old.seal_unsynced();
    if (ec) {
      s.reset();
      remove_segment_files(base);
      return ec;
    }
    segments.push_back(std::move(s));
    auto job = std::make_shared<sync_files>();
    job->add_dir(cfg.dir);
    if (old.add_files_to(*job)) { // out of descriptors: sync here after all
      if (auto sync_ec = old.flush())
        return sync_ec;
      return sync_dir(cfg.dir);
    }
    post_sync(std::move(job), old.next_offset());
    return {};
  }

  // -- flushing (flusher.hpp) -------------------------------------------------------------
  std::shared_ptr<flusher> flush_to = std::make_shared<inline_flusher>(); // or set_flusher's
  log::flushed_callback on_flushed;
  std::vector<std::shared_ptr<sync_files>> unsynced; // sealed segments' jobs, maybe not run

  void post_sync(std::shared_ptr<sync_files> job, int64_t end) {
    unsynced.erase(std::remove_if(unsynced.begin(), unsynced.end(),
                                  [](auto& j) { return j->done(); }),
                   unsynced.end());
    unsynced.push_back(job);
    flush_job fj;
    fj.work = [job] { return job->run(); };
    if (on_flushed)
      fj.done = [cb = on_flushed, end](std::error_code ec) { cb(end, ec); };
    flush_to->post(std::move(fj));
  }

  // Close and flush(): what the flusher has not done yet happens here, synchronously.
  std::error_code sync_sealed_now() {
    for (auto& job : unsynced)
      if (auto ec = job->run())
        return ec;
    unsynced.clear();
    return {};
  }

  void remove_segment_files(int64_t base) noexcept {
    for (auto* ext : {".log", ".index", ".timeindex"})
      remove_file(cfg.dir / segment::file_name(base, ext));
  }

  void release() noexcept {
    for (auto& s : segments)
      s->close();
    segments.clear();
    closed = true;
  }
};

} // namespace cafka::storage
