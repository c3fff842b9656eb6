// Reads and timestamp lookups of storage::log.
#include "storage/log_impl.hpp"

#include <algorithm>

namespace cafka::storage {

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

} // namespace cafka::storage
