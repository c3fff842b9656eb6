#include "storage/fault_injection.hpp"

#include <mutex>

namespace cafka::storage::fault_injection {

namespace {

std::mutex mtx; // a background flusher may count operations concurrently
int64_t fail_at = -1;
int64_t seen = 0;
bool torn = false;
op first_failed = op::write;

} // namespace

const char* to_string(op o) noexcept {
  switch (o) {
    case op::write: return "pwrite";
    case op::truncate: return "ftruncate";
    case op::rename: return "rename";
    case op::remove: return "unlink";
    case op::sync: return "fdatasync";
    case op::sync_dir: return "directory fsync";
    case op::create: return "create";
  }
  return "?";
}

void arm(int64_t n, bool torn_writes) noexcept {
  std::lock_guard<std::mutex> guard{mtx};
  fail_at = n;
  seen = 0;
  torn = torn_writes;
  detail::armed.store(true);
}

void disarm() noexcept {
  std::lock_guard<std::mutex> guard{mtx};
  detail::armed.store(false);
  fail_at = -1;
  seen = 0;
}

bool tripped() noexcept {
  std::lock_guard<std::mutex> guard{mtx};
  return fail_at >= 0 && seen > fail_at;
}

int64_t operations() noexcept {
  std::lock_guard<std::mutex> guard{mtx};
  return seen;
}

op tripped_at() noexcept {
  std::lock_guard<std::mutex> guard{mtx};
  return first_failed;
}

bool tear_this_write() noexcept {
  std::lock_guard<std::mutex> guard{mtx};
  return torn && fail_at >= 0 && seen == fail_at + 1 && first_failed == op::write;
}

bool detail::count(op o) noexcept {
  std::lock_guard<std::mutex> guard{mtx};
  if (fail_at < 0)
    return false;
  auto n = seen++;
  if (n == fail_at)
    first_failed = o;
  return n >= fail_at;
}

} // namespace cafka::storage::fault_injection
