#include "net/protocol/wire.hpp"

#include <cstring>
#include <limits>
#include <type_traits>

namespace cafka::protocol {

// -- reader -------------------------------------------------------------------------------------

const char* reader::take(size_t n) {
  if (n > remaining())
    throw decode_error("truncated input: need " + std::to_string(n) + " bytes at offset "
                       + std::to_string(pos_) + ", have " + std::to_string(remaining()));
  const char* p = data_ + pos_;
  pos_ += n;
  return p;
}

size_t reader::checked_length(int64_t n) {
  if (n < 0)
    throw decode_error("negative length " + std::to_string(n) + " at offset "
                       + std::to_string(pos_));
  if (static_cast<uint64_t>(n) > remaining())
    throw decode_error("length " + std::to_string(n) + " exceeds the " + std::to_string(remaining())
                       + " remaining bytes at offset " + std::to_string(pos_));
  return static_cast<size_t>(n);
}

void reader::skip(size_t n) {
  take(n);
}

reader reader::sub(size_t n) {
  const char* p = take(n);
  return reader(p, n, owner_);
}

namespace {

template <class T>
T load_big_endian(const char* p) {
  using U = std::make_unsigned_t<T>;
  U x = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    x = static_cast<U>((x << 8) | static_cast<uint8_t>(p[i]));
  return static_cast<T>(x);
}

} // namespace

int8_t reader::read_int8() {
  return static_cast<int8_t>(*take(1));
}
int16_t reader::read_int16() {
  return load_big_endian<int16_t>(take(2));
}
int32_t reader::read_int32() {
  return load_big_endian<int32_t>(take(4));
}
int64_t reader::read_int64() {
  return load_big_endian<int64_t>(take(8));
}
uint16_t reader::read_uint16() {
  return load_big_endian<uint16_t>(take(2));
}
uint32_t reader::read_uint32() {
  return load_big_endian<uint32_t>(take(4));
}

double reader::read_float64() {
  uint64_t bits = load_big_endian<uint64_t>(take(8));
  double x;
  std::memcpy(&x, &bits, sizeof(x));
  return x;
}

bool reader::read_bool() {
  return read_int8() != 0;
}

uuid reader::read_uuid() {
  uuid x;
  std::memcpy(x.data(), take(x.size()), x.size());
  return x;
}

uint32_t reader::read_unsigned_varint() {
  uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    auto b = static_cast<uint8_t>(*take(1));
    if (shift == 28 && (b & 0xf0) != 0)
      throw decode_error("unsigned varint does not fit 32 bits");
    value |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0)
      return value;
  }
  throw decode_error("unsigned varint does not fit 32 bits"); // unreachable
}

int32_t reader::read_varint() {
  uint32_t v = read_unsigned_varint();
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

int64_t reader::read_varlong() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    auto b = static_cast<uint8_t>(*take(1));
    if (shift == 63 && (b & 0xfe) != 0)
      throw decode_error("varlong does not fit 64 bits");
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0)
      return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  throw decode_error("varlong does not fit 64 bits"); // unreachable
}

std::string reader::read_string() {
  auto s = read_nullable_string();
  if (!s)
    throw decode_error("null value for a non-nullable string");
  return std::move(*s);
}

std::string reader::read_compact_string() {
  auto s = read_compact_nullable_string();
  if (!s)
    throw decode_error("null value for a non-nullable compact string");
  return std::move(*s);
}

std::optional<std::string> reader::read_nullable_string() {
  int16_t n = read_int16();
  if (n == -1)
    return std::nullopt;
  size_t len = checked_length(n);
  const char* p = take(len);
  return std::string(p, len);
}

std::optional<std::string> reader::read_compact_nullable_string() {
  uint32_t n = read_unsigned_varint();
  if (n == 0)
    return std::nullopt;
  size_t len = checked_length(int64_t{n} - 1);
  const char* p = take(len);
  return std::string(p, len);
}

std::vector<char> reader::read_bytes() {
  auto b = read_nullable_bytes();
  if (!b)
    throw decode_error("null value for non-nullable bytes");
  return std::move(*b);
}

std::vector<char> reader::read_compact_bytes() {
  auto b = read_compact_nullable_bytes();
  if (!b)
    throw decode_error("null value for non-nullable compact bytes");
  return std::move(*b);
}

std::optional<std::string_view> reader::nullable_span() {
  int32_t n = read_int32();
  if (n == -1)
    return std::nullopt;
  size_t len = checked_length(n);
  return std::string_view{take(len), len};
}

std::optional<std::string_view> reader::compact_nullable_span() {
  uint32_t n = read_unsigned_varint();
  if (n == 0)
    return std::nullopt;
  size_t len = checked_length(int64_t{n} - 1);
  return std::string_view{take(len), len};
}

namespace {

std::optional<std::vector<char>> copy_of(std::optional<std::string_view> span) {
  if (!span)
    return std::nullopt;
  return std::vector<char>(span->begin(), span->end());
}

} // namespace

std::optional<std::vector<char>> reader::read_nullable_bytes() {
  return copy_of(nullable_span());
}

std::optional<std::vector<char>> reader::read_compact_nullable_bytes() {
  return copy_of(compact_nullable_span());
}

std::optional<record_bytes> reader::records_of(std::optional<std::string_view> span) const {
  if (!span)
    return std::nullopt;
  if (!owner_)
    return record_bytes(std::vector<char>(span->begin(), span->end()));
  record_bytes out;
  out.append(byte_slice{owner_, span->data(), span->size()});
  return out;
}

record_bytes reader::read_records() {
  auto b = read_nullable_records();
  if (!b)
    throw decode_error("null value for non-nullable records");
  return std::move(*b);
}

record_bytes reader::read_compact_records() {
  auto b = read_compact_nullable_records();
  if (!b)
    throw decode_error("null value for non-nullable compact records");
  return std::move(*b);
}

std::optional<record_bytes> reader::read_nullable_records() {
  return records_of(nullable_span());
}

std::optional<record_bytes> reader::read_compact_nullable_records() {
  return records_of(compact_nullable_span());
}

int32_t reader::read_array_length() {
  int32_t n = read_int32();
  if (n == -1)
    return -1;
  return static_cast<int32_t>(checked_length(n));
}

int32_t reader::read_compact_array_length() {
  uint32_t n = read_unsigned_varint();
  if (n == 0)
    return -1;
  return static_cast<int32_t>(checked_length(int64_t{n} - 1));
}

void reader::skip_tagged_fields() {
  uint32_t count = read_unsigned_varint();
  for (uint32_t i = 0; i < count; ++i) {
    read_unsigned_varint(); // tag
    skip(checked_length(read_unsigned_varint()));
  }
}

// -- writer -------------------------------------------------------------------------------------

template <class T>
void writer::write_big_endian(T x) {
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(x);
  char buf[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i)
    buf[i] = static_cast<char>((u >> (8 * (sizeof(T) - 1 - i))) & 0xff);
  out_.insert(out_.end(), buf, buf + sizeof(T));
}

void writer::write_raw(const char* data, size_t size) {
  out_.insert(out_.end(), data, data + size);
}

void writer::write_int8(int8_t x) {
  out_.push_back(static_cast<char>(x));
}
void writer::write_int16(int16_t x) {
  write_big_endian(x);
}
void writer::write_int32(int32_t x) {
  write_big_endian(x);
}
void writer::write_int64(int64_t x) {
  write_big_endian(x);
}
void writer::write_uint16(uint16_t x) {
  write_big_endian(x);
}
void writer::write_uint32(uint32_t x) {
  write_big_endian(x);
}

void writer::write_float64(double x) {
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  write_big_endian(bits);
}

void writer::write_bool(bool x) {
  write_int8(x ? 1 : 0);
}

void writer::write_uuid(const uuid& x) {
  write_raw(reinterpret_cast<const char*>(x.data()), x.size());
}

void writer::write_unsigned_varint(uint32_t x) {
  while (x >= 0x80) {
    out_.push_back(static_cast<char>((x & 0x7f) | 0x80));
    x >>= 7;
  }
  out_.push_back(static_cast<char>(x));
}

void writer::write_varint(int32_t x) {
  auto u = static_cast<uint32_t>(x);
  write_unsigned_varint((u << 1) ^ static_cast<uint32_t>(x >> 31));
}

void writer::write_varlong(int64_t x) {
  auto u = static_cast<uint64_t>(x);
  uint64_t v = (u << 1) ^ static_cast<uint64_t>(x >> 63);
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

namespace {

uint32_t compact_length(size_t n) {
  if (n >= std::numeric_limits<uint32_t>::max())
    throw encode_error("length too large for a compact encoding");
  return static_cast<uint32_t>(n + 1);
}

int32_t int32_length(size_t n) {
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    throw encode_error("length too large for an int32 length");
  return static_cast<int32_t>(n);
}

} // namespace

void writer::write_string(const std::string& s) {
  if (s.size() > static_cast<size_t>(std::numeric_limits<int16_t>::max()))
    throw encode_error("string longer than 32767 bytes");
  write_int16(static_cast<int16_t>(s.size()));
  write_raw(s.data(), s.size());
}

void writer::write_compact_string(const std::string& s) {
  write_unsigned_varint(compact_length(s.size()));
  write_raw(s.data(), s.size());
}

void writer::write_nullable_string(const std::optional<std::string>& s) {
  if (s)
    write_string(*s);
  else
    write_int16(-1);
}

void writer::write_compact_nullable_string(const std::optional<std::string>& s) {
  if (s)
    write_compact_string(*s);
  else
    write_unsigned_varint(0);
}

void writer::write_bytes(const std::vector<char>& b) {
  write_int32(int32_length(b.size()));
  write_raw(b.data(), b.size());
}

void writer::write_compact_bytes(const std::vector<char>& b) {
  write_unsigned_varint(compact_length(b.size()));
  write_raw(b.data(), b.size());
}

void writer::write_nullable_bytes(const std::optional<std::vector<char>>& b) {
  if (b)
    write_bytes(*b);
  else
    write_int32(-1);
}

void writer::write_compact_nullable_bytes(const std::optional<std::vector<char>>& b) {
  if (b)
    write_compact_bytes(*b);
  else
    write_unsigned_varint(0);
}

void writer::put_records(const record_bytes& b) {
  if (!splices_ || !b.has_slices()) {
    b.for_each_piece([this](const char* p, size_t n) { write_raw(p, n); });
    return;
  }
  for (const auto& s : b.slices()) {
    splices_->push_back({out_.size(), s});
    spliced_bytes_ += s.size;
  }
}

void writer::write_records(const record_bytes& b) {
  write_int32(int32_length(b.size()));
  put_records(b);
}

void writer::write_compact_records(const record_bytes& b) {
  write_unsigned_varint(compact_length(b.size()));
  put_records(b);
}

void writer::write_nullable_records(const std::optional<record_bytes>& b) {
  if (b)
    write_records(*b);
  else
    write_int32(-1);
}

void writer::write_compact_nullable_records(const std::optional<record_bytes>& b) {
  if (b)
    write_compact_records(*b);
  else
    write_unsigned_varint(0);
}

void writer::write_array_length(size_t n) {
  write_int32(int32_length(n));
}

void writer::write_compact_array_length(size_t n) {
  write_unsigned_varint(compact_length(n));
}

void writer::write_null_array() {
  write_int32(-1);
}

void writer::write_compact_null_array() {
  write_unsigned_varint(0);
}

} // namespace cafka::protocol
