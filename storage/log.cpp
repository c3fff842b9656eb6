#include "storage/log.hpp"

#include "storage/batch_filter.hpp"
#include "storage/record_batch.hpp"
#include "storage/recovery.hpp"
#include "storage/log_impl.hpp"
#include "storage/segment.hpp"
#include "storage/start_offset_checkpoint.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>
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
    ec = remove_file(p);
    notices.push_back("deleted " + p.filename().string() + " (no matching .log)");
  }
  std::sort(bases.begin(), bases.end());
  return bases;
}

} // namespace

std::unique_ptr<segment> new_segment(const log_config& cfg, int64_t base, std::error_code& ec) {
  auto s = segment::open(cfg.dir, base, cfg, ec);
  if (s && !(ec = s->reset_indexes()))
    s->reset_tracking(0, base, -1, base);
  return ec ? nullptr : std::move(s);
}

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
  if (ec || (ec = st->recover_cleaner_state())) // interrupted cleans, cleaner checkpoint
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
  if ((ec = st->load_epochs()))
    return nullptr;
  // From here on a crash must look unclean, so the marker goes before the first append.
  if (clean && (ec = remove_file(marker)))
    return nullptr;
  if ((ec = sync_dir(cfg.dir)))
    return nullptr;
  return std::unique_ptr<log>{new log(std::move(st))};
}

int64_t wall_clock_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

append_result log::append(const char* batch, size_t size, int32_t leader_epoch) {
  return append(batch, size, leader_epoch, wall_clock_ms());
}

append_result log::append(const char* batch, size_t size, int32_t leader_epoch,
                          int64_t now_ms) {
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
  if (st.cfg.cleanup.compact && (res.ec = check_record_keys(batch, h, st.key_check_buffer)))
    return res; // compacted topics take keyed records only (Kafka: INVALID_RECORD)
  // The batch may be a slice of a request frame: the fields the log sets are written into a
  // copy of the header, and the records go from the frame to the file uncopied.
  char head[batch_header_size];
  std::memcpy(head, batch, batch_header_size);
  if (st.cfg.timestamp == timestamp_type::log_append_time)
    set_log_append_time(head, batch, size, now_ms, h);
  auto base = st.segments.back()->next_offset();
  auto& active = *st.segments.back();
  if (!active.fits(size, base + h.last_offset_delta, st.cfg.segment_bytes)
      || active.due_for_time_roll(h.max_timestamp, now_ms, st.cfg.segment_ms)) {
    if ((res.ec = st.roll()))
      return res;
    st.segments.back()->set_created_ms(now_ms);
  }
  patch_batch(head, base, leader_epoch);
  h.base_offset = base;
  h.partition_leader_epoch = leader_epoch;
  if ((res.ec = st.segments.back()->append(head, batch, size, h)))
    return res;
  st.note_epoch(leader_epoch, base);
  res.base_offset = base;
  res.last_offset = h.last_offset();
  res.max_timestamp = h.max_timestamp;
  if (st.cfg.timestamp == timestamp_type::log_append_time)
    res.log_append_time = now_ms;
  return res;
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

void log::reconfigure(const log_config& cfg) {
  auto& mine = impl_->cfg;
  auto dir = mine.dir;
  auto index_interval = mine.index_interval_bytes;
  auto max_index = mine.max_index_bytes;
  mine = cfg;
  mine.dir = std::move(dir);
  mine.index_interval_bytes = index_interval;
  mine.max_index_bytes = max_index;
}

const log_config& log::config() const noexcept {
  return impl_->cfg;
}

void log::set_flusher(std::shared_ptr<flusher> f, flushed_callback on_flushed) {
  impl_->flush_to = f ? std::move(f) : std::make_shared<inline_flusher>();
  impl_->on_flushed = std::move(on_flushed);
}

int64_t log::flush_async() {
  auto& st = *impl_;
  auto end = log_end_offset();
  if (st.closed)
    return end;
  auto job = std::make_shared<sync_files>();
  flush_job fj;
  if (auto ec = job->add(st.segments.back()->log_file()))
    fj.work = [ec] { return ec; };
  else
    fj.work = [job] { return job->run(); };
  if (st.on_flushed)
    fj.done = [cb = st.on_flushed, end](std::error_code ec) { cb(end, ec); };
  st.flush_to->post(std::move(fj));
  return end;
}

std::error_code log::flush() {
  if (impl_->closed)
    return errc::storage_error;
  if (auto ec = impl_->sync_sealed_now())
    return ec;
  return impl_->segments.back()->flush();
}

std::error_code log::close() {
  auto& st = *impl_;
  if (st.closed)
    return {};
  if (st.epochs_unsaved)
    st.save_epochs(); // a stale file is rebuilt at open anyway
  auto ec = st.sync_sealed_now(); // rolled segments the flusher has not synced yet
  if (!ec)
    ec = st.segments.back()->flush_and_trim();
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
