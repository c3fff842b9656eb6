// Storage micro-benchmarks: CRC-32C, batch validation, log append (against a plain pwrite
// baseline in the same run), sequential and random reads, index lookup. Each benchmark works in
// its own temp directory and removes it; runs stay short at --benchmark_min_time=0.001 (the
// bench.smoke ctest). Numbers: docs/performance.md (storage).
#include "storage/batch_builder.hpp"
#include "storage/crc32c.hpp"
#include "storage/log.hpp"
#include "storage/offset_index.hpp"
#include "storage/record_batch.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <type_traits>
#include <unistd.h>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

using namespace cafka::storage;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "cafka-bench-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::vector<char> random_bytes(size_t n) {
  std::mt19937 rng{7};
  std::vector<char> out(n);
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

// An uncompressed batch of records with record_size-byte values, about batch_bytes in total.
std::vector<char> make_batch(size_t record_size, size_t batch_bytes) {
  batch_builder b;
  std::string value(record_size, 'v');
  while (b.size() + record_size + 16 <= batch_bytes)
    b.add(std::nullopt, value, 1700000000000 + static_cast<int64_t>(b.record_count()));
  return b.build();
}

using bench_clock = std::chrono::steady_clock;

double seconds_since(bench_clock::time_point t) {
  return std::chrono::duration<double>(bench_clock::now() - t).count();
}

// Bytes [pos, pos + n) of a read result, whatever container the read path returns.
template <class T>
void copy_at(const T& records, size_t pos, size_t n, char* out) {
  if constexpr (std::is_same_v<T, std::vector<char>>)
    std::copy_n(records.begin() + static_cast<ptrdiff_t>(pos), n, out);
  else
    records.copy_out(pos, n, out);
}

// Segments of 1 GiB (the default): the append benchmarks never roll, so nothing is fsync'd
// and flushing is left to the OS, as with Kafka's defaults.
std::unique_ptr<cafka::storage::log> open_log(const fs::path& dir) {
  log_config cfg;
  cfg.dir = dir;
  cfg.segment_bytes = 1 << 30;
  std::error_code ec;
  auto l = cafka::storage::log::open(cfg, ec);
  if (!l)
    std::abort();
  return l;
}

void BM_crc32c(benchmark::State& state) {
  auto data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(crc32c(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_crc32c)->Arg(1024)->Arg(64 << 10);

void BM_crc32c_table(benchmark::State& state) {
  auto data = random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state)
    benchmark::DoNotOptimize(detail::crc32c_table(data.data(), data.size(), 0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_crc32c_table)->Arg(1024)->Arg(64 << 10);

void BM_validate_batch(benchmark::State& state) {
  auto batch = make_batch(100, 16 << 10);
  batch_header h;
  for (auto _ : state)
    benchmark::DoNotOptimize(validate_batch(batch.data(), batch.size(), h));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_validate_batch);

constexpr uint64_t reset_bytes = 256u << 20; // bounds the disk space (and page cache) used

// The baseline: the same bytes written with plain sequential pwrite to one file (buffered, no
// fsync), truncated at the same 256 MiB as the log is reset.
struct pwrite_baseline {
  int fd;
  uint64_t pos = 0;
  explicit pwrite_baseline(const fs::path& path)
    : fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {
    if (fd < 0)
      std::abort();
  }
  ~pwrite_baseline() { ::close(fd); }
  void write(const std::vector<char>& batch) {
    if (::pwrite(fd, batch.data(), batch.size(), static_cast<off_t>(pos))
        != static_cast<ssize_t>(batch.size()))
      std::abort();
    pos += batch.size();
  }
  void reset() {
    if (::ftruncate(fd, 0) != 0)
      std::abort();
    pos = 0;
  }
};

// Args: record size, batch size. Page-cache speed (no fsync), like Kafka's append path. Every
// iteration appends one batch (timed) and, with the benchmark clock paused, pwrites the same
// bytes to a plain file, so both see the same machine load. Counters: append_MBps,
// baseline_MBps and ratio = append throughput / baseline throughput (target >= 0.70: the log's bookkeeping --
// header parse, offset patch, index entries -- should cost little next to the copy).
void BM_log_append(benchmark::State& state) {
  temp_dir tmp;
  auto batch = make_batch(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1)));
  auto l = open_log(tmp.path / "p-0");
  pwrite_baseline baseline{tmp.path / "baseline"};
  uint64_t written = 0, since_reset = 0;
  double append_s = 0, baseline_s = 0;
  for (auto _ : state) {
    auto t = bench_clock::now();
    if (l->append(batch.data(), batch.size(), 0).ec)
      state.SkipWithError("append failed");
    append_s += seconds_since(t);
    state.PauseTiming();
    t = bench_clock::now();
    baseline.write(batch);
    baseline_s += seconds_since(t);
    written += batch.size();
    if ((since_reset += batch.size()) > reset_bytes) {
      l->remove();
      l = open_log(tmp.path / "p-0");
      baseline.reset();
      since_reset = 0;
    }
    state.ResumeTiming();
  }
  l->remove();
  state.SetBytesProcessed(static_cast<int64_t>(written));
  // Both from the same steady_clock spans (bytes_per_second also counts pause/resume overhead).
  state.counters["append_MBps"] = static_cast<double>(written) / append_s / 1e6;
  state.counters["baseline_MBps"] = static_cast<double>(written) / baseline_s / 1e6;
  state.counters["ratio"] = baseline_s / append_s; // same bytes: time ratio = throughput ratio
}
BENCHMARK(BM_log_append)
  ->ArgNames({"record", "batch"})
  ->ArgsProduct({{100, 1024}, {16 << 10, 64 << 10, 256 << 10, 1 << 20}})
  ->UseRealTime();

// Sequential fetch-style reads of 1 MiB over a log of 16 KiB batches.
void BM_log_read_sequential(benchmark::State& state) {
  temp_dir tmp;
  auto batch = make_batch(100, 16 << 10);
  auto l = open_log(tmp.path / "p-0");
  for (int i = 0; i < 512; ++i) // 8 MiB
    l->append(batch.data(), batch.size(), 0);
  int64_t offset = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto r = l->read(offset, 1 << 20);
    bytes += r.records.size();
    char tail[batch_header_size]; // all batches have the same size: the last one starts here
    copy_at(r.records, r.records.size() - batch.size(), sizeof(tail), tail);
    batch_header h;
    parse_batch_header(tail, sizeof(tail), h);
    offset = h.last_offset() + 1 >= l->log_end_offset() ? 0 : h.last_offset() + 1;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_log_read_sequential)->UseRealTime();

// Random single-batch reads: segment search, index lookup, header scan, pread.
void BM_log_read_random(benchmark::State& state) {
  temp_dir tmp;
  auto batch = make_batch(100, 1 << 10);
  auto l = open_log(tmp.path / "p-0");
  for (int i = 0; i < 8192; ++i)
    l->append(batch.data(), batch.size(), 0);
  std::mt19937_64 rng{1};
  std::uniform_int_distribution<int64_t> pick{0, l->log_end_offset() - 1};
  for (auto _ : state)
    benchmark::DoNotOptimize(l->read(pick(rng), 1).records.size());
}
BENCHMARK(BM_log_read_random)->UseRealTime();

void BM_offset_index_lookup(benchmark::State& state) {
  temp_dir tmp;
  offset_index idx;
  if (idx.open(tmp.path / "00000000000000000000.index", 0, 1 << 20)
      || idx.file().make_writable())
    std::abort();
  size_t n = idx.file().max_entries();
  for (size_t i = 0; i < n; ++i)
    idx.append(static_cast<int64_t>(i * 10 + 9), (i + 1) * 4096);
  std::mt19937_64 rng{1};
  std::uniform_int_distribution<int64_t> pick{0, static_cast<int64_t>(n * 10)};
  for (auto _ : state)
    benchmark::DoNotOptimize(idx.lookup(pick(rng)).position);
  state.counters["entries"] = static_cast<double>(n);
}
BENCHMARK(BM_offset_index_lookup);

} // namespace
