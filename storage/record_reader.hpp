#pragma once
// Decoding side of batch_builder: walk the batches in a buffer (a log read or fetch result),
// and the records of one batch, compressed or not. Views point into the caller's buffer, or into
// the reader's own decompressed copy for a compressed batch.
#include "storage/record.hpp"
#include "storage/record_batch.hpp"

#include <cstddef>
#include <system_error>
#include <vector>

namespace cafka::storage {

// Yields each whole batch in data. A trailing partial batch is skipped silently (Kafka fetch
// responses may end with one); an unparseable header stops the walk and sets error().
class batch_iterator {
public:
  batch_iterator(const char* data, size_t size) noexcept : p_(data), end_(data + size) {}
  bool next(batch_header& header, const char*& batch, size_t& batch_size) noexcept;
  std::error_code error() const noexcept { return ec_; }

private:
  const char* p_;
  const char* end_;
  std::error_code ec_;
};

// Decodes the records of one whole batch; a compressed one is decompressed up front (see
// compression.hpp), so record views live as long as the reader. next() returns false at the end
// or on a decoding error; error() is corrupt_message for malformed records, a record count that
// disagrees with the bytes, or a codec error (bomb cap included); invalid_record for an unknown
// codec.
class record_reader {
public:
  record_reader(const char* batch, size_t size);
  record_reader(const record_reader&) = delete; // views would point into the other's buffer
  record_reader& operator=(const record_reader&) = delete;
  record_reader(record_reader&&) noexcept = default; // a moved vector keeps its bytes in place
  record_reader& operator=(record_reader&&) noexcept = default;
  const batch_header& header() const noexcept { return header_; }
  bool next(record_view& out);
  std::error_code error() const noexcept { return ec_; }

private:
  bool fail(errc e) noexcept;

  batch_header header_{};
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  int32_t remaining_ = 0;
  std::error_code ec_;
  std::vector<char> decompressed_; // records of a compressed batch
};

} // namespace cafka::storage
