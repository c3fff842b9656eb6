#include "storage/record_bytes.hpp"

#include <algorithm>
#include <cstring>

namespace cafka::storage {

size_t record_bytes::size() const noexcept {
  if (slices_.empty())
    return owned_.size();
  size_t n = 0;
  for (const auto& s : slices_)
    n += s.size;
  return n;
}

std::vector<char>& record_bytes::owned() {
  if (!slices_.empty()) {
    owned_ = flatten();
    slices_.clear();
  }
  return owned_;
}

std::string_view record_bytes::contiguous() {
  if (slices_.size() == 1)
    return {slices_.front().data, slices_.front().size};
  const auto& bytes = owned();
  return {bytes.data(), bytes.size()};
}

std::vector<char> record_bytes::flatten() const {
  std::vector<char> out;
  out.reserve(size());
  for_each_piece([&](const char* p, size_t n) { out.insert(out.end(), p, p + n); });
  return out;
}

void record_bytes::append(byte_slice s) {
  if (s.size == 0)
    return;
  if (!owned_.empty()) {
    auto held = std::make_shared<const std::vector<char>>(std::move(owned_));
    owned_ = {};
    slices_.push_back({held, held->data(), held->size()});
  }
  slices_.push_back(std::move(s));
}

void record_bytes::append(const char* data, size_t n) {
  if (n == 0)
    return;
  if (slices_.empty()) {
    owned_.insert(owned_.end(), data, data + n);
    return;
  }
  auto held = std::make_shared<const std::vector<char>>(data, data + n);
  slices_.push_back({held, held->data(), held->size()});
}

bool record_bytes::copy_out(size_t pos, size_t n, char* out) const noexcept {
  if (pos + n > size() || pos + n < pos)
    return false;
  size_t at = 0; // start of the current piece
  for_each_piece([&](const char* p, size_t len) {
    if (n == 0 || at + len <= pos) {
      at += len;
      return;
    }
    size_t from = pos - at;
    size_t take = std::min(len - from, n);
    std::memcpy(out, p + from, take);
    out += take;
    pos += take;
    n -= take;
    at += len;
  });
  return true;
}

void record_bytes::truncate(size_t n) {
  if (slices_.empty()) {
    if (n < owned_.size())
      owned_.resize(n);
    return;
  }
  size_t kept = 0;
  size_t i = 0;
  for (; i < slices_.size() && kept < n; ++i) {
    auto& s = slices_[i];
    if (kept + s.size > n)
      s.size = n - kept;
    kept += s.size;
  }
  slices_.resize(i);
}

bool operator==(const record_bytes& a, const record_bytes& b) {
  if (!a.has_slices() && !b.has_slices())
    return a.owned_ == b.owned_;
  return a.size() == b.size() && a.flatten() == b.flatten();
}

} // namespace cafka::storage
