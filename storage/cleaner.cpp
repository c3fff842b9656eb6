#include "storage/cleaner.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace cafka::storage {

cleanable_range find_cleanable(const std::vector<cleaner_segment>& segs, int64_t checkpoint,
                               int64_t log_start, int64_t now_ms, int64_t min_lag_ms) {
  cleanable_range r;
  if (segs.empty())
    return r;
  auto active_base = segs.back().base_offset;
  r.first_dirty = std::min(std::max(checkpoint, log_start), active_base);
  r.first_uncleanable = active_base;
  if (min_lag_ms > 0) {
    // Kafka's LogCleanerManager: the first segment from the dirty one on holding a record
    // younger than the lag (segments without timestamps are old).
    for (size_t i = 0; i + 1 < segs.size(); ++i) {
      auto& s = segs[i];
      if (s.next_offset <= r.first_dirty)
        continue;
      if (s.max_timestamp >= 0 && s.max_timestamp > now_ms - min_lag_ms) {
        r.first_uncleanable = std::max(s.base_offset, r.first_dirty);
        break;
      }
    }
  }
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    auto& s = segs[i];
    if (s.base_offset < r.first_dirty)
      r.clean_bytes += s.size;
    if (s.next_offset > r.first_dirty && s.base_offset < r.first_uncleanable)
      r.dirty_bytes += s.size;
  }
  return r;
}

bool due_for_cleaning(const cleanable_range& r, double min_cleanable_ratio) noexcept {
  return r.first_dirty < r.first_uncleanable && r.dirty_bytes > 0
         && r.dirty_ratio() >= min_cleanable_ratio;
}

std::vector<std::pair<size_t, size_t>> group_by_size(const std::vector<cleaner_segment>& segs,
                                                     uint64_t max_bytes,
                                                     uint64_t max_index_bytes) {
  std::vector<std::pair<size_t, size_t>> groups;
  constexpr int64_t max_relative = std::numeric_limits<int32_t>::max();
  size_t i = 0;
  while (i < segs.size()) {
    size_t last = i;
    uint64_t bytes = segs[i].size;
    uint64_t index_bytes = segs[i].index_bytes;
    while (last + 1 < segs.size()) {
      auto& next = segs[last + 1];
      bool fits = bytes + next.size <= max_bytes && index_bytes + next.index_bytes <= max_index_bytes
                  && (next.size == 0 || next.next_offset - 1 - segs[i].base_offset <= max_relative);
      if (!fits)
        break;
      bytes += next.size;
      index_bytes += next.index_bytes;
      ++last;
    }
    groups.emplace_back(i, last);
    i = last + 1;
  }
  return groups;
}

std::string format_bytes(uint64_t n) {
  char buf[32];
  if (n < 1000)
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(n));
  else if (n < 1000 * 1000)
    std::snprintf(buf, sizeof(buf), "%.1f kB", static_cast<double>(n) / 1e3);
  else if (n < uint64_t{1000} * 1000 * 1000)
    std::snprintf(buf, sizeof(buf), "%.1f MB", static_cast<double>(n) / 1e6);
  else
    std::snprintf(buf, sizeof(buf), "%.2f GB", static_cast<double>(n) / 1e9);
  return buf;
}

} // namespace cafka::storage
