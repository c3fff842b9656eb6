#pragma once
// Cuts a run of record batches (as read from a segment) before the first batch that starts at or
// beyond `limit`, so a fetch never serves records at or past the high watermark.
#include <cstdint>
#include <vector>

namespace cafka {

// Keeps whole batches whose baseOffset < limit; drops the rest and any torn tail.
void trim_batches_below(std::vector<char>& records, int64_t limit);

} // namespace cafka
