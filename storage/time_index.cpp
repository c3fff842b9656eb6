#include "storage/time_index.hpp"

#include "storage/bytes.hpp"

namespace cafka::storage {

time_index::entry time_index::at(size_t i) const noexcept {
  auto p = file_.entry(i);
  return {load_be<int64_t>(p), base_ + load_be<uint32_t>(p + 8)};
}

time_index::entry time_index::last() const noexcept {
  return file_.entries() == 0 ? entry{-1, base_} : at(file_.entries() - 1);
}

void time_index::maybe_append(int64_t timestamp, int64_t offset) noexcept {
  if (timestamp <= last().timestamp || file_.full() || !file_.writable())
    return;
  auto p = file_.entry(file_.entries());
  store_be(p, timestamp);
  store_be(p + 8, static_cast<uint32_t>(offset - base_));
  file_.set_entries(file_.entries() + 1);
}

int64_t time_index::lookup(int64_t target) const noexcept {
  size_t lo = 0, hi = file_.entries(); // first entry with timestamp >= target
  while (lo < hi) {
    auto mid = lo + (hi - lo) / 2;
    if (at(mid).timestamp < target)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo == 0 ? base_ : at(lo - 1).offset;
}

bool time_index::well_formed(int64_t end_offset) const noexcept {
  entry prev{-1, base_};
  for (size_t i = 0; i < file_.entries(); ++i) {
    auto e = at(i);
    if (e.timestamp <= prev.timestamp || e.offset < prev.offset || e.offset >= end_offset)
      return false;
    prev = e;
  }
  return true;
}

} // namespace cafka::storage
