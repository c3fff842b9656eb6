// Follower appends of storage::log (Kafka's appendAsFollower): batches copied from the leader
// keep their base offsets, leader epochs and timestamps; only the checks differ from append.
#include "storage/log_impl.hpp"

#include "storage/record_batch.hpp"

#include <limits>
#include <vector>

namespace cafka::storage {

namespace {

struct located_batch {
  const char* data;
  batch_header h;
};

// Splits data into whole, valid batches with strictly increasing offsets from `expected` on.
// A batch may start past the expected offset: a compacted leader's log has gaps, and its read
// from the follower's log end then starts at the next surviving batch (Kafka's follower append
// accepts that too; only an overlap is UnexpectedAppendOffset).
std::error_code split_batches(const char* data, size_t size, int64_t expected,
                              std::vector<located_batch>& out) {
  size_t pos = 0;
  while (pos < size) {
    batch_header h;
    if (auto ec = parse_batch_header(data + pos, size - pos, h))
      return ec;
    if (h.total_size() > size - pos)
      return errc::corrupt_message; // a partial batch: the leader sends whole ones
    if (auto ec = validate_replicated_batch(data + pos, h.total_size(), h))
      return ec;
    if (h.base_offset < expected)
      return errc::offset_out_of_range;
    out.push_back({data + pos, h});
    expected = h.last_offset() + 1;
    pos += h.total_size();
  }
  return {};
}

} // namespace

append_result log::append_replicated(const char* data, size_t size, int64_t now_ms) {
  append_result res;
  auto& st = *impl_;
  if (st.closed) {
    res.ec = errc::storage_error;
    return res;
  }
  std::vector<located_batch> batches;
  if ((res.ec = split_batches(data, size, log_end_offset(), batches)))
    return res;
  if (batches.empty()) {
    res.ec = errc::invalid_record;
    return res;
  }
  for (auto& b : batches) {
    auto n = b.h.total_size();
    auto& active = *st.segments.back();
    if (!active.fits(n, b.h.last_offset(), st.cfg.segment_bytes)
        || b.h.base_offset - active.base_offset() > std::numeric_limits<int32_t>::max()
        || active.due_for_time_roll(b.h.max_timestamp, now_ms, st.cfg.segment_ms)) {
      if ((res.ec = st.roll(b.h.base_offset)))
        return res;
      st.segments.back()->set_created_ms(now_ms);
    }
    if ((res.ec = st.segments.back()->append(b.data, n, b.h)))
      return res;
    st.note_epoch(b.h.partition_leader_epoch, b.h.base_offset);
    if (res.base_offset < 0)
      res.base_offset = b.h.base_offset;
    res.last_offset = b.h.last_offset();
    res.max_timestamp = std::max(res.max_timestamp, b.h.max_timestamp);
  }
  return res;
}

} // namespace cafka::storage
