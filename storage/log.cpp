#include "storage/log.hpp"

#include "storage/record_batch.hpp"
#include "storage/recovery.hpp"
#include "storage/segment.hpp"
#include "storage/start_offset_checkpoint.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace cafka::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* clean_marker = ".cafka_clean_shutdown";

// Base offset from "<20 digits>.log", or -1.
int64_t parse_base(const fs::path& p) {
  auto stem = p.stem().string();
  int64_t v = -1;
  if (stem.size() != 20 || !std::all_of(stem.begin(), stem.end(), ::isdigit))
    return -1;
  auto [end, err] = std::from_chars(stem.data(), stem.data() + stem.size(), v);
  return err == std::errc{} && end == stem.data() + stem.size() ? v : -1; // overflow: ignore
}

// Sorted base offsets of the segments in dir. Index files without a .log are useless (and
// would be mistaken for a new segment's later), so they are deleted.
std::vector<int64_t> list_segments(const fs::path& dir, std::vector<std::string>& notices,
                                   std::error_code& ec) {
  std::vector<int64_t> bases;
  std::vector<fs::path> orphans;
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    auto& p = entry.path();
    auto base = parse_base(p);
    if (base < 0 || !entry.is_regular_file())
      continue;
    if (p.extension() == ".log")
      bases.push_back(base);
    else if ((p.extension() == ".index" || p.extension() == ".timeindex")
             && !fs::exists(fs::path{p}.replace_extension(".log")))
      orphans.push_back(p);
  }
  for (auto& p : orphans) {
    fs::remove(p, ec);
    notices.push_back("deleted " + p.filename().string() + " (no matching .log)");
  }
  std::sort(bases.begin(), bases.end());
  return bases;
}

std::unique_ptr<segment> new_segment(const log_config& cfg, int64_t base, std::error_code& ec) {
  auto s = segment::open(cfg.dir, base, cfg, ec);
  if (s && !(ec = s->reset_indexes()))
    s->reset_tracking(0, base, -1, base);
  return ec ? nullptr : std::move(s);
}

} // namespace

struct pending_delete {
  std::vector<fs::path> files; // the renamed `.deleted` files
  int64_t due_ms;
};

struct log::impl {
  log_config cfg;
  std::vector<std::unique_ptr<segment>> segments; // ordered by base offset, last is active
  std::vector<std::string> notices;
  int64_t start_offset = 0;                        // checkpointed DeleteRecords offset
  std::vector<pending_delete> pending;             // oldest first
  bool closed = false;

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

  std::error_code roll() {
    if (auto ec = segments.back()->seal())
      return ec;
    std::error_code ec;
    auto s = new_segment(cfg, segments.back()->next_offset(), ec);
    if (ec)
      return ec;
    segments.push_back(std::move(s));
    return sync_dir(cfg.dir); // make the new files' names durable
  }

  void release() noexcept {
    for (auto& s : segments)
      s->close();
    segments.clear();
    closed = true;
  }
};

log::log(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

log::~log() {
  if (impl_)
    impl_->release(); // without the marker: the next open recovers as after a crash
}

std::unique_ptr<log> log::open(const log_config& cfg, std::error_code& ec) {
  ec.clear();
  if (cfg.dir.empty() || cfg.segment_bytes == 0
      || cfg.segment_bytes > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
    ec = errc::invalid_config; // index positions are 32-bit
    return nullptr;
  }
  fs::create_directories(cfg.dir, ec);
  if (ec)
    return nullptr;
  auto st = std::make_unique<impl>();
  st->cfg = cfg;
  auto marker = cfg.dir / clean_marker;
  bool clean = fs::exists(marker, ec);
  // Segments deleted before a crash (renamed, not yet removed) are finished off first.
  for (auto& name : remove_deleted_files(cfg.dir, ec))
    st->notices.push_back("removed " + name + " (a deleted segment's file, not yet removed)");
  if (ec)
    return nullptr;
  auto bases = list_segments(cfg.dir, st->notices, ec);
  if (ec)
    return nullptr;
  for (size_t i = 0; i < bases.size(); ++i) {
    auto s = segment::open(cfg.dir, bases[i], cfg, ec);
    if (ec)
      return nullptr;
    bool last = i + 1 == bases.size();
    auto role = !last ? segment_role::sealed
                      : clean ? segment_role::active_clean : segment_role::active_unclean;
    auto end_bound = last ? std::numeric_limits<int64_t>::max() : bases[i + 1];
    if ((ec = recover_segment(*s, role, end_bound, st->notices)))
      return nullptr;
    st->segments.push_back(std::move(s));
  }
  if (st->segments.empty()) {
    auto s = new_segment(cfg, 0, ec);
    if (ec)
      return nullptr;
    st->segments.push_back(std::move(s));
  }
  auto checkpoint = read_start_offset(cfg.dir, ec);
  if (ec)
    return nullptr;
  // A checkpoint past the end (the tail was truncated by recovery) is clamped to the end.
  st->start_offset = std::min(std::max<int64_t>(checkpoint, 0),
                              st->segments.back()->next_offset());
  // From here on a crash must look unclean, so the marker goes before the first append.
  if (clean && (fs::remove(marker, ec), ec))
    return nullptr;
  if ((ec = sync_dir(cfg.dir)))
    return nullptr;
  return std::unique_ptr<log>{new log(std::move(st))};
}

append_result log::append(char* batch, size_t size, int32_t leader_epoch) {
  append_result res;
  auto& st = *impl_;
  if (st.closed) {
    res.ec = errc::storage_error;
    return res;
  }
  if (size > st.cfg.max_message_bytes) {
    res.ec = errc::record_too_large;
    return res;
  }
  batch_header h;
  if ((res.ec = parse_batch_header(batch, size, h)))
    return res;
  if (h.magic != 2 || h.total_size() != size || h.last_offset_delta < 0) {
    res.ec = errc::invalid_record;
    return res;
  }
  auto base = st.segments.back()->next_offset();
  if (!st.segments.back()->fits(size, base + h.last_offset_delta, st.cfg.segment_bytes))
    if ((res.ec = st.roll()))
      return res;
  patch_batch(batch, base, leader_epoch);
  h.base_offset = base;
  h.partition_leader_epoch = leader_epoch;
  if ((res.ec = st.segments.back()->append(batch, size, h)))
    return res;
  res.base_offset = base;
  res.last_offset = h.last_offset();
  res.max_timestamp = h.max_timestamp;
  return res;
}

read_result log::read(int64_t offset, size_t max_bytes) const {
  read_result res;
  auto& segs = impl_->segments;
  if (impl_->closed) {
    res.ec = errc::storage_error;
    return res;
  }
  if (offset < log_start_offset() || offset > log_end_offset()) {
    res.ec = errc::offset_out_of_range;
    return res;
  }
  // The last segment whose base <= offset; later ones when it has nothing that far (gaps).
  auto it = std::upper_bound(segs.begin(), segs.end(), offset,
                             [](int64_t o, const auto& s) { return o < s->base_offset(); });
  for (--it; it != segs.end() && res.records.empty(); ++it)
    if ((res.ec = (*it)->read(offset, max_bytes, res.records)))
      break;
  return res;
}

timestamp_lookup log::offset_for_timestamp(int64_t timestamp) const {
  for (auto& s : impl_->segments)
    if (auto found = s->offset_for_timestamp(timestamp); found.offset >= 0) {
      // Records below the start offset are gone even if their batch is still on disk.
      found.offset = std::max(found.offset, log_start_offset());
      return found;
    }
  return {};
}

std::error_code log::advance_start_offset(int64_t offset, int64_t now_ms,
                                          int64_t delete_delay_ms) {
  auto& st = *impl_;
  if (st.closed)
    return errc::storage_error;
  if (offset < 0 || offset > log_end_offset())
    return errc::offset_out_of_range;
  if (offset <= log_start_offset())
    return {}; // never moves back
  // Persist first: once the checkpoint is durable, the records below are gone for readers.
  if (auto ec = write_start_offset(st.cfg.dir, offset))
    return ec;
  st.start_offset = offset;
  retention_policy none;
  none.delete_delay_ms = delete_delay_ms;
  std::error_code ec;
  apply_retention(none, now_ms, ec);
  return ec;
}

size_t log::apply_retention(const retention_policy& p, int64_t now_ms, std::error_code& ec) {
  ec.clear();
  auto& st = *impl_;
  if (st.closed)
    return 0;
  std::vector<segment_summary> sums;
  for (auto& s : st.segments)
    sums.push_back({s->base_offset(), s->next_offset(), s->size(), s->max_timestamp()});
  auto n = segments_to_delete(sums, p, now_ms, log_start_offset());
  if (n == 0)
    return 0;
  if ((ec = st.delete_front(n, now_ms, p.delete_delay_ms)))
    return n;
  purge_deleted(now_ms, ec);
  return n;
}

size_t log::purge_deleted(int64_t now_ms, std::error_code& ec) {
  ec.clear();
  auto& pending = impl_->pending;
  size_t n = 0;
  while (n < pending.size() && pending[n].due_ms <= now_ms) {
    for (auto& f : pending[n].files)
      if (fs::remove(f, ec); ec)
        break;
    if (ec)
      break;
    ++n;
  }
  pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(n));
  return n;
}

int64_t log::next_purge_due() const noexcept {
  return impl_->pending.empty() ? -1 : impl_->pending.front().due_ms;
}

uint64_t log::size_bytes() const noexcept {
  uint64_t total = 0;
  for (auto& s : impl_->segments)
    total += s->size();
  return total;
}

int64_t log::log_start_offset() const noexcept {
  if (impl_->segments.empty())
    return 0;
  return std::max(impl_->segments.front()->base_offset(), impl_->start_offset);
}

int64_t log::log_end_offset() const noexcept {
  return impl_->segments.empty() ? 0 : impl_->segments.back()->next_offset();
}

size_t log::segment_count() const noexcept {
  return impl_->segments.size();
}

const std::vector<std::string>& log::recovery_notices() const noexcept {
  return impl_->notices;
}

std::error_code log::flush() {
  if (impl_->closed)
    return errc::storage_error;
  return impl_->segments.back()->flush(); // sealed segments were flushed when rolled
}

std::error_code log::close() {
  auto& st = *impl_;
  if (st.closed)
    return {};
  auto ec = st.segments.back()->flush_and_trim();
  st.release();
  if (ec)
    return ec; // no marker: the next open recovers
  auto marker = file::open(st.cfg.dir / clean_marker, true, ec);
  if (!ec)
    ec = marker.datasync();
  if (!ec)
    ec = sync_dir(st.cfg.dir);
  return ec;
}

std::error_code log::remove() {
  impl_->release();
  std::error_code ec;
  fs::remove_all(impl_->cfg.dir, ec);
  return ec;
}

} // namespace cafka::storage
