// Log compaction of storage::log (rules in cleaner.hpp, the swap in cleaned_segment.hpp).
#include "storage/log_impl.hpp"

#include "storage/batch_filter.hpp"
#include "storage/cleaned_segment.hpp"
#include "storage/cleaner_checkpoint.hpp"
#include "storage/offset_map.hpp"
#include "storage/recovery.hpp"

#include <algorithm>

namespace cafka::storage {

// A pass in progress: the key map of its dirty section and the groups still to rewrite.
struct clean_pass {
  explicit clean_pass(uint64_t map_bytes) : map(map_bytes) {}
  offset_map map;
  int64_t end = 0; // the map covers the dirty offsets below end: the checkpoint afterwards
  std::vector<std::pair<int64_t, int64_t>> groups; // base offsets of first and last member
  size_t next = 0;
  clean_stats stats;
  std::vector<char> buffer;  // chunks read from segments
  std::vector<char> scratch; // decompressed records
  std::vector<char> rebuilt;
};

namespace {

constexpr size_t chunk_bytes = 1 << 20;

// Calls f(batch, header) for each batch of s from pos on (chunked preads); f returns false to
// stop. corrupt_message at a batch that cannot be parsed.
template <class F>
std::error_code for_each_batch(segment& s, uint64_t pos, std::vector<char>& buf, F&& f) {
  auto end = s.size();
  while (pos < end) {
    auto want = static_cast<size_t>(std::min<uint64_t>(chunk_bytes, end - pos));
    buf.resize(want);
    if (auto ec = s.log_file().read_at(buf.data(), want, pos))
      return ec;
    size_t used = 0;
    batch_header h;
    while (used + batch_header_size <= want) {
      if (parse_batch_header(buf.data() + used, want - used, h) || h.magic != 2)
        return errc::corrupt_message;
      if (used + h.total_size() > want)
        break;
      if (!f(buf.data() + used, h))
        return {};
      used += h.total_size();
    }
    if (used == 0) { // one batch larger than a chunk
      if (want < batch_header_size || pos + h.total_size() > end)
        return errc::corrupt_message;
      buf.resize(h.total_size());
      if (auto ec = s.log_file().read_at(buf.data(), buf.size(), pos))
        return ec;
      if (!f(buf.data(), h))
        return {};
      used = buf.size();
    }
    pos += used;
  }
  return {};
}

cleaner_segment summary(segment& s) {
  auto index_bytes = std::max(s.oindex().entries() * offset_index::entry_size,
                              s.tindex().entries() * time_index::entry_size);
  return {s.base_offset(), s.next_offset(), s.size(), s.max_timestamp(), index_bytes};
}

} // namespace

std::error_code log::impl::recover_cleaner_state() {
  if (auto ec = recover_cleaner_files(cfg.dir, notices))
    return ec;
  std::error_code ec;
  cleaner_checkpoint = read_cleaner_checkpoint(cfg.dir, ec);
  if (ec) { // only costs a full clean
    notices.push_back(std::string{"ignored a malformed "} + cleaner_checkpoint_file
                      + ": cleaning starts from the log start");
    cleaner_checkpoint = -1;
  }
  return {};
}

cleanable_range log::cleanable(int64_t now_ms) const {
  std::vector<cleaner_segment> segs;
  for (auto& s : impl_->segments)
    segs.push_back(summary(*s));
  return find_cleanable(segs, impl_->cleaner_checkpoint, log_start_offset(), now_ms,
                        impl_->cfg.cleanup.min_compaction_lag_ms);
}

bool log::cleaning() const noexcept {
  return impl_->cleaning != nullptr;
}

int64_t log::cleaner_checkpoint() const noexcept {
  return std::max(impl_->cleaner_checkpoint, log_start_offset());
}

clean_step_result log::clean_step(const cleaner_options& opt, int64_t now_ms) {
  clean_step_result res;
  auto& st = *impl_;
  if (st.closed || !st.cfg.cleanup.compact) {
    st.cleaning.reset(); // compaction turned off: a pass in progress is dropped
    return res;
  }
  if (!st.cleaning) {
    auto range = cleanable(now_ms);
    if (!due_for_cleaning(range, st.cfg.cleanup.min_cleanable_dirty_ratio))
      return res;
    res.started = true;
    if ((res.ec = st.start_clean(opt, range)))
      st.cleaning.reset();
  } else if ((res.ec = st.clean_next_group(opt, now_ms))) {
    st.cleaning.reset();
  } else {
    purge_deleted(now_ms, res.ec); // replaced segments whose delay is already over
  }
  if (res.ec || !st.cleaning)
    return res;
  auto& pass = *st.cleaning;
  if (pass.next < pass.groups.size()) {
    res.more = true;
    return res;
  }
  // Every group is rewritten: the dirty section up to the map's end is clean now.
  res.ec = write_cleaner_checkpoint(st.cfg.dir, pass.end);
  if (!res.ec)
    st.cleaner_checkpoint = pass.end;
  pass.stats.clean_offset = pass.end;
  res.done = true;
  res.stats = pass.stats;
  st.cleaning.reset();
  return res;
}

std::error_code log::impl::start_clean(const cleaner_options& opt, const cleanable_range& range) {
  cleaning = std::make_shared<clean_pass>(opt.dedupe_buffer_bytes);
  auto& pass = *cleaning;
  pass.end = range.first_dirty;
  bool full = false;
  bool any = false;
  for (size_t i = 0; i + 1 < segments.size() && !full; ++i) {
    auto& s = *segments[i];
    if (s.next_offset() <= range.first_dirty || s.base_offset() >= range.first_uncleanable)
      continue;
    uint64_t pos = 0;
    batch_header first;
    if (s.base_offset() < range.first_dirty)
      if (auto ec = s.locate(range.first_dirty, pos, first))
        return ec;
    std::error_code map_ec;
    auto ec = for_each_batch(s, pos, pass.buffer, [&](const char* batch, const batch_header& h) {
      if (h.last_offset() < range.first_dirty)
        return true;
      // Stop before a batch that might overflow the map; the rest waits for the next pass.
      if (any && !pass.map.has_room_for(static_cast<size_t>(std::max(h.record_count, 0)))) {
        full = true;
        return false;
      }
      if ((map_ec = map_batch_keys(batch, h, pass.map, pass.scratch)))
        return false;
      any = true;
      pass.end = h.last_offset() + 1;
      return true;
    });
    if (ec || (ec = map_ec))
      return ec;
  }
  if (!full)
    pass.end = range.first_uncleanable;
  // Every sealed segment from the log start up to the one holding the map's end.
  std::vector<cleaner_segment> segs;
  for (size_t i = 0; i + 1 < segments.size() && segments[i]->base_offset() < pass.end; ++i)
    segs.push_back(summary(*segments[i]));
  for (auto [first, last] : group_by_size(segs, cfg.segment_bytes, cfg.max_index_bytes))
    pass.groups.emplace_back(segs[first].base_offset, segs[last].base_offset);
  return {};
}

std::error_code log::impl::clean_next_group(const cleaner_options& opt, int64_t now_ms) {
  auto& pass = *cleaning;
  auto [first_base, last_base] = pass.groups[pass.next++];
  // Retention or DeleteRecords may have removed members since the pass began.
  size_t i = 0;
  while (i < segments.size() && segments[i]->base_offset() < first_base)
    ++i;
  size_t j = i;
  while (j + 1 < segments.size() && segments[j]->base_offset() <= last_base)
    ++j; // never the active segment
  if (i >= j)
    return {};
  auto base = segments[i]->base_offset();
  cleaned_segment_writer out;
  std::error_code ec = out.create(cfg.dir, base, cfg);
  int64_t newest = -1;
  clean_stats group;
  for (size_t k = i; k < j && !ec; ++k) {
    auto& s = *segments[k];
    auto mtime = file_mtime_ms(cfg.dir / s.name());
    newest = std::max(newest, mtime);
    bool retain_deletes = mtime < 0 || now_ms - mtime <= cfg.cleanup.delete_retention_ms;
    std::error_code batch_ec;
    ec = for_each_batch(s, 0, pass.buffer, [&](const char* batch, const batch_header& h) {
      auto r = filter_batch(batch, h, pass.map, retain_deletes, pass.rebuilt, pass.scratch);
      group.records_in += r.records_in;
      group.records_out += r.records_out;
      if ((batch_ec = r.ec))
        return false;
      if (r.fate == batch_fate::kept)
        batch_ec = out.append(batch, h.total_size(), h);
      else if (r.fate == batch_fate::rebuilt) {
        batch_header nh;
        parse_batch_header(pass.rebuilt.data(), pass.rebuilt.size(), nh);
        batch_ec = out.append(pass.rebuilt.data(), pass.rebuilt.size(), nh);
      }
      return !batch_ec;
    });
    if (!ec)
      ec = batch_ec;
    group.bytes_in += s.size();
    ++group.segments;
  }
  if (!ec)
    ec = out.finish(newest);
  if (ec) {
    out.discard(); // before the commit point: the log is as it was
    return ec;
  }
  // From the commit point on, a failure leaves the directory for recovery to finish
  // (cleaned_segment.hpp); the log object is unusable then.
  auto fail = [&](std::error_code e) {
    release();
    return e;
  };
  if ((ec = commit_cleaned(cfg.dir, base)))
    return fail(ec);
  auto next_base = segments[j]->base_offset();
  // No directory fsync for these renames and the final ones: once B.log.swap is durable,
  // recovery finishes the swap from any mix of them (the checkpoint's fsync follows anyway).
  for (size_t k = i; k < j; ++k) {
    auto& s = *segments[k];
    s.close();
    pending_delete gone{{}, now_ms + std::max<int64_t>(opt.delete_delay_ms, 0)};
    auto stem = s.name().substr(0, s.name().size() - 4);
    for (const char* ext : {".log", ".index", ".timeindex"}) {
      auto from = cfg.dir / (stem + ext);
      gone.files.push_back(cfg.dir / (stem + ext + deleted_suffix));
      if ((ec = rename_file(from, gone.files.back())))
        break;
    }
    pending.push_back(std::move(gone));
    if (ec)
      return fail(ec);
  }
  if ((ec = install_swap(cfg.dir, base)))
    return fail(ec);
  auto cleaned = segment::open(cfg.dir, base, cfg, ec);
  if (ec || (ec = recover_segment(*cleaned, segment_role::sealed, next_base, notices)))
    return fail(ec);
  group.bytes_out = cleaned->size();
  segments.erase(segments.begin() + static_cast<ptrdiff_t>(i),
                 segments.begin() + static_cast<ptrdiff_t>(j));
  segments.insert(segments.begin() + static_cast<ptrdiff_t>(i), std::move(cleaned));
  pass.stats.segments += group.segments;
  pass.stats.bytes_in += group.bytes_in;
  pass.stats.bytes_out += group.bytes_out;
  pass.stats.records_in += group.records_in;
  pass.stats.records_out += group.records_out;
  return {};
}

} // namespace cafka::storage
