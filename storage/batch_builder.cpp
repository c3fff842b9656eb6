#include "storage/batch_builder.hpp"

#include "storage/bytes.hpp"
#include "storage/compression.hpp"
#include "storage/record_batch.hpp"
#include "storage/varint.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cafka::storage {

namespace {

void put_bytes(std::vector<char>& out, std::optional<std::string_view> s) {
  if (!s) {
    put_varlong(out, -1);
    return;
  }
  put_varlong(out, static_cast<int64_t>(s->size()));
  out.insert(out.end(), s->begin(), s->end());
}

} // namespace

batch_builder& batch_builder::producer(int64_t producer_id, int16_t producer_epoch,
                                       int32_t base_sequence) {
  producer_id_ = producer_id;
  producer_epoch_ = producer_epoch;
  base_sequence_ = base_sequence;
  return *this;
}

batch_builder& batch_builder::attributes(int16_t attrs) {
  attributes_ = static_cast<int16_t>(attrs & ~0x7);
  return *this;
}

batch_builder& batch_builder::compression(int codec) {
  if (codec < codec::none || codec > codec::zstd)
    throw std::invalid_argument("batch_builder: unknown codec " + std::to_string(codec));
  codec_ = codec;
  return *this;
}

batch_builder& batch_builder::add(std::optional<std::string_view> key,
                                  std::optional<std::string_view> value, int64_t timestamp,
                                  const std::vector<header_view>& headers) {
  if (count_ == 0)
    base_timestamp_ = timestamp;
  max_timestamp_ = count_ == 0 ? timestamp : std::max(max_timestamp_, timestamp);
  scratch_.clear();
  scratch_.push_back(0); // record attributes: unused in magic 2
  put_varlong(scratch_, timestamp - base_timestamp_);
  put_varlong(scratch_, static_cast<int64_t>(count_));
  put_bytes(scratch_, key);
  put_bytes(scratch_, value);
  put_varlong(scratch_, static_cast<int64_t>(headers.size()));
  for (auto& h : headers) {
    put_bytes(scratch_, h.key);
    put_bytes(scratch_, h.value);
  }
  put_varlong(records_, static_cast<int64_t>(scratch_.size()));
  records_.insert(records_.end(), scratch_.begin(), scratch_.end());
  ++count_;
  return *this;
}

size_t batch_builder::size() const noexcept {
  return batch_header_size + records_.size();
}

std::vector<char> batch_builder::build(int64_t base_offset) {
  std::vector<char> out(batch_header_size);
  if (codec_ == codec::none) {
    out.reserve(size());
    out.insert(out.end(), records_.begin(), records_.end());
  } else {
    if (auto ec = compress(codec_, records_.data(), records_.size(), scratch_))
      throw std::runtime_error("batch_builder: compression failed: " + ec.message());
    out.insert(out.end(), scratch_.begin(), scratch_.end());
  }
  char* p = out.data();
  store_be<int64_t>(p, base_offset);
  store_be<int32_t>(p + 8, static_cast<int32_t>(out.size() - batch_log_overhead));
  store_be<int32_t>(p + 12, -1); // partitionLeaderEpoch: the broker sets it
  p[16] = 2;                     // magic
  store_be<int16_t>(p + 21, static_cast<int16_t>(attributes_ | codec_));
  store_be<int32_t>(p + 23, static_cast<int32_t>(count_) - 1);
  store_be<int64_t>(p + 27, base_timestamp_);
  store_be<int64_t>(p + 35, max_timestamp_);
  store_be<int64_t>(p + 43, producer_id_);
  store_be<int16_t>(p + 51, producer_epoch_);
  store_be<int32_t>(p + 53, base_sequence_);
  store_be<int32_t>(p + 57, static_cast<int32_t>(count_));
  set_batch_crc(p, out.size());
  reset();
  return out;
}

void batch_builder::reset() {
  records_.clear();
  count_ = 0;
  base_timestamp_ = -1;
  max_timestamp_ = -1;
}

} // namespace cafka::storage
