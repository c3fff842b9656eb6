#include "storage/retention.hpp"

#include "storage/file.hpp"

namespace cafka::storage {

namespace fs = std::filesystem;

size_t segments_to_delete(const std::vector<segment_summary>& segs, const retention_policy& p,
                          int64_t now_ms, int64_t log_start) {
  if (segs.size() < 2)
    return 0;
  const size_t closed = segs.size() - 1; // the active segment stays
  size_t n = 0;
  // Below the log start offset: everything in the segment precedes it.
  while (n < closed && segs[n + 1].base_offset <= log_start)
    ++n;
  // By time: a segment whose newest record is older than the retention period.
  if (p.retention_ms >= 0)
    while (n < closed && segs[n].max_timestamp >= 0
           && now_ms - segs[n].max_timestamp > p.retention_ms)
      ++n;
  // By size: drop the oldest while what remains still reaches retention_bytes.
  if (p.retention_bytes >= 0) {
    uint64_t total = 0;
    for (size_t i = n; i < segs.size(); ++i)
      total += segs[i].size;
    auto limit = static_cast<uint64_t>(p.retention_bytes);
    while (n < closed && total >= limit && total - segs[n].size >= limit) {
      total -= segs[n].size;
      ++n;
    }
  }
  return n;
}

std::vector<fs::path> mark_segment_deleted(const fs::path& dir, const std::string& log_name,
                                           std::error_code& ec) {
  ec.clear();
  auto stem = log_name.substr(0, log_name.size() - 4); // strip ".log"
  std::vector<fs::path> out;
  // The .log goes first: once it is renamed, an open no longer sees the segment, and its
  // indexes (orphans without a .log) are deleted by recovery even if we crash right here.
  for (const char* ext : {".log", ".index", ".timeindex"}) {
    auto from = dir / (stem + ext);
    auto to = dir / (stem + ext + deleted_suffix);
    if (!fs::exists(from))
      continue;
    if ((ec = rename_file(from, to)))
      return out;
    out.push_back(to);
  }
  ec = sync_dir(dir);
  return out;
}

std::vector<std::string> remove_deleted_files(const fs::path& dir, std::error_code& ec) {
  ec.clear();
  std::vector<fs::path> doomed;
  for (auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == deleted_suffix)
      doomed.push_back(entry.path());
  std::vector<std::string> names;
  for (auto& p : doomed) {
    if ((ec = remove_file(p)))
      return names;
    names.push_back(p.filename().string());
  }
  return names;
}

} // namespace cafka::storage
