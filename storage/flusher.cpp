#include "storage/flusher.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace cafka::storage {

namespace {

void finish(flush_job& job, std::error_code ec) {
  if (job.done)
    job.done(ec);
}

} // namespace

void inline_flusher::post(flush_job job) {
  finish(job, job.work ? job.work() : std::error_code{});
}

void manual_flusher::post(flush_job job) {
  jobs_.push_back(std::move(job));
}

bool manual_flusher::run_next(std::error_code fail) {
  if (jobs_.empty())
    return false;
  auto job = std::move(jobs_.front());
  jobs_.pop_front();
  if (fail)
    finish(job, fail);
  else
    finish(job, job.work ? job.work() : std::error_code{});
  return true;
}

size_t manual_flusher::run_all() {
  size_t n = 0;
  while (run_next())
    ++n;
  return n;
}

thread_flusher::thread_flusher() : worker_([this] { run(); }) {}

thread_flusher::~thread_flusher() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  cv_.notify_one();
  worker_.join();
}

void thread_flusher::post(flush_job job) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void thread_flusher::run() {
  std::unique_lock<std::mutex> lock{mtx_};
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty())
      return; // stopping, and everything queued ran
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    finish(job, job.work ? job.work() : std::error_code{});
    job = {}; // drop what the job owned (descriptors, callbacks) outside the lock
    lock.lock();
  }
}

std::error_code sync_files::add(const file& f) {
  int fd = ::fcntl(f.fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    return last_os_error();
  files_.emplace_back(fd);
  return {};
}

std::error_code sync_files::run() {
  if (done())
    return {};
  for (auto& f : files_)
    if (auto ec = f.datasync())
      return ec;
  if (!dir_.empty())
    if (auto ec = sync_dir(dir_))
      return ec;
  done_.store(true, std::memory_order_release);
  return {};
}

} // namespace cafka::storage
