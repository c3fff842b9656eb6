#pragma once
// Where a log's fdatasyncs run: off the append path. A log posts flush jobs (the sealed
// segment's syncs after a roll, a group-commit flush of the active segment) and keeps
// appending; the job's `done` reports back when the bytes are on disk.
//
// Ordering contract: a flusher runs jobs, and calls their `done`, in the order they were
// posted. A log relies on it: when a job completes, every job posted before it has completed
// too, so "everything below offset X is on disk" needs only the last job's answer.
//
// Jobs own what they touch (duplicated descriptors, see sync_files), so a segment deleted or
// closed while its job waits stays valid until the job ran.
#include "storage/file.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace cafka::storage {

struct flush_job {
  std::function<std::error_code()> work;       // the syncs; runs on the flusher's thread
  std::function<void(std::error_code)> done;   // then this, with work's result (may be empty)
};

class flusher {
public:
  virtual ~flusher() = default;
  // Queues the job (FIFO, see above). Never blocks on I/O except in inline_flusher.
  virtual void post(flush_job job) = 0;
};

// Runs each job at once, inside post(): the old synchronous behaviour. Default for a log
// without a flusher, and for actor tests on the deterministic scheduler.
class inline_flusher final : public flusher {
public:
  void post(flush_job job) override;
};

// Holds jobs until the test runs them: a slow disk under test control, failures by injection.
class manual_flusher final : public flusher {
public:
  void post(flush_job job) override;
  size_t pending() const noexcept { return jobs_.size(); }
  // Runs the oldest job; with `fail` set its work is skipped and done gets `fail` instead.
  // Returns false when nothing was queued.
  bool run_next(std::error_code fail = {});
  size_t run_all(); // runs until the queue is empty (jobs may post more); returns how many ran

private:
  std::deque<flush_job> jobs_;
};

// One worker thread shared by many logs (production). The destructor runs what is still
// queued, then joins.
class thread_flusher final : public flusher {
public:
  thread_flusher();
  ~thread_flusher() override;
  void post(flush_job job) override;

private:
  void run();

  std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<flush_job> jobs_;
  bool stopping_ = false;
  std::thread worker_;
};

// A set of files (and optionally their directory) to make durable: fdatasync each, then fsync
// the directory. Descriptors are dup()ed so the job outlives the segment that owned them.
// `done()` turns true after a successful run, so a clean close can skip what already happened.
class sync_files {
public:
  // Adds a duplicate of f's descriptor; fails with the OS error of dup().
  std::error_code add(const file& f);
  void add_dir(const std::filesystem::path& dir) { dir_ = dir; }
  std::error_code run();              // thread-safe; may run again (syncing is idempotent)
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }

private:
  std::vector<file> files_;
  std::filesystem::path dir_;
  std::atomic<bool> done_{false};
};

} // namespace cafka::storage
