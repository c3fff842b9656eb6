#pragma once
// Record bytes as they travel from a segment to the socket: either owned bytes (decoded from a
// request, built by a test) or a chain of slices of memory someone else keeps alive (a
// segment's read-only mapping, see mapped_file.hpp). A fetch serves slices, so the bytes of a
// read are never copied between the page cache and the socket's writev.
// Slices are immutable views; copying a record_bytes copies the views, not the bytes.
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace cafka::storage {

// `size` bytes at `data`, valid while `owner` lives.
struct byte_slice {
  std::shared_ptr<const void> owner;
  const char* data = nullptr;
  size_t size = 0;
};

class record_bytes {
public:
  record_bytes() = default;
  // Owned bytes (implicit: decoded fields and tests assign vectors).
  record_bytes(std::vector<char> owned) noexcept : owned_(std::move(owned)) {}

  size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  bool has_slices() const noexcept { return !slices_.empty(); }

  // The bytes as one owned vector; slices are first copied into it (once). Readers that need
  // contiguous bytes (replay of __consumer_offsets, Produce) use this.
  std::vector<char>& owned();
  // The bytes as one piece: owned bytes or a single slice as they are (no copy); a chain of
  // slices is first copied into owned bytes. Produce batches arrive as one slice of their
  // request frame, so validating and appending them reads the frame directly.
  std::string_view contiguous();
  // A contiguous copy, for const readers.
  std::vector<char> flatten() const;
  // The slices (empty for owned bytes).
  const std::vector<byte_slice>& slices() const noexcept { return slices_; }

  // Appends a view without copying; owned bytes already present become a slice of their own.
  void append(byte_slice s);
  // Appends a copy of n bytes.
  void append(const char* data, size_t n);

  // Calls f(const char* data, size_t n) for each contiguous piece, in order.
  template <class F>
  void for_each_piece(F&& f) const {
    if (slices_.empty()) {
      if (!owned_.empty())
        f(owned_.data(), owned_.size());
      return;
    }
    for (const auto& s : slices_)
      f(s.data, s.size);
  }

  // Copies bytes [pos, pos + n) to out; false (nothing copied) when they are not all there.
  bool copy_out(size_t pos, size_t n, char* out) const noexcept;

  // Keeps the first n bytes (no-op when n >= size()).
  void truncate(size_t n);

  friend bool operator==(const record_bytes& a, const record_bytes& b);
  friend bool operator!=(const record_bytes& a, const record_bytes& b) { return !(a == b); }

private:
  std::vector<char> owned_;        // used while slices_ is empty
  std::vector<byte_slice> slices_;
};

} // namespace cafka::storage
