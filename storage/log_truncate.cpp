// Suffix truncation of storage::log (truncate_to, reset_to): what a Raft follower does with
// entries that conflict with its leader's, and what a partition follower will do on a leader
// change (Kafka's UnifiedLog.truncateTo / truncateFullyAndStartAt).
//
// The segment holding the cut is never shrunk in place: read slices of its mapping may still be
// alive (segment.hpp, "Mapping invariant"), and a mapped page past the end of a file is SIGBUS.
// Instead its prefix is copied to a new file that is renamed over the .log; the old inode lives
// on in the mappings that use it. That costs a copy of at most one segment, which is fine for a
// rare operation (a divergent follower), and makes the cut itself one atomic rename.
//
// Crash order: (1) the segments after the cut are renamed `.deleted` from the last one back and
// the directory is fsync'd (a crash leaves a prefix of the segments: a valid log); (2) the
// prefix copy `<base>.log.truncating.deleted` is written and fdatasync'd (open() removes any
// `*.deleted` file, so a crash here leaves the old segment whole); (3) it is renamed over the
// .log and the directory fsync'd. From (1) on the cut segment is the last one, and the open log
// has no clean-shutdown marker, so a crash after (3) makes open() rebuild its indexes from the
// new .log: records after the cut are never visible, and never with a stale index.
#include "storage/log_impl.hpp"

#include "storage/cleaner_checkpoint.hpp"
#include "storage/recovery.hpp"
#include "storage/start_offset_checkpoint.hpp"

#include <limits>

namespace cafka::storage {

namespace {

constexpr size_t copy_chunk = 1 << 20;

// Writes bytes [0, n) of `from` to a new file `to` and makes them durable.
std::error_code copy_prefix(const file& from, uint64_t n, const std::filesystem::path& to) {
  if (auto ec = remove_file(to))
    return ec;
  std::error_code ec;
  auto out = file::open(to, true, ec);
  if (ec)
    return ec;
  std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(n, copy_chunk)));
  for (uint64_t pos = 0; pos < n;) {
    auto len = static_cast<size_t>(std::min<uint64_t>(n - pos, copy_chunk));
    if ((ec = from.read_at(buf.data(), len, pos)) || (ec = out.write_at(buf.data(), len, pos)))
      return ec;
    pos += len;
  }
  return out.datasync();
}

// Takes segment i out of the log and removes its files (.log renamed first, see retention.hpp;
// unlinking leaves the mappings of live read slices intact).
// (A template: log::impl is private to log, so only its members can name it.)
template <class LogImpl>
std::error_code drop_segment(LogImpl& st, size_t i) {
  auto name = st.segments[i]->name();
  st.segments[i]->close();
  st.segments.erase(st.segments.begin() + static_cast<ptrdiff_t>(i));
  std::error_code ec;
  auto files = mark_segment_deleted(st.cfg.dir, name, ec); // renames, then fsyncs the dir
  for (auto& f : files)
    if (!ec)
      ec = remove_file(f);
  return ec;
}

} // namespace

std::error_code log::truncate_to(int64_t offset) {
  auto& st = *impl_;
  if (st.closed)
    return errc::storage_error;
  auto end = log_end_offset();
  if (offset == end)
    return {};
  if (offset < log_start_offset() || offset > end)
    return errc::offset_out_of_range;
  size_t k = st.segments.size() - 1; // the segment holding offset
  while (k > 0 && st.segments[k]->base_offset() > offset)
    --k;
  uint64_t pos = 0;
  batch_header h{};
  if (auto ec = st.segments[k]->locate(offset, pos, h))
    return ec;
  if (pos >= st.segments[k]->size() || h.base_offset != offset)
    return errc::invalid_request; // not a batch boundary
  // A cleaning pass may hold segments past the cut; it starts over later. The range from the
  // cut on is no longer clean.
  st.cleaning.reset();
  if (st.cleaner_checkpoint > offset) {
    if (auto ec = write_cleaner_checkpoint(st.cfg.dir, offset))
      return ec;
    st.cleaner_checkpoint = offset;
  }
  while (st.segments.size() > k + 1) // the last first: a crash leaves a prefix of the log
    if (auto ec = drop_segment(st, st.segments.size() - 1))
      return ec;

  auto& cut = *st.segments[k];
  auto base = cut.base_offset();
  auto log_path = st.cfg.dir / segment::file_name(base, ".log");
  auto temp = st.cfg.dir / (segment::file_name(base, ".log") + ".truncating" + deleted_suffix);
  if (auto ec = copy_prefix(cut.log_file(), pos, temp))
    return ec;
  cut.close(); // earlier read slices keep the old mapping (and inode) alive
  std::error_code ec;
  if ((ec = rename_file(temp, log_path)) || (ec = sync_dir(st.cfg.dir))) {
    st.closed = true; // the segment object is gone: reopen to continue
    return ec;
  }
  auto fresh = segment::open(st.cfg.dir, base, st.cfg, ec);
  std::vector<std::string> ignored; // the rebuilt indexes differ from the old ones by design
  if (!ec)
    ec = recover_segment(*fresh, segment_role::active_unclean,
                         std::numeric_limits<int64_t>::max(), ignored);
  if (ec) {
    st.closed = true;
    return ec;
  }
  st.segments[k] = std::move(fresh);
  if (st.epochs.truncate_from_end(offset))
    st.save_epochs();
  return {};
}

std::error_code log::reset_to(int64_t offset) {
  auto& st = *impl_;
  if (st.closed)
    return errc::storage_error;
  if (offset < log_end_offset())
    return errc::offset_out_of_range;
  if (offset == log_end_offset()) {
    st.epochs.clear(); // Kafka's truncateFullyAndStartAt clears the cache
    st.save_epochs();
    return advance_start_offset(offset, 0, 0);
  }
  // The new empty segment first: a crash before the old ones go leaves them followed by an
  // empty segment at `offset` (a gap nobody reads: the start is moved past it next).
  std::error_code ec;
  auto s = new_segment(st.cfg, offset, ec);
  if (ec || (ec = sync_dir(st.cfg.dir)))
    return ec;
  st.cleaning.reset();
  st.segments.push_back(std::move(s));
  if ((ec = write_start_offset(st.cfg.dir, offset)))
    return ec;
  st.start_offset = offset;
  st.epochs.clear(); // Kafka's truncateFullyAndStartAt clears the cache
  st.save_epochs();
  while (st.segments.size() > 1)
    if ((ec = drop_segment(st, 0)))
      return ec;
  return {};
}

} // namespace cafka::storage
