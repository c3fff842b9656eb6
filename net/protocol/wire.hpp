// Kafka wire primitives: a bounds-checked big-endian reader and an appending writer.
//
// Encodings (all integers big-endian):
//   string          int16 length, bytes            (nullable: length -1 = null)
//   compact string  unsigned varint length+1, bytes (0 = null)
//   bytes           int32 length, bytes            (nullable: length -1 = null)
//   compact bytes   unsigned varint length+1, bytes (0 = null)
//   array           int32 count (-1 = null); compact array: unsigned varint count+1 (0 = null)
//   varint/varlong  zigzag-encoded, 7 bits per byte, little-endian groups
//   tagged fields   unsigned varint count, then per field: varint tag, varint size, data
//   records         as bytes; on the write side slices of a record_bytes may be left out of
//                   the buffer and spliced in by the socket's gather write (zero-copy Fetch)
#pragma once

#include "storage/record_bytes.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cafka::protocol {

/// Thrown by `reader` on truncated or malformed input.
struct decode_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Thrown by generated `encode` when a message cannot be represented in the requested version
/// (a non-ignorable field holds a non-default value the version cannot carry).
struct encode_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using uuid = std::array<uint8_t, 16>;
using storage::byte_slice;
using storage::record_bytes;

/// A slice the writer kept out of its buffer: on the wire it goes right before buffer[at].
struct spliced_slice {
  size_t at = 0;
  byte_slice slice;
};

class reader {
public:
  reader(const char* data, size_t size) : data_(data), size_(size) {}
  /// A reader over bytes that `owner` keeps alive (a request frame): records fields are then
  /// read as slices of them instead of copies.
  reader(const char* data, size_t size, std::shared_ptr<const void> owner)
    : data_(data), size_(size), owner_(std::move(owner)) {}

  size_t remaining() const { return size_ - pos_; }
  size_t position() const { return pos_; }
  const char* current() const { return data_ + pos_; }
  void skip(size_t n);
  /// A reader over the next `n` bytes; this reader moves past them.
  reader sub(size_t n);

  int8_t read_int8();
  int16_t read_int16();
  int32_t read_int32();
  int64_t read_int64();
  uint16_t read_uint16();
  uint32_t read_uint32();
  double read_float64();
  bool read_bool();
  uuid read_uuid();

  int32_t read_varint();           // zigzag int32
  int64_t read_varlong();          // zigzag int64
  uint32_t read_unsigned_varint(); // at most 5 bytes

  std::string read_string();
  std::string read_compact_string();
  std::optional<std::string> read_nullable_string();
  std::optional<std::string> read_compact_nullable_string();

  std::vector<char> read_bytes();
  std::vector<char> read_compact_bytes();
  std::optional<std::vector<char>> read_nullable_bytes();
  std::optional<std::vector<char>> read_compact_nullable_bytes();

  /// Records fields: a slice of the input when the reader has an owner, else owned bytes.
  record_bytes read_records();
  record_bytes read_compact_records();
  std::optional<record_bytes> read_nullable_records();
  std::optional<record_bytes> read_compact_nullable_records();

  /// Array element counts; -1 means null. A count larger than the remaining bytes throws.
  int32_t read_array_length();
  int32_t read_compact_array_length();

  /// Skips a whole tagged-field section.
  void skip_tagged_fields();

private:
  const char* take(size_t n);
  size_t checked_length(int64_t n);

  // The bytes of a (compact) nullable bytes field, in place; nullopt for null.
  std::optional<std::string_view> nullable_span();
  std::optional<std::string_view> compact_nullable_span();
  std::optional<record_bytes> records_of(std::optional<std::string_view> span) const;

  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  std::shared_ptr<const void> owner_;
};

class writer {
public:
  /// With `splices`, the slices of record_bytes are recorded there instead of copied into
  /// `out`; without, every byte is copied (same wire bytes either way).
  explicit writer(std::vector<char>& out, std::vector<spliced_slice>* splices = nullptr)
    : out_(out), splices_(splices) {}

  /// Bytes written so far, spliced slices included.
  size_t size() const { return out_.size() + spliced_bytes_; }

  void write_raw(const char* data, size_t size);
  void write_int8(int8_t x);
  void write_int16(int16_t x);
  void write_int32(int32_t x);
  void write_int64(int64_t x);
  void write_uint16(uint16_t x);
  void write_uint32(uint32_t x);
  void write_float64(double x);
  void write_bool(bool x);
  void write_uuid(const uuid& x);

  void write_varint(int32_t x);
  void write_varlong(int64_t x);
  void write_unsigned_varint(uint32_t x);

  void write_string(const std::string& s);
  void write_compact_string(const std::string& s);
  void write_nullable_string(const std::optional<std::string>& s);
  void write_compact_nullable_string(const std::optional<std::string>& s);

  void write_bytes(const std::vector<char>& b);
  void write_compact_bytes(const std::vector<char>& b);
  void write_nullable_bytes(const std::optional<std::vector<char>>& b);
  void write_compact_nullable_bytes(const std::optional<std::vector<char>>& b);

  void write_records(const record_bytes& b);          // as bytes
  void write_compact_records(const record_bytes& b);  // as compact bytes
  void write_nullable_records(const std::optional<record_bytes>& b);
  void write_compact_nullable_records(const std::optional<record_bytes>& b);

  void write_array_length(size_t n);         // int32 count
  void write_compact_array_length(size_t n); // unsigned varint count+1
  void write_null_array();
  void write_compact_null_array();

  /// An empty tagged-field section (a single 0 byte).
  void write_empty_tagged_fields() { write_unsigned_varint(0); }

private:
  template <class T>
  void write_big_endian(T x);
  void put_records(const record_bytes& b);

  std::vector<char>& out_;
  std::vector<spliced_slice>* splices_;
  size_t spliced_bytes_ = 0;
};

} // namespace cafka::protocol
