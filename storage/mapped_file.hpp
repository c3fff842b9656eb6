#pragma once
// A read-only shared mapping of a file, for serving reads without copying (segment::read).
// Held through shared_ptr: every slice handed out (record_bytes) keeps its mapping alive, so a
// segment deleted by retention or replaced by compaction stays readable until the last
// response that points into it has been written. The mapping does not keep the descriptor.
//
// The mapping may be longer than the file (a segment maps its whole size limit once and grows
// under it); touching a mapped page past the end of the file raises SIGBUS, so only bytes below
// what has been appended may ever be read (see segment.hpp).
#include <cstddef>
#include <memory>
#include <system_error>

namespace cafka::storage {

class mapped_file {
public:
  // Maps `length` bytes of fd from offset 0 (PROT_READ, MAP_SHARED). length > 0.
  static std::shared_ptr<const mapped_file> map(int fd, size_t length, std::error_code& ec);

  ~mapped_file();
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;

  const char* data() const noexcept { return data_; }
  size_t length() const noexcept { return length_; }

private:
  mapped_file(const char* data, size_t length) noexcept : data_(data), length_(length) {}

  const char* data_;
  size_t length_;
};

} // namespace cafka::storage
