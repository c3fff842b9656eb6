#include "storage/segment.hpp"

#include "storage/flusher.hpp"
#include "storage/record_reader.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>

namespace cafka::storage {

segment::segment(int64_t base, const log_config& cfg)
  : base_(base), cfg_(cfg), name_(file_name(base, ".log")), next_offset_(base),
    offset_of_max_(base) {}

std::string segment::file_name(int64_t base, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020" PRId64, base);
  return buf + std::string{ext};
}

std::unique_ptr<segment> segment::open(const std::filesystem::path& dir, int64_t base,
                                       const log_config& cfg, std::error_code& ec) {
  std::unique_ptr<segment> s{new segment(base, cfg)};
  s->log_ = file::open(dir / s->name_, true, ec);
  if (!ec)
    ec = s->log_.size(s->size_);
  if (!ec)
    ec = s->oindex_.open(dir / file_name(base, ".index"), base, cfg.max_index_bytes);
  if (!ec)
    ec = s->tindex_.open(dir / file_name(base, ".timeindex"), base, cfg.max_index_bytes);
  if (ec)
    return nullptr;
  return s;
}

bool segment::fits(size_t n, int64_t last_offset, uint64_t segment_bytes) const noexcept {
  if (size_ == 0)
    return true; // an oversized batch still goes into an empty segment
  return size_ + n <= segment_bytes && !oindex_.file().full() && !tindex_.file().full()
         && last_offset - base_ <= std::numeric_limits<int32_t>::max();
}

bool segment::due_for_time_roll(int64_t batch_max_ts, int64_t now_ms, int64_t segment_ms) {
  if (created_ms_ < 0)
    created_ms_ = now_ms;
  if (size_ == 0)
    return false;
  if (!rolling_ts_known_) { // after open: the first batch was not tracked
    batch_header first;
    rolling_ts_ = read_header(0, first) ? -1 : first.max_timestamp;
    rolling_ts_known_ = true;
  }
  if (rolling_ts_ >= 0) // compared first: a garbage timestamp must not overflow the difference
    return batch_max_ts > rolling_ts_ && batch_max_ts - rolling_ts_ > segment_ms;
  return now_ms - created_ms_ > segment_ms;
}

std::error_code segment::append(const char* data, size_t n, const batch_header& h) {
  if (auto ec = log_.write_at(data, n, size_)) {
    log_.truncate(size_); // drop a partial write so the next append starts clean
    return ec;
  }
  track(h, size_);
  return {};
}

std::error_code segment::append(const char* head, const char* data, size_t n,
                                const batch_header& h) {
  if (auto ec = log_.write_at(head, batch_header_size, data + batch_header_size,
                              n - batch_header_size, size_)) {
    log_.truncate(size_);
    return ec;
  }
  track(h, size_);
  return {};
}

void segment::track(const batch_header& h, uint64_t pos) noexcept {
  // Kafka's LogSegment.append policy, so rebuilt indexes equal the original ones.
  if (pos == 0) {
    rolling_ts_ = h.max_timestamp;
    rolling_ts_known_ = true;
  }
  if (h.max_timestamp > max_ts_) {
    max_ts_ = h.max_timestamp;
    offset_of_max_ = h.last_offset();
  }
  if (bytes_since_index_ > cfg_.index_interval_bytes) {
    oindex_.append(h.last_offset(), pos);
    tindex_.maybe_append(max_ts_, offset_of_max_);
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += h.total_size();
  size_ = pos + h.total_size();
  next_offset_ = h.last_offset() + 1;
}

void segment::reset_tracking(uint64_t pos, int64_t next_offset, int64_t max_ts,
                             int64_t offset_of_max) {
  size_ = pos;
  next_offset_ = next_offset;
  max_ts_ = max_ts;
  offset_of_max_ = offset_of_max;
  bytes_since_index_ = 0; // true at the segment start and right after an indexed batch
  rolling_ts_known_ = false;
}

std::error_code segment::reset_indexes() {
  for (auto* f : {&oindex_.file(), &tindex_.file()}) {
    f->set_entries(0);
    if (auto ec = f->make_writable())
      return ec;
  }
  return {};
}

std::error_code segment::read_header(uint64_t pos, batch_header& h) const {
  char buf[batch_header_size];
  if (pos + batch_header_size > size_)
    return errc::corrupt_message;
  if (auto ec = log_.read_at(buf, sizeof(buf), pos))
    return ec;
  if (parse_batch_header(buf, sizeof(buf), h) || h.magic != 2 || pos + h.total_size() > size_)
    return errc::corrupt_message;
  return {};
}

std::error_code segment::locate(int64_t offset, uint64_t& pos, batch_header& h) const {
  pos = oindex_.lookup(offset).position;
  while (pos < size_) {
    if (auto ec = read_header(pos, h))
      return ec;
    if (h.last_offset() >= offset)
      return {};
    pos += h.total_size();
  }
  pos = size_;
  return {};
}

std::error_code segment::mapping_to(uint64_t end,
                                   std::shared_ptr<const mapped_file>& out) const {
  if (!map_ || map_->length() < end) {
    // The whole size limit at once, so appends do not need a new mapping; rounded up to the
    // huge-page-friendly 2 MiB (address space is cheap, mappings are counted: vm.max_map_count).
    constexpr uint64_t align = uint64_t{2} << 20;
    uint64_t want = std::max<uint64_t>({end, cfg_.segment_bytes, 1});
    want = (want + align - 1) / align * align;
    std::error_code ec;
    auto m = mapped_file::map(log_.fd(), static_cast<size_t>(want), ec);
    if (!m)
      return ec;
    map_ = std::move(m);
  }
  out = map_;
  return {};
}

std::error_code segment::read(int64_t offset, size_t max_bytes, record_bytes& out) const {
  uint64_t pos;
  batch_header h;
  if (auto ec = locate(offset, pos, h))
    return ec;
  if (pos >= size_)
    return {};
  // Everything that may fit, cut after the last whole batch. Only bytes below size_ (appended)
  // are touched: the mapping reaches past the end of the file.
  uint64_t want = std::max<uint64_t>(h.total_size(), std::min<uint64_t>(max_bytes, size_ - pos));
  std::shared_ptr<const mapped_file> map;
  if (auto ec = mapping_to(pos + want, map))
    return ec;
  const char* base = map->data() + pos;
  uint64_t used = h.total_size();
  batch_header next;
  while (used + batch_header_size <= want
         && !parse_batch_header(base + used, want - used, next)
         && next.magic == 2 && used + next.total_size() <= want)
    used += next.total_size();
  out.append(byte_slice{std::move(map), base, static_cast<size_t>(used)});
  return {};
}

timestamp_lookup segment::offset_for_timestamp(int64_t ts) const {
  if (max_ts_ < ts)
    return {};
  uint64_t pos = oindex_.lookup(tindex_.lookup(ts)).position;
  batch_header h;
  while (pos < size_ && !read_header(pos, h)) {
    if (h.max_timestamp >= ts)
      return first_record_at_or_after(pos, h, ts);
    pos += h.total_size();
  }
  return {};
}

timestamp_lookup segment::first_record_at_or_after(uint64_t pos, const batch_header& h,
                                                   int64_t ts) const {
  // Kafka's FileRecords.searchForTimestamp: the first record at or after ts, decompressing if
  // need be. A batch that cannot be decoded falls back to the batch itself.
  timestamp_lookup fallback{h.base_offset, h.max_timestamp};
  std::vector<char> batch(h.total_size());
  if (log_.read_at(batch.data(), batch.size(), pos))
    return fallback;
  record_reader records{batch.data(), batch.size()};
  record_view r;
  while (records.next(r))
    if (r.timestamp >= ts)
      return {r.offset, r.timestamp};
  return fallback;
}

std::error_code segment::flush() {
  if (auto ec = log_.datasync())
    return ec;
  if (auto ec = oindex_.file().sync())
    return ec;
  return tindex_.file().sync();
}

std::error_code segment::seal() {
  // The final entry makes the last time-index entry the segment's largest timestamp.
  tindex_.maybe_append(max_ts_, offset_of_max_);
  return flush_and_trim();
}

std::error_code segment::seal_unsynced() {
  tindex_.maybe_append(max_ts_, offset_of_max_);
  if (auto ec = oindex_.file().trim())
    return ec;
  return tindex_.file().trim();
}

std::error_code segment::add_files_to(sync_files& job) const {
  for (auto* f : {&log_, &oindex_.file().handle(), &tindex_.file().handle()})
    if (auto ec = job.add(*f))
      return ec;
  return {};
}

std::error_code segment::flush_and_trim() {
  if (auto ec = flush())
    return ec;
  if (auto ec = oindex_.file().trim())
    return ec;
  return tindex_.file().trim();
}

void segment::close() noexcept {
  oindex_.file().close();
  tindex_.file().close();
  log_.close();
}

} // namespace cafka::storage
