// The leader epoch cache of storage::log (leader_epoch_cache.hpp): loading and checking the
// checkpoint at open, rebuilding it from the batch headers, and the queries.
//
// Check at open: after fitting the entries to [log start, log end) the checkpoint agrees with
// the log when, for every entry, the batch holding its start offset carries its epoch and the
// batch right before it carries the previous entry's epoch, and the last batch carries the
// latest epoch. Epochs never decrease along a log, so that proves every batch lies in the range
// of its own epoch. Anything else (a checkpoint written before a crash that lost the append, an
// older file after a power loss, a deleted file) makes open rebuild the cache from the headers.
#include "storage/log_impl.hpp"

#include "storage/record_batch.hpp"

namespace cafka::storage {

namespace {

// The epoch of the batch holding `offset` (first batch whose last offset >= offset), or
// INT32_MIN when there is none.
template <class LogImpl>
int32_t epoch_at(const LogImpl& st, int64_t offset) {
  batch_header h;
  return st.find_batch(offset, h) ? h.partition_leader_epoch : INT32_MIN;
}

template <class LogImpl>
bool agrees_with_log(const LogImpl& st, const leader_epoch_cache& cache, int64_t start,
                     int64_t end) {
  auto& es = cache.entries();
  if (start == end)
    return es.empty();
  if (es.empty() || es.front().start_offset != start)
    return false; // batches before the first entry: rebuilt to learn their epoch
  for (size_t i = 0; i < es.size(); ++i) {
    batch_header h;
    if (!st.find_batch(es[i].start_offset, h) || h.partition_leader_epoch != es[i].epoch)
      return false;
    if (i > 0 && (h.base_offset != es[i].start_offset
                  || epoch_at(st, es[i].start_offset - 1) != es[i - 1].epoch))
      return false;
  }
  return epoch_at(st, end - 1) == es.back().epoch;
}

// Walks one segment's batch headers in its read mapping (no record bytes are touched beyond
// the header pages), assigning each batch's epoch.
std::error_code scan_segment_epochs(const segment& s, leader_epoch_cache& cache) {
  record_bytes all;
  if (auto ec = s.read(s.base_offset(), static_cast<size_t>(s.size()), all))
    return ec;
  for (auto& slice : all.slices()) {
    size_t pos = 0;
    batch_header h;
    while (pos + batch_header_size <= slice.size
           && !parse_batch_header(slice.data + pos, slice.size - pos, h) && h.magic == 2
           && pos + h.total_size() <= slice.size) {
      cache.assign(h.partition_leader_epoch, h.base_offset);
      pos += h.total_size();
    }
  }
  return {};
}

} // namespace

bool log::impl::find_batch(int64_t offset, batch_header& h) const {
  auto it = std::upper_bound(segments.begin(), segments.end(), offset,
                             [](int64_t o, const auto& s) { return o < s->base_offset(); });
  if (it != segments.begin())
    --it;
  for (; it != segments.end(); ++it) {
    uint64_t pos = 0;
    if ((*it)->locate(offset, pos, h))
      return false;
    if (pos < (*it)->size())
      return true;
  }
  return false;
}

std::error_code log::impl::load_epochs() {
  auto start = segments.empty() ? 0 : std::max(segments.front()->base_offset(), start_offset);
  auto end = segments.empty() ? 0 : segments.back()->next_offset();
  bool malformed = false;
  bool found = epochs.read(cfg.dir, malformed);
  auto before = epochs.entries();
  epochs.truncate_from_end(end);    // entries of appends a crash lost (or recovery cut off)
  epochs.truncate_from_start(start);
  if (agrees_with_log(*this, epochs, start, end)) {
    if (epochs.entries() != before || malformed)
      save_epochs();
    return {};
  }
  // Rebuild. Epochs never decrease along a log, so a segment whose first and last batches
  // carry the same epoch adds at most its first batch: only segments where the epoch changes
  // are walked header by header.
  epochs.clear();
  for (auto& s : segments) {
    batch_header first, last;
    if (s->size() == 0 || !find_batch(std::max(s->base_offset(), start), first))
      continue;
    if (first.base_offset >= s->next_offset())
      continue; // found in a later segment: this one has nothing at or after the start
    if (!find_batch(s->next_offset() - 1, last))
      continue;
    if (first.partition_leader_epoch == last.partition_leader_epoch) {
      epochs.assign(first.partition_leader_epoch, first.base_offset);
    } else if (auto ec = scan_segment_epochs(*s, epochs)) {
      return ec;
    }
  }
  epochs.truncate_from_start(start); // a first batch that begins below a DeleteRecords start
  notices.push_back(std::string{"rebuilt "} + leader_epoch_file + " from the batch headers ("
                    + (malformed ? "malformed" : !found ? "missing" : "did not match the log")
                    + ")");
  save_epochs();
  return {};
}

void log::impl::note_epoch(int32_t epoch, int64_t base) {
  if (epochs.assign(epoch, base) || epochs_unsaved)
    save_epochs();
}

void log::impl::save_epochs() {
  epochs_unsaved = static_cast<bool>(epochs.write(cfg.dir));
}

int32_t log::latest_epoch() const noexcept {
  return impl_->epochs.latest_epoch();
}

epoch_end log::end_offset_for(int32_t epoch) const noexcept {
  if (epoch < 0)
    return {latest_epoch(), log_end_offset()};
  return impl_->epochs.end_offset_for(epoch, log_end_offset());
}

const std::vector<epoch_entry>& log::epoch_entries() const noexcept {
  return impl_->epochs.entries();
}

} // namespace cafka::storage
