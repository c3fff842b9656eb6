#include "storage/leader_epoch_cache.hpp"

#include "storage/offset_checkpoint.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <string>

namespace cafka::storage {

namespace fs = std::filesystem;

bool leader_epoch_cache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0 || start_offset < 0)
    return false;
  if (!entries_.empty()
      && (epoch <= entries_.back().epoch || start_offset < entries_.back().start_offset))
    return false;
  // The latest epoch wrote nothing before this one started: it has no range of its own.
  if (!entries_.empty() && entries_.back().start_offset == start_offset)
    entries_.back().epoch = epoch;
  else
    entries_.push_back({epoch, start_offset});
  return true;
}

bool leader_epoch_cache::truncate_from_end(int64_t offset) {
  auto keep = std::find_if(entries_.begin(), entries_.end(),
                           [offset](auto& e) { return e.start_offset >= offset; });
  if (keep == entries_.end())
    return false;
  entries_.erase(keep, entries_.end());
  return true;
}

bool leader_epoch_cache::truncate_from_start(int64_t offset) {
  // The first entry at or past the new start; the one before it (if any) covers the start.
  auto first_kept = std::find_if(entries_.begin(), entries_.end(),
                                 [offset](auto& e) { return e.start_offset >= offset; });
  if (first_kept == entries_.begin())
    return false; // nothing below the start
  auto covering = std::prev(first_kept);
  bool changed = covering != entries_.begin() || covering->start_offset != offset;
  covering->start_offset = offset;
  entries_.erase(entries_.begin(), covering);
  // Moved to the start of the next entry: that one wins (Kafka keeps strictly increasing starts).
  if (entries_.size() > 1 && entries_[0].start_offset == entries_[1].start_offset)
    entries_.erase(entries_.begin());
  return changed;
}

epoch_end leader_epoch_cache::end_offset_for(int32_t epoch, int64_t log_end) const noexcept {
  // The first entry with a larger epoch; the one before it is the largest epoch <= asked.
  auto higher = std::upper_bound(entries_.begin(), entries_.end(), epoch,
                                 [](int32_t e, const epoch_entry& x) { return e < x.epoch; });
  if (higher == entries_.begin())
    return {}; // empty, or every epoch here is larger
  auto floor = std::prev(higher);
  return {floor->epoch, higher == entries_.end() ? log_end : higher->start_offset};
}

bool leader_epoch_cache::read(const fs::path& dir, bool& malformed) {
  malformed = false;
  std::error_code ec;
  auto path = dir / leader_epoch_file;
  if (!fs::exists(path, ec))
    return false;
  std::ifstream in(path);
  int version = -1;
  int64_t count = -1;
  if (!(in >> version >> count) || version != 0 || count < 0 || count > (1 << 24)) {
    malformed = true;
    return false;
  }
  std::vector<epoch_entry> read;
  read.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    epoch_entry e{};
    if (!(in >> e.epoch >> e.start_offset) || e.epoch < 0 || e.start_offset < 0
        || (!read.empty()
            && (e.epoch <= read.back().epoch || e.start_offset <= read.back().start_offset))) {
      malformed = true;
      return false;
    }
    read.push_back(e);
  }
  std::string rest;
  if (in >> rest) { // more entries than counted
    malformed = true;
    return false;
  }
  entries_ = std::move(read);
  return true;
}

std::error_code leader_epoch_cache::write(const fs::path& dir) const {
  std::string text = "0\n" + std::to_string(entries_.size()) + "\n";
  for (auto& e : entries_)
    text += std::to_string(e.epoch) + " " + std::to_string(e.start_offset) + "\n";
  return write_checkpoint_text(dir / leader_epoch_file, text, false);
}

} // namespace cafka::storage
