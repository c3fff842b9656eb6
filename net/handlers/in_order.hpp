#pragma once
// Runs steps that finish in any order in the order they were started. A connection's requests
// must take effect in the order they arrived (Kafka appends one connection's pipelined produce
// requests in order), but their route lookups finish out of order: a cache hit is immediate, a
// miss waits for the node. Single-threaded: used on the bridge actor only.
#include <cstdint>
#include <functional>
#include <map>
#include <utility>

namespace cafka::net {

class in_order {
public:
  using ticket = uint64_t;

  // Reserves the next place in line.
  ticket start() noexcept { return next_ticket_++; }

  // `step` for `t` is ready: runs it once every earlier ticket has run, together with any later
  // steps that were waiting only for it. May run `step` before returning.
  void finish(ticket t, std::function<void()> step) {
    if (t != next_to_run_) { // an earlier step is still out: wait for it
      ready_.emplace(t, std::move(step));
      return;
    }
    // Its turn (the usual case, nothing held): run it, then any held steps now due. The counter
    // moves before each step runs, so a step may start and finish another.
    for (;;) {
      ++next_to_run_;
      step();
      if (ready_.empty() || ready_.begin()->first != next_to_run_)
        return;
      step = std::move(ready_.begin()->second);
      ready_.erase(ready_.begin());
    }
  }

  // Steps finished but held back behind an earlier, unfinished one.
  size_t waiting() const noexcept { return ready_.size(); }

private:
  ticket next_ticket_ = 0;
  ticket next_to_run_ = 0;
  std::map<ticket, std::function<void()>> ready_;
};

} // namespace cafka::net
