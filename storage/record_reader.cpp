#include "storage/record_reader.hpp"

#include "storage/compression.hpp"
#include "storage/varint.hpp"

namespace cafka::storage {

namespace {

// Reads a varint-length byte string; length -1 is null.
bool get_bytes(const char*& p, const char* end, std::optional<std::string_view>& out) noexcept {
  int32_t len;
  if (!get_varint(p, end, len) || len < -1 || len > end - p)
    return false;
  if (len < 0) {
    out.reset();
    return true;
  }
  out = std::string_view{p, static_cast<size_t>(len)};
  p += len;
  return true;
}

} // namespace

bool batch_iterator::next(batch_header& header, const char*& batch, size_t& batch_size) noexcept {
  if (ec_ || static_cast<size_t>(end_ - p_) < batch_header_size)
    return false;
  if (auto ec = parse_batch_header(p_, static_cast<size_t>(end_ - p_), header)) {
    ec_ = ec;
    return false;
  }
  if (header.total_size() > static_cast<size_t>(end_ - p_))
    return false; // partial trailing batch
  batch = p_;
  batch_size = header.total_size();
  p_ += batch_size;
  return true;
}

record_reader::record_reader(const char* batch, size_t size) {
  if (auto ec = parse_batch_header(batch, size, header_)) {
    ec_ = ec;
    return;
  }
  if (header_.magic != 2 || header_.total_size() > size) {
    ec_ = errc::corrupt_message;
    return;
  }
  p_ = batch + batch_header_size;
  end_ = batch + header_.total_size();
  if (header_.compression() != 0) {
    if ((ec_ = decompress(header_.compression(), p_, static_cast<size_t>(end_ - p_), decompressed_)))
      return;
    p_ = decompressed_.data();
    end_ = p_ + decompressed_.size();
  }
  remaining_ = header_.record_count;
}

bool record_reader::fail(errc e) noexcept {
  ec_ = e;
  return false;
}

bool record_reader::next(record_view& out) {
  if (ec_)
    return false;
  if (remaining_ <= 0)
    return p_ == end_ ? false : fail(errc::corrupt_message);
  int32_t len;
  if (!get_varint(p_, end_, len) || len < 1 || len > end_ - p_)
    return fail(errc::corrupt_message);
  const char* p = p_;
  const char* end = p_ + len;
  out.attributes = static_cast<int8_t>(*p++);
  int32_t header_count;
  if (!get_varlong(p, end, out.timestamp_delta) || !get_varint(p, end, out.offset_delta)
      || !get_bytes(p, end, out.key) || !get_bytes(p, end, out.value)
      || !get_varint(p, end, header_count) || header_count < 0)
    return fail(errc::corrupt_message);
  out.headers.clear();
  for (int32_t i = 0; i < header_count; ++i) {
    std::optional<std::string_view> key;
    header_view h;
    if (!get_bytes(p, end, key) || !key || !get_bytes(p, end, h.value))
      return fail(errc::corrupt_message);
    h.key = *key;
    out.headers.push_back(h);
  }
  if (p != end)
    return fail(errc::corrupt_message);
  out.offset = header_.base_offset + out.offset_delta;
  // LogAppendTime: every record carries the broker's time (Kafka's DefaultRecord.readFrom).
  out.timestamp = header_.is_log_append_time() ? header_.max_timestamp
                                               : header_.base_timestamp + out.timestamp_delta;
  p_ = end;
  --remaining_;
  return true;
}

} // namespace cafka::storage
