#pragma once
// Checking and repairing one segment when a log opens.
//
// Rules:
// - Sealed segments (all but the last) were fsync'd when rolled, so only their indexes are
//   checked (cheaply: sizes, ordering, last offset entry against the log). A bad or missing
//   index is rebuilt by walking the batch headers. Sealed .log files are never truncated;
//   bytes after an unreadable header are left alone but become unreachable (with a notice).
// - The active segment after a clean shutdown: indexes are checked the same way, then the
//   batches after the last offset-index entry are walked to find the log end.
// - The active segment after an unclean shutdown: both indexes are rebuilt by walking every
//   batch, CRC-checking each (Kafka's LogSegment.recover). The first torn or invalid batch is
//   the truncation point; everything before it stays, everything from it on is cut (valid
//   batches after a corrupt one included: their offsets could not be trusted to follow). The
//   notice says where: "corrupt batch at offset 1234 (position 56789) in
//   00000000000000001200.log: CRC mismatch; truncated 4096 bytes", "corrupt batch at position
//   P (after offset X) in F: corrupt batch header; truncated N bytes", or, for a torn tail,
//   "truncated 123 bytes after offset 41 in F (torn batch)". Opening never fails because of
//   the contents of a segment, so a damaged log cannot crash-loop the broker. A notice is also
//   added when an index on disk disagreed with the rebuilt one.
#include "storage/segment.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cafka::storage {

enum class segment_role { sealed, active_clean, active_unclean };

// end_bound: the next segment's base offset (sealed), ignored for the active segment.
std::error_code recover_segment(segment& s, segment_role role, int64_t end_bound,
                                std::vector<std::string>& notices);

struct scan_outcome {
  uint64_t end;                  // position after the last good batch
  int64_t last_offset;           // last offset of the last good batch, or min_offset - 1
  const char* problem = nullptr; // why the walk stopped before file_end
  bool torn = false;             // the last batch is incomplete (what a crash leaves)
  int64_t bad_offset = -1;       // base offset of a whole batch that failed its CRC check
};

// Walks the batches of a .log in [from, file_end): headers must be sane (magic 2, plausible
// counts, offsets increasing from min_offset), CRCs are checked for batches at or after
// crc_from. visit(header, position) is called for each good batch. Never throws on garbage.
scan_outcome scan_log(const file& f, uint64_t from, uint64_t file_end, int64_t min_offset,
                      uint64_t crc_from,
                      const std::function<void(const batch_header&, uint64_t)>& visit);

} // namespace cafka::storage
