#include "storage/recovery.hpp"

#include "storage/crc32c.hpp"

#include <cstring>
#include <limits>

namespace cafka::storage {

namespace {

constexpr uint64_t no_crc = std::numeric_limits<uint64_t>::max();

bool sane(const batch_header& h, int64_t min_offset) {
  return h.magic == 2 && h.last_offset_delta >= 0 && h.record_count >= 0
         && h.record_count <= int64_t{h.last_offset_delta} + 1 && h.base_offset >= min_offset
         && h.base_offset <= std::numeric_limits<int64_t>::max() - h.last_offset_delta;
}

bool crc_ok(const file& f, uint64_t pos, const batch_header& h, std::vector<char>& buf) {
  constexpr uint64_t crc_start = 21;
  uint64_t at = pos + crc_start;
  uint64_t left = h.total_size() - crc_start;
  uint32_t crc = 0;
  buf.resize(1 << 20);
  while (left > 0) { // chunked: a garbage length must not make us allocate it
    auto n = std::min<uint64_t>(left, buf.size());
    if (f.read_at(buf.data(), n, at))
      return false;
    crc = crc32c(buf.data(), n, crc);
    at += n;
    left -= n;
  }
  return crc == h.crc;
}

// Why the segment's indexes cannot be trusted, or nullptr. Cheap: no walk over the log.
const char* index_problem(segment& s, int64_t end_bound, bool sealed) {
  auto& oi = s.oindex();
  auto& ti = s.tindex();
  if (!oi.file().existed() || !ti.file().existed())
    return "missing";
  if (oi.file().disk_size() % offset_index::entry_size != 0
      || ti.file().disk_size() % time_index::entry_size != 0)
    return "size not a multiple of the entry size";
  if (!oi.well_formed(s.size()) || !ti.well_formed(end_bound))
    return "entries out of order or out of range";
  if (oi.entries() > 0) {
    auto e = oi.at(oi.entries() - 1);
    batch_header h;
    if (s.read_header(e.position, h) || h.last_offset() != e.offset)
      return "last entry does not match the log";
  }
  batch_header first;
  if (s.size() > 0 && !s.read_header(0, first)) {
    // Append indexes the second batch whenever the first exceeds the interval.
    if (oi.entries() == 0 && oi.file().max_entries() > 0
        && first.total_size() > s.config().index_interval_bytes
        && s.size() > first.total_size())
      return "empty index for a longer log";
    // Sealing adds a final time entry whenever a batch carries a timestamp.
    if (sealed && ti.entries() == 0 && ti.file().max_entries() > 0 && first.max_timestamp >= 0)
      return "empty time index";
  }
  return nullptr;
}

std::string index_names(const segment& s) {
  auto stem = s.name().substr(0, s.name().size() - 4);
  return stem + ".index and " + stem + ".timeindex";
}

// Cuts the active segment at the end of its last good batch. A torn tail (what a crash in
// the middle of an append leaves) and a damaged batch (a bad CRC or header: the disk, or a
// foreign write) are reported differently; both name where the cut is.
std::error_code truncate_tail(segment& s, const scan_outcome& r, uint64_t file_size,
                              std::vector<std::string>& notices) {
  auto cut = std::to_string(file_size - r.end);
  auto pos = std::to_string(r.end);
  if (r.bad_offset >= 0) // the header was readable: name the batch
    notices.push_back("corrupt batch at offset " + std::to_string(r.bad_offset) + " (position "
                      + pos + ") in " + s.name() + ": " + r.problem + "; truncated " + cut
                      + " bytes");
  else if (r.torn)
    notices.push_back("truncated " + cut + " bytes "
                      + (r.last_offset >= s.base_offset()
                           ? "after offset " + std::to_string(r.last_offset) + " in "
                           : std::string{"at the start of "})
                      + s.name() + " (" + r.problem + ")");
  else // the header itself is garbage: its offset field means nothing
    notices.push_back("corrupt batch at position " + pos
                      + (r.last_offset >= s.base_offset()
                           ? " (after offset " + std::to_string(r.last_offset) + ")"
                           : std::string{})
                      + " in " + s.name() + ": " + r.problem + "; truncated " + cut + " bytes");
  return s.log_file().truncate(r.end);
}

// Rebuilds both indexes by walking the batches in [0, file_size).
std::error_code rebuild(segment& s, uint64_t file_size, uint64_t crc_from, scan_outcome& r) {
  if (auto ec = s.reset_indexes())
    return ec;
  s.reset_tracking(0, s.base_offset(), -1, s.base_offset());
  r = scan_log(s.log_file(), 0, file_size, s.base_offset(), crc_from,
               [&](const batch_header& h, uint64_t pos) { s.track(h, pos); });
  return {};
}

std::error_code recover_sealed(segment& s, int64_t end_bound, std::vector<std::string>& notices) {
  if (auto why = index_problem(s, end_bound, true); !why) {
    auto last = s.tindex().last();
    s.reset_tracking(s.size(), end_bound, last.timestamp, last.offset);
    return {};
  }
  else {
    auto file_size = s.size();
    scan_outcome r{};
    if (auto ec = rebuild(s, file_size, no_crc, r))
      return ec;
    notices.push_back("rebuilt " + index_names(s) + " (" + why + ")");
    if (r.problem)
      notices.push_back("batches after position " + std::to_string(r.end) + " of " + s.name()
                        + " are unreadable (" + r.problem + "); "
                        + std::to_string(file_size - r.end) + " bytes skipped");
  }
  return s.seal();
}

// Clean shutdown: trust the indexes when they look right, walk only past the last entry.
std::error_code recover_clean(segment& s, std::vector<std::string>& notices) {
  auto file_size = s.size();
  auto why = index_problem(s, std::numeric_limits<int64_t>::max(), false);
  scan_outcome r{};
  if (why) {
    if (auto ec = rebuild(s, file_size, no_crc, r))
      return ec;
    notices.push_back("rebuilt " + index_names(s) + " (" + why + ")");
  } else {
    for (auto* f : {&s.oindex().file(), &s.tindex().file()})
      if (auto ec = f->make_writable())
        return ec;
    auto& oi = s.oindex();
    auto from = oi.entries() > 0 ? oi.at(oi.entries() - 1).position : 0;
    auto last = s.tindex().last();
    s.reset_tracking(from, s.base_offset(), last.timestamp, last.offset);
    auto before = oi.entries();
    r = scan_log(s.log_file(), from, file_size, s.base_offset(), no_crc,
                 [&](const batch_header& h, uint64_t pos) { s.track(h, pos); });
    if (oi.entries() != before)
      notices.push_back("added " + std::to_string(oi.entries() - before) + " missing entries to "
                        + index_names(s));
    if (!s.tindex().well_formed(s.next_offset())) {
      if (auto ec = rebuild(s, file_size, no_crc, r))
        return ec;
      notices.push_back("rebuilt " + index_names(s) + " (time index past the log end)");
    }
  }
  if (r.problem)
    return truncate_tail(s, r, file_size, notices);
  return {};
}

// The entries on disk up to the first all-zero one (the preallocated rest), before a rebuild
// overwrites them. Stops early so a crash-sized 10 MiB index is not copied.
std::vector<char> index_bytes(index_file& f, size_t entry_size) {
  static const char zeros[16] = {};
  size_t n = 0;
  while (n < f.entries() && std::memcmp(f.entry(n), zeros, entry_size) != 0)
    ++n;
  return std::vector<char>(f.entry(0), f.entry(0) + n * entry_size);
}

bool disagrees(index_file& f, const std::vector<char>& old, size_t entry_size) {
  auto n = f.entries() * entry_size;
  return !f.existed() || old.size() < n || (n > 0 && std::memcmp(old.data(), f.entry(0), n) != 0);
}

std::error_code recover_unclean(segment& s, std::vector<std::string>& notices) {
  auto file_size = s.size();
  auto old_oi = index_bytes(s.oindex().file(), offset_index::entry_size);
  auto old_ti = index_bytes(s.tindex().file(), time_index::entry_size);
  // Every batch is CRC-checked, as Kafka recovers unflushed segments: after a power loss an
  // index page may have reached the disk while log pages before it did not.
  scan_outcome r{};
  if (auto ec = rebuild(s, file_size, 0, r))
    return ec;
  if (disagrees(s.oindex().file(), old_oi, offset_index::entry_size)
      || disagrees(s.tindex().file(), old_ti, time_index::entry_size))
    notices.push_back("rebuilt " + index_names(s) + " (did not match the log)");
  if (r.problem)
    return truncate_tail(s, r, file_size, notices);
  return {};
}

} // namespace

scan_outcome scan_log(const file& f, uint64_t from, uint64_t file_end, int64_t min_offset,
                      uint64_t crc_from,
                      const std::function<void(const batch_header&, uint64_t)>& visit) {
  scan_outcome r{from, min_offset - 1};
  std::vector<char> buf;
  char hdr[batch_header_size];
  uint64_t pos = from;
  while (pos < file_end) {
    batch_header h;
    if (file_end - pos < batch_header_size) {
      r.problem = "torn batch";
      r.torn = true;
      break;
    }
    if (f.read_at(hdr, sizeof(hdr), pos)) {
      r.problem = "unreadable batch";
      break;
    }
    if (parse_batch_header(hdr, sizeof(hdr), h) || !sane(h, r.last_offset + 1)) {
      r.problem = "corrupt batch header";
      break;
    }
    if (h.total_size() > file_end - pos) {
      r.problem = "torn batch";
      r.torn = true;
      break;
    }
    if (pos >= crc_from && !crc_ok(f, pos, h, buf)) {
      r.problem = "CRC mismatch";
      r.bad_offset = h.base_offset;
      break;
    }
    visit(h, pos);
    pos += h.total_size();
    r.end = pos;
    r.last_offset = h.last_offset();
  }
  return r;
}

std::error_code recover_segment(segment& s, segment_role role, int64_t end_bound,
                                std::vector<std::string>& notices) {
  switch (role) {
    case segment_role::sealed: return recover_sealed(s, end_bound, notices);
    case segment_role::active_clean: return recover_clean(s, notices);
    case segment_role::active_unclean: return recover_unclean(s, notices);
  }
  return {};
}

} // namespace cafka::storage
