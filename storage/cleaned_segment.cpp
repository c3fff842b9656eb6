#include "storage/cleaned_segment.hpp"

#include "storage/recovery.hpp"
#include "storage/segment.hpp"

#include <algorithm>
#include <limits>
#include <sys/stat.h>

namespace cafka::storage {

namespace fs = std::filesystem;

namespace {

constexpr const char* extensions[] = {".index", ".timeindex", ".log"}; // the .log last

fs::path named(const fs::path& dir, int64_t base, const char* ext, const char* suffix = "") {
  return dir / (segment::file_name(base, ext) + suffix);
}

// Base offset of "<20 digits><ext><suffix>", or -1.
int64_t base_of(const std::string& name, const std::string& tail) {
  if (name.size() != 20 + tail.size() || name.compare(20, std::string::npos, tail) != 0)
    return -1;
  int64_t v = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9' || v > (std::numeric_limits<int64_t>::max() - 9) / 10)
      return -1;
    v = v * 10 + (name[i] - '0');
  }
  return v;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Last offset of the batches in a .log (base - 1 when there is none).
int64_t last_offset_of(const fs::path& p, int64_t base, std::error_code& ec) {
  auto f = file::open(p, false, ec);
  uint64_t size = 0;
  if (ec || (ec = f.size(size)))
    return -1;
  auto r = scan_log(f, 0, size, base, std::numeric_limits<uint64_t>::max(),
                    [](const batch_header&, uint64_t) {});
  return r.last_offset;
}

std::error_code complete_swap(const fs::path& dir, int64_t base,
                              std::vector<std::string>& notices) {
  std::error_code ec;
  auto last = last_offset_of(named(dir, base, ".log", swap_suffix), base, ec);
  if (ec)
    return ec;
  // The old segments it absorbed: every base in (base, last]. Their .log goes first.
  std::vector<int64_t> absorbed;
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    auto b = base_of(entry.path().filename().string(), ".log");
    if (b > base && b <= last)
      absorbed.push_back(b);
  }
  if (ec)
    return ec;
  for (auto b : absorbed)
    for (const char* ext : {".log", ".index", ".timeindex"})
      if ((ec = remove_file(named(dir, b, ext))))
        return ec;
  // Indexes before the .log, so the new .log never pairs with the old segment's indexes.
  for (const char* ext : {".index", ".timeindex"}) {
    auto swap = named(dir, base, ext, swap_suffix);
    ec = fs::exists(swap) ? rename_file(swap, named(dir, base, ext))
                          : remove_file(named(dir, base, ext)); // rebuilt by recovery
    if (ec)
      return ec;
  }
  if ((ec = rename_file(named(dir, base, ".log", swap_suffix), named(dir, base, ".log"))))
    return ec;
  notices.push_back("completed an interrupted clean: " + segment::file_name(base, ".log")
                    + " replaced " + std::to_string(absorbed.size() + 1)
                    + " segments up to offset " + std::to_string(last));
  return {};
}

} // namespace

int64_t file_mtime_ms(const fs::path& p) noexcept {
  struct stat st;
  if (::stat(p.c_str(), &st) != 0)
    return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

std::error_code cleaned_segment_writer::create(const fs::path& dir, int64_t base,
                                               const log_config& cfg) {
  dir_ = dir;
  base_ = base;
  index_interval_ = cfg.index_interval_bytes;
  offset_of_max_ = base;
  for (const char* ext : extensions) // leftovers of an abandoned clean
    if (auto ec = remove_file(named(dir, base, ext, cleaned_suffix)))
      return ec;
  std::error_code ec;
  log_ = file::open(named(dir, base, ".log", cleaned_suffix), true, ec);
  if (ec)
    return ec;
  if ((ec = oindex_.open(named(dir, base, ".index", cleaned_suffix), base, cfg.max_index_bytes))
      || (ec = tindex_.open(named(dir, base, ".timeindex", cleaned_suffix), base,
                            cfg.max_index_bytes))
      || (ec = oindex_.file().make_writable()) || (ec = tindex_.file().make_writable()))
    return ec;
  return {};
}

std::error_code cleaned_segment_writer::append(const char* batch, size_t n,
                                               const batch_header& h) {
  if (size_ + n > static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
    return errc::storage_error; // index positions are 32-bit
  if (auto ec = log_.write_at(batch, n, size_))
    return ec;
  // segment::track's policy, so recovery finds these indexes exactly as it would rebuild them.
  if (h.max_timestamp > max_ts_) {
    max_ts_ = h.max_timestamp;
    offset_of_max_ = h.last_offset();
  }
  if (bytes_since_index_ > index_interval_) {
    oindex_.append(h.last_offset(), size_);
    tindex_.maybe_append(max_ts_, offset_of_max_);
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += n;
  size_ += n;
  return {};
}

std::error_code cleaned_segment_writer::finish(int64_t mtime_ms) {
  tindex_.maybe_append(max_ts_, offset_of_max_); // as segment::seal
  if (auto ec = log_.datasync())
    return ec;
  for (auto* f : {&oindex_.file(), &tindex_.file()})
    if (auto ec = f->sync(); ec || (ec = f->trim()))
      return ec;
  if (mtime_ms >= 0) {
    struct timespec times[2];
    times[0].tv_sec = times[1].tv_sec = mtime_ms / 1000;
    times[0].tv_nsec = times[1].tv_nsec = (mtime_ms % 1000) * 1000000;
    ::futimens(log_.fd(), times);
  }
  oindex_.file().close();
  tindex_.file().close();
  log_.close();
  return {};
}

void cleaned_segment_writer::discard() noexcept {
  oindex_.file().close();
  tindex_.file().close();
  log_.close();
  if (!dir_.empty())
    for (const char* ext : extensions)
      remove_file(named(dir_, base_, ext, cleaned_suffix));
}

std::error_code commit_cleaned(const fs::path& dir, int64_t base) {
  for (const char* ext : extensions)
    if (auto ec = rename_file(named(dir, base, ext, cleaned_suffix),
                              named(dir, base, ext, swap_suffix)))
      return ec;
  return sync_dir(dir);
}

std::error_code install_swap(const fs::path& dir, int64_t base) {
  for (const char* ext : extensions)
    if (auto ec = rename_file(named(dir, base, ext, swap_suffix), named(dir, base, ext)))
      return ec;
  return {};
}

std::error_code recover_cleaner_files(const fs::path& dir, std::vector<std::string>& notices) {
  std::error_code ec;
  std::vector<fs::path> cleaned;
  std::vector<fs::path> swaps; // .swap indexes
  std::vector<int64_t> log_swaps;
  for (auto& entry : fs::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (ends_with(name, cleaned_suffix))
      cleaned.push_back(entry.path());
    else if (auto b = base_of(name, std::string{".log"} + swap_suffix); b >= 0)
      log_swaps.push_back(b);
    else if (ends_with(name, swap_suffix))
      swaps.push_back(entry.path());
  }
  if (ec)
    return ec;
  for (auto& p : cleaned) {
    if ((ec = remove_file(p)))
      return ec;
    notices.push_back("removed " + p.filename().string() + " (an unfinished clean)");
  }
  std::sort(log_swaps.begin(), log_swaps.end());
  for (auto& p : swaps) { // indexes whose .log never reached `.swap`
    auto name = p.filename().string();
    auto b = std::max(base_of(name, std::string{".index"} + swap_suffix),
                      base_of(name, std::string{".timeindex"} + swap_suffix));
    if (std::binary_search(log_swaps.begin(), log_swaps.end(), b))
      continue;
    if ((ec = remove_file(p)))
      return ec;
    notices.push_back("removed " + name + " (an unfinished clean)");
  }
  for (auto b : log_swaps)
    if ((ec = complete_swap(dir, b, notices)))
      return ec;
  if (!cleaned.empty() || !swaps.empty() || !log_swaps.empty())
    return sync_dir(dir);
  return {};
}

} // namespace cafka::storage
