#pragma once
// The inside of storage::log, shared by the files that implement it (log.cpp: open, append,
// roll, flush, close; log_read.cpp: reads and timestamp lookups; log_retention.cpp: retention
// and DeleteRecords). Nothing outside storage/ includes this.
#include "storage/log.hpp"
#include "storage/retention.hpp"
#include "storage/segment.hpp"

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

} // namespace cafka::storage
