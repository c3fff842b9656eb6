#pragma once
// Cuts a run of record batches (as read from a segment) before the first batch that starts at or
// beyond `limit`, so a fetch never serves records at or past the high watermark.
#include "storage/record_bytes.hpp"

#include <cstdint>

namespace cafka {

// Keeps whole batches whose baseOffset < limit; drops the rest and any torn tail.
// Reads only the framing bytes, so slices of a segment mapping stay slices (no copy).
void trim_batches_below(storage::record_bytes& records, int64_t limit);

} // namespace cafka
