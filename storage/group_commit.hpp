#pragma once
// Group-commit bookkeeping for one log's flush policy (flush.messages): which append replies
// wait for a flush, when a flush must start, which replies a finished flush releases. No I/O
// and no actors: the log actor calls it and carries out the decisions.
//
// Rules:
// - Once flush_messages records were appended since the last flush started, the append that
//   reached the count waits for a flush that covers it (Kafka's flush.messages, but the
//   acknowledgement waits for the sync instead of the sync running inside the append).
// - Replies leave in append order: an append behind a waiting one waits too (else the
//   replica would see offsets out of order); the flush that covers it is shared.
// - One flush at a time. Appends arriving while it runs wait for the next one, which covers
//   all of them: many appends, one fdatasync.
// - A finished flush releases every waiter below the end it covered. Any flush counts (also a
//   sealed segment's sync after a roll): flushes complete in order (flusher.hpp).
#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace cafka::storage {

template <class Waiter>
class group_commit {
public:
  // After a successful append of `records` records ending before `end` (the new log end).
  // Returns whether its reply must wait (then call hold()).
  bool appended(int64_t end, int64_t records, int64_t flush_messages) {
    appended_end_ = end;
    since_flush_start_ += records;
    return !waiters_.empty() || since_flush_start_ >= flush_messages;
  }

  void hold(int64_t end, Waiter w) { waiters_.emplace_back(end, std::move(w)); }

  // Asks for a flush of everything appended so far even without waiters (flush.ms timer).
  void request() noexcept { requested_ = appended_end_ > covered_end(); }

  // Whether a flush should be started now: there is something to cover and none is running.
  bool should_start() const noexcept {
    if (in_flight_)
      return false;
    return (!waiters_.empty() && waiters_.back().first > flushed_end_) || requested_;
  }

  // A flush covering everything below `end` was posted.
  void started(int64_t end) noexcept {
    in_flight_ = true;
    in_flight_end_ = end;
    since_flush_start_ = 0;
    requested_ = false;
  }

  // A flush finished with everything below `end` on disk (when ok); returns the released
  // waiters in append order. A failed flush releases the waiters it was meant to cover.
  std::vector<Waiter> flushed(int64_t end, bool ok) {
    std::vector<Waiter> out;
    int64_t released_up_to = end;
    if (ok)
      flushed_end_ = std::max(flushed_end_, end);
    if (in_flight_ && end >= in_flight_end_)
      in_flight_ = false;
    while (!waiters_.empty() && waiters_.front().first <= released_up_to) {
      out.push_back(std::move(waiters_.front().second));
      waiters_.pop_front();
    }
    return out;
  }

  // Everything appended is covered by a finished flush.
  bool all_flushed() const noexcept { return appended_end_ <= flushed_end_; }
  bool flushing() const noexcept { return in_flight_; }
  size_t waiting() const noexcept { return waiters_.size(); }
  int64_t flushed_end() const noexcept { return flushed_end_; }

  // Start from the log end of an opened log (what is there was synced at the clean close or
  // is about to be covered by recovery, either way not waited for).
  void reset(int64_t end) noexcept {
    appended_end_ = flushed_end_ = end;
  }

  // Takes all waiters (shutdown).
  std::vector<Waiter> take_all() {
    std::vector<Waiter> out;
    for (auto& w : waiters_)
      out.push_back(std::move(w.second));
    waiters_.clear();
    return out;
  }

private:
  int64_t covered_end() const noexcept { return in_flight_ ? in_flight_end_ : flushed_end_; }

  std::deque<std::pair<int64_t, Waiter>> waiters_; // (end of the append, its reply)
  int64_t appended_end_ = 0;
  int64_t flushed_end_ = 0;       // below this everything is on disk
  int64_t in_flight_end_ = 0;     // the running flush covers below this
  int64_t since_flush_start_ = 0; // records appended since the last flush started
  bool in_flight_ = false;
  bool requested_ = false;
};

} // namespace cafka::storage
