#include "actors/batch_trim.hpp"

#include "storage/record_batch.hpp"

#include <cstring>

namespace cafka {

namespace {

// Big-endian reads of the two fields that frame a batch (baseOffset, batchLength). Parsing
// only these keeps this independent of the rest of the header's validity.
int64_t read_i64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(v);
}

int32_t read_i32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int32_t>(v);
}

} // namespace

void trim_batches_below(storage::record_bytes& records, int64_t limit) {
  const size_t size = records.size();
  size_t pos = 0;
  char p[storage::batch_log_overhead];
  while (records.copy_out(pos, sizeof(p), p)) {
    auto base_offset = read_i64(p);
    auto length = read_i32(p + 8);
    if (base_offset >= limit || length <= 0)
      break;
    auto total = storage::batch_log_overhead + static_cast<size_t>(length);
    if (pos + total > size)
      break;
    pos += total;
  }
  records.truncate(pos);
}

} // namespace cafka
