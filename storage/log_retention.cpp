// Retention and DeleteRecords of storage::log (rules in retention.hpp).
#include "storage/log_impl.hpp"

#include "storage/start_offset_checkpoint.hpp"

#include <algorithm>

namespace cafka::storage {

namespace fs = std::filesystem;

std::error_code log::advance_start_offset(int64_t offset, int64_t now_ms,
                                          int64_t delete_delay_ms) {
  auto& st = *impl_;
  if (st.closed)
    return errc::storage_error;
  if (offset < 0 || offset > log_end_offset())
    return errc::offset_out_of_range;
  if (offset <= log_start_offset())
    return {}; // never moves back
  // Persist first: once the checkpoint is durable, the records below are gone for readers.
  if (auto ec = write_start_offset(st.cfg.dir, offset))
    return ec;
  st.start_offset = offset;
  if (st.epochs.truncate_from_start(offset))
    st.save_epochs();
  retention_policy none;
  none.delete_delay_ms = delete_delay_ms;
  std::error_code ec;
  apply_retention(none, now_ms, ec);
  return ec;
}

size_t log::apply_retention(const retention_policy& p, int64_t now_ms, std::error_code& ec) {
  ec.clear();
  auto& st = *impl_;
  if (st.closed)
    return 0;
  std::vector<segment_summary> sums;
  for (auto& s : st.segments)
    sums.push_back({s->base_offset(), s->next_offset(), s->size(), s->max_timestamp()});
  auto n = segments_to_delete(sums, p, now_ms, log_start_offset());
  if (n == 0)
    return 0;
  ec = st.delete_front(n, now_ms, p.delete_delay_ms);
  if (st.epochs.truncate_from_start(log_start_offset()))
    st.save_epochs();
  if (ec)
    return n;
  purge_deleted(now_ms, ec);
  return n;
}

size_t log::purge_deleted(int64_t now_ms, std::error_code& ec) {
  ec.clear();
  auto& pending = impl_->pending;
  size_t n = 0;
  while (n < pending.size() && pending[n].due_ms <= now_ms) {
    for (auto& f : pending[n].files)
      if ((ec = remove_file(f)))
        break;
    if (ec)
      break;
    ++n;
  }
  pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(n));
  return n;
}

int64_t log::next_purge_due() const noexcept {
  return impl_->pending.empty() ? -1 : impl_->pending.front().due_ms;
}

} // namespace cafka::storage
