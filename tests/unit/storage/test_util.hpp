#pragma once
// Helpers for the storage tests: a fresh temp directory per test and batch/file shortcuts.
#include "storage/batch_builder.hpp"
#include "storage/log.hpp"
#include "storage/record_batch.hpp"
#include "storage/record_reader.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cafka::storage::test {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cafka-storage-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A batch of n records "v<first_value+i>" with timestamps ts, ts+1, ...
inline std::vector<char> make_batch(int n, int64_t ts = 1000, int first_value = 0,
                                    size_t value_size = 0) {
  batch_builder b;
  for (int i = 0; i < n; ++i) {
    auto v = "v" + std::to_string(first_value + i);
    if (v.size() < value_size)
      v.resize(value_size, 'x');
    b.add("k" + std::to_string(i), v, ts + i);
  }
  return b.build();
}

// Appends b and then patches b the way the log stored it (base offset, leader epoch, and the
// LogAppendTime stamp), so tests can compare reads with it: the log leaves its input as it is.
inline append_result append_patched(log& l, std::vector<char>& b, int32_t leader_epoch,
                                    int64_t now_ms = wall_clock_ms()) {
  auto r = l.append(b.data(), b.size(), leader_epoch, now_ms);
  if (r.ec)
    return r;
  batch_header h;
  parse_batch_header(b.data(), b.size(), h);
  if (r.log_append_time >= 0)
    set_log_append_time(b.data(), b.size(), r.log_append_time, h);
  patch_batch(b.data(), r.base_offset, leader_epoch);
  return r;
}

inline std::unique_ptr<log> open_log(const log_config& cfg) {
  std::error_code ec;
  auto l = log::open(cfg, ec);
  if (ec)
    throw std::runtime_error("open failed: " + ec.message());
  return l;
}

// Base offsets of the batches in a read result (and checks each batch's CRC via validation).
inline std::vector<int64_t> batch_bases(const std::vector<char>& records, bool* all_valid = nullptr) {
  std::vector<int64_t> out;
  batch_iterator it{records.data(), records.size()};
  batch_header h;
  const char* p;
  size_t n;
  bool valid = true;
  while (it.next(h, p, n)) {
    batch_header v;
    valid = valid && !validate_batch(p, n, v);
    out.push_back(h.base_offset);
  }
  if (all_valid)
    *all_valid = valid && !it.error();
  return out;
}

// Last offset of the last whole batch in records, or -1.
inline int64_t last_offset_in(const std::vector<char>& records) {
  batch_iterator it{records.data(), records.size()};
  batch_header h;
  const char* p;
  size_t n;
  int64_t last = -1;
  while (it.next(h, p, n))
    last = h.last_offset();
  return last;
}

// The same for a log read (slices of segment mappings), flattened.
inline std::vector<int64_t> batch_bases(const record_bytes& records, bool* all_valid = nullptr) {
  return batch_bases(records.flatten(), all_valid);
}
inline int64_t last_offset_in(const record_bytes& records) {
  return last_offset_in(records.flatten());
}

// A read's records as plain bytes.
inline std::vector<char> bytes_of(const record_bytes& records) {
  return records.flatten();
}

inline std::vector<char> read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

inline void write_file(const std::filesystem::path& p, const std::vector<char>& data) {
  std::ofstream out{p, std::ios::binary | std::ios::trunc};
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline bool any_notice_contains(const log& l, const std::string& needle) {
  for (auto& n : l.recovery_notices())
    if (n.find(needle) != std::string::npos)
      return true;
  return false;
}

} // namespace cafka::storage::test
