#include "storage/offset_index.hpp"

#include "storage/bytes.hpp"

namespace cafka::storage {

offset_index::entry offset_index::at(size_t i) const noexcept {
  auto p = file_.entry(i);
  return {base_ + load_be<uint32_t>(p), load_be<uint32_t>(p + 4)};
}

void offset_index::append(int64_t offset, uint64_t position) noexcept {
  if (file_.full() || !file_.writable())
    return;
  auto p = file_.entry(file_.entries());
  store_be(p, static_cast<uint32_t>(offset - base_));
  store_be(p + 4, static_cast<uint32_t>(position));
  file_.set_entries(file_.entries() + 1);
}

offset_index::entry offset_index::lookup(int64_t target) const noexcept {
  size_t lo = 0, hi = file_.entries(); // first entry with offset > target
  while (lo < hi) {
    auto mid = lo + (hi - lo) / 2;
    if (at(mid).offset <= target)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo == 0 ? entry{base_, 0} : at(lo - 1);
}

bool offset_index::well_formed(uint64_t log_size) const noexcept {
  entry prev{base_ - 1, 0};
  for (size_t i = 0; i < file_.entries(); ++i) {
    auto e = at(i);
    if (e.offset <= prev.offset || (i > 0 && e.position <= prev.position)
        || e.position >= log_size)
      return false;
    prev = e;
  }
  return true;
}

} // namespace cafka::storage
