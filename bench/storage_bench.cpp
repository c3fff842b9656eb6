// Storage micro-benchmarks: CRC-32C, batch validation, log append/read, index lookup.
// Each benchmark works in its own temp directory and removes it; runs stay short at
// --benchmark_min_time=0.001 (the bench.smoke ctest).
#include "storage/batch_builder.hpp"
#include "storage/crc32c.hpp"
#include "storage/log.hpp"
#include "storage/offset_index.hpp"
#include "storage/record_batch.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
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

std::unique_ptr<cafka::storage::log> open_log(const fs::path& dir) {
  log_config cfg;
  cfg.dir = dir;
  cfg.segment_bytes = 64 << 20;
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

// Args: record size, batch size. Page-cache speed (no fsync), like Kafka's append path.
void BM_log_append(benchmark::State& state) {
  temp_dir tmp;
  auto batch = make_batch(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1)));
  auto l = open_log(tmp.path / "p-0");
  uint64_t written = 0, since_reset = 0;
  for (auto _ : state) {
    if (l->append(batch.data(), batch.size(), 0).ec)
      state.SkipWithError("append failed");
    written += batch.size();
    if ((since_reset += batch.size()) > (256u << 20)) { // bound the disk space used
      state.PauseTiming();
      l->remove();
      l = open_log(tmp.path / "p-0");
      since_reset = 0;
      state.ResumeTiming();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(written));
}
BENCHMARK(BM_log_append)->Args({100, 16 << 10})->Args({100, 1 << 20})->Args({1024, 16 << 10})
  ->Args({1024, 1 << 20})->UseRealTime();

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
    batch_header h;
    parse_batch_header(r.records.data() + r.records.size() - batch.size(), batch.size(), h);
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
