#include "storage/batch_filter.hpp"

#include "storage/bytes.hpp"
#include "storage/compression.hpp"
#include "storage/varint.hpp"

#include <algorithm>

namespace cafka::storage {

namespace {

// Skips a varint-length byte string; len -1 is null.
bool get_bytes(const char*& p, const char* end, std::optional<std::string_view>* out) noexcept {
  int32_t len;
  if (!get_varint(p, end, len) || len < -1 || len > end - p)
    return false;
  if (out) {
    if (len < 0)
      out->reset();
    else
      *out = std::string_view{p, static_cast<size_t>(len)};
  }
  if (len > 0)
    p += len;
  return true;
}

} // namespace

raw_record_reader::raw_record_reader(const char* batch, const batch_header& h,
                                     std::vector<char>& buffer) {
  p_ = batch + batch_header_size;
  end_ = batch + h.total_size();
  remaining_ = h.record_count;
  if (h.compression() != 0) {
    if ((ec_ = decompress(h.compression(), p_, static_cast<size_t>(end_ - p_), buffer)))
      return;
    p_ = buffer.data();
    end_ = p_ + buffer.size();
  }
}

bool raw_record_reader::next(raw_record& out) noexcept {
  if (ec_)
    return false;
  if (remaining_ <= 0) {
    if (p_ != end_)
      ec_ = errc::corrupt_message;
    return false;
  }
  const char* start = p_;
  int32_t len;
  if (!get_varint(p_, end_, len) || len < 1 || len > end_ - p_) {
    ec_ = errc::corrupt_message;
    return false;
  }
  const char* p = p_ + 1; // record attributes: unused
  const char* end = p_ + len;
  std::optional<std::string_view> value;
  if (!get_varlong(p, end, out.timestamp_delta) || !get_varint(p, end, out.offset_delta)
      || !get_bytes(p, end, &out.key) || !get_bytes(p, end, &value)) {
    ec_ = errc::corrupt_message;
    return false;
  }
  out.has_value = value.has_value();
  out.bytes = std::string_view{start, static_cast<size_t>(end - start)};
  p_ = end; // headers are carried along in `bytes`, never looked at
  --remaining_;
  return true;
}

std::error_code check_record_keys(const char* batch, const batch_header& h,
                                  std::vector<char>& buffer) {
  if (h.is_control())
    return {};
  raw_record_reader records{batch, h, buffer};
  raw_record r;
  while (records.next(r))
    if (!r.key)
      return errc::invalid_record;
  return records.error();
}

std::error_code map_batch_keys(const char* batch, const batch_header& h, offset_map& map,
                               std::vector<char>& buffer) {
  if (h.is_control())
    return {};
  raw_record_reader records{batch, h, buffer};
  raw_record r;
  while (records.next(r))
    if (r.key)
      map.put(*r.key, h.base_offset + r.offset_delta);
  return records.error();
}

filter_result filter_batch(const char* batch, const batch_header& h, const offset_map& map,
                           bool retain_deletes, std::vector<char>& out,
                           std::vector<char>& buffer) {
  filter_result res;
  res.records_in = static_cast<size_t>(std::max(h.record_count, 0));
  if (h.is_control()) { // transaction markers: kept as they are (no transactions yet)
    res.records_out = res.records_in;
    return res;
  }
  raw_record_reader records{batch, h, buffer};
  raw_record r;
  // Surviving records, re-concatenated. Records lie back to back, so until the first drop
  // the survivors are one prefix and nothing is copied (the common case: a batch kept whole).
  std::vector<char> kept;
  const char* first = nullptr;
  size_t kept_count = 0;
  bool dropped_any = false;
  int64_t max_delta = -1;
  while (records.next(r)) {
    if (!first)
      first = r.bytes.data();
    auto offset = h.base_offset + r.offset_delta;
    bool survives = r.key && (r.has_value || retain_deletes) && map.get(*r.key) <= offset;
    if (!survives) {
      if (!dropped_any)
        kept.assign(first, r.bytes.data());
      dropped_any = true;
      continue;
    }
    if (dropped_any)
      kept.insert(kept.end(), r.bytes.begin(), r.bytes.end());
    ++kept_count;
    max_delta = std::max(max_delta, r.timestamp_delta);
  }
  if ((res.ec = records.error()))
    return res;
  res.records_out = kept_count;
  if (!dropped_any)
    return res;
  if (kept_count == 0) {
    res.fate = batch_fate::dropped;
    return res;
  }
  res.fate = batch_fate::rebuilt;
  out.assign(batch, batch + batch_header_size);
  if (h.compression() == 0) {
    out.insert(out.end(), kept.begin(), kept.end());
  } else {
    if ((res.ec = compress(h.compression(), kept.data(), kept.size(), buffer)))
      return res;
    out.insert(out.end(), buffer.begin(), buffer.end());
  }
  char* p = out.data();
  store_be<int32_t>(p + 8, static_cast<int32_t>(out.size() - batch_log_overhead));
  if (!h.is_log_append_time())
    store_be<int64_t>(p + 35, h.base_timestamp + max_delta);
  store_be<int32_t>(p + 57, static_cast<int32_t>(kept_count));
  set_batch_crc(p, out.size());
  return res;
}

} // namespace cafka::storage
