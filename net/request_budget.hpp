#pragma once
// Broker-wide budget of request bytes read but not yet answered (Kafka's
// queued.max.request.bytes). Every connection asks for a frame's size after reading its 4-byte
// size prefix and before allocating the frame; when the bytes are not available it stops reading
// until a release grants them. This bounds the memory pipelining producers can pin (each
// ~1 MB produce frame, plus its decoded copy, lives until the answer goes out).
// Waiters are served first come, first served, and a later request never overtakes a waiting
// one, so a big request cannot starve behind a stream of small ones. A request larger than the
// whole budget is admitted once nothing else is held (never a deadlock).
// Thread-safe: connections on different strands share one instance.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>

namespace cafka::net {

class request_budget {
public:
  // Called with the bytes already taken, on the thread that released them: post, never block.
  using grant_fn = std::function<void()>;

  // `limit` < 0: unlimited (every acquire succeeds at once; bytes are still counted).
  explicit request_budget(int64_t limit) : limit_(limit) {}

  // Takes `n` bytes and returns true, or queues `on_grant` (called once the bytes have been
  // taken for the caller) and returns false.
  bool acquire(uint64_t n, grant_fn on_grant) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (waiters_.empty() && fits(n)) {
      used_ += n;
      return true;
    }
    waiters_.push_back({n, std::move(on_grant)});
    return false;
  }

  // Gives back `n` bytes and grants queued requests, in order, while they fit.
  void release(uint64_t n) {
    std::deque<grant_fn> granted;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      used_ -= std::min(n, used_);
      while (!waiters_.empty() && fits(waiters_.front().bytes)) {
        used_ += waiters_.front().bytes;
        granted.push_back(std::move(waiters_.front().on_grant));
        waiters_.pop_front();
      }
    }
    for (auto& g : granted) // outside the lock: a grant may release again (closed connection)
      g();
  }

  uint64_t used() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return used_;
  }
  size_t waiting() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return waiters_.size();
  }

private:
  bool fits(uint64_t n) const noexcept {
    return limit_ < 0 || used_ == 0 || used_ + n <= static_cast<uint64_t>(limit_);
  }

  struct waiter {
    uint64_t bytes;
    grant_fn on_grant;
  };
  const int64_t limit_;
  mutable std::mutex mtx_;
  uint64_t used_ = 0;
  std::deque<waiter> waiters_;
};

} // namespace cafka::net
