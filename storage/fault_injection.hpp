#pragma once
// Test-only crash points for the storage layer.
//
// Every file-mutating operation of storage/ goes through file.hpp (pwrite, ftruncate, rename,
// unlink, fdatasync/msync, directory fsync, file create) and asks fault_injection::hit() first.
// arm(n) makes the n-th such operation from now on (0-based) fail with EIO without touching the
// disk, and every later one too: the process "died" right before that operation. What was
// written before stays, as after a kill -9 (the page cache survives the process; mmap'd index
// stores are already in it). With torn_writes a failing pwrite first writes the first half of
// its bytes, like a kill -9 in the middle of a large write.
//
// Crash-point tests run an operation for n = 0, 1, 2, ... until it completes without reaching
// the crash point, abandon the log object (no close), disarm, reopen and check the invariants
// (tests/unit/storage/crash_points_test.cpp). Unarmed cost: one relaxed atomic load per
// operation. Not for production use: armed state is process-wide.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cafka::storage::fault_injection {

enum class op { write, truncate, rename, remove, sync, sync_dir, create };

const char* to_string(op o) noexcept;

void arm(int64_t n, bool torn_writes = false) noexcept;
void disarm() noexcept;
bool tripped() noexcept;         // the crash point was reached since arm()
int64_t operations() noexcept;   // mutating operations seen since arm() (including failed)
op tripped_at() noexcept;        // the operation that hit the crash point (when tripped)
// True right after the pwrite that hit the crash point, when armed with torn_writes.
bool tear_this_write() noexcept;

namespace detail {
inline std::atomic<bool> armed{false};
bool count(op o) noexcept;
} // namespace detail

// True when operation o must fail (and leave no trace). Called by file.cpp only.
inline bool hit(op o) noexcept {
  return detail::armed.load(std::memory_order_relaxed) && detail::count(o);
}

} // namespace cafka::storage::fault_injection
