// Log cleaner throughput: MB/s of dirty log compacted by storage::log::clean_step (key map,
// rewriting, swap, checkpoint; fdatasyncs included), 100 B values under 1k or 100k distinct
// keys, uncompressed and lz4 (16 KiB batches of ~110 records, 1 MiB segments, 16 MiB of dirty
// log per iteration, built with the clock paused). Numbers: docs/performance.md (storage).
#include "storage/batch_builder.hpp"
#include "storage/compression.hpp"
#include "storage/log.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

using namespace cafka::storage;
namespace fs = std::filesystem;

namespace {

struct bench_dir {
  fs::path path;
  bench_dir() {
    std::string tmpl = (fs::temp_directory_path() / "cafka-cleaner-bench-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~bench_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

constexpr uint64_t dirty_target = 16u << 20;

// A compacted log of ~16 MiB: random keys out of `keys`, 100 B values, plus one large batch
// so everything else is in sealed (cleanable) segments.
std::unique_ptr<cafka::storage::log> build_log(const fs::path& dir, int keys, int codec, uint64_t& records) {
  log_config cfg;
  cfg.dir = dir;
  cfg.segment_bytes = 1u << 20;
  cfg.cleanup.compact = true;
  cfg.cleanup.min_cleanable_dirty_ratio = 0;
  std::error_code ec;
  auto l = cafka::storage::log::open(cfg, ec);
  if (!l)
    std::abort();
  std::mt19937 rng{42};
  std::string value(100, 'v');
  batch_builder b;
  b.compression(codec);
  int64_t ts = 1700000000000;
  records = 0;
  while (l->size_bytes() < dirty_target) {
    for (int i = 0; i < 110; ++i) {
      for (auto& c : value)
        c = static_cast<char>('a' + rng() % 26);
      auto key = "key-" + std::to_string(rng() % static_cast<unsigned>(keys));
      b.add(std::string_view{key}, std::string_view{value}, ts++);
    }
    auto batch = b.build();
    if (l->append(batch.data(), batch.size(), 0).ec)
      std::abort();
    records += 110;
  }
  b.compression(codec::none);
  b.add(std::string_view{"roll"}, std::string_view{std::string(900000, 'r')}, ts);
  auto big = b.build();
  if (l->append(big.data(), big.size(), 0).ec)
    std::abort();
  return l;
}

void BM_cleaner(benchmark::State& state) {
  auto keys = static_cast<int>(state.range(0));
  auto codec = static_cast<int>(state.range(1));
  cleaner_options opt;
  opt.delete_delay_ms = 0;
  uint64_t dirty = 0, records = 0, kept = 0, out_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    {
      bench_dir dir;
      uint64_t n = 0;
      auto l = build_log(dir.path / "p-0", keys, codec, n);
      auto now = wall_clock_ms();
      auto before = l->cleanable(now).dirty_bytes;
      state.ResumeTiming();
      clean_step_result r;
      do
        r = l->clean_step(opt, now);
      while (r.more);
      state.PauseTiming();
      if (r.ec || !r.done)
        state.SkipWithError("cleaning failed");
      dirty += before;
      records += n;
      kept += r.stats.records_out;
      out_bytes += r.stats.bytes_out;
      l.reset();
    }
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(dirty));
  state.counters["records_in"] = static_cast<double>(records) / state.iterations();
  state.counters["records_out"] = static_cast<double>(kept) / state.iterations();
  state.counters["MB_out"] = static_cast<double>(out_bytes) / 1e6 / state.iterations();
}

} // namespace

BENCHMARK(BM_cleaner)
  ->ArgNames({"keys", "codec"})
  ->Args({1000, codec::none})
  ->Args({100000, codec::none})
  ->Args({1000, codec::lz4})
  ->Args({100000, codec::lz4})
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime();
