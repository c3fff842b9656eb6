#pragma once
// Gathers N asynchronous replies in the bridge actor and runs one completion once all arrived.
// Handlers send one actor request per topic or partition; each reply writes its own slot of a
// shared response and calls arrive(). All callbacks run on the bridge actor, so plain counters
// suffice (no atomics, no locks).
//
// Usage: auto gather = std::make_shared<fan_in>([=] { ctx->respond(*resp); });
//        for each request: gather->expect(); request(...).then([=](...) { ...; gather->arrive(); });
//        gather->seal();   // finishes at once when nothing was sent
#include <cstddef>
#include <functional>
#include <utility>

namespace cafka::net {

class fan_in {
public:
  explicit fan_in(std::function<void()> done) : done_(std::move(done)) {}

  // Announces one more reply (call before sending its request).
  void expect(size_t n = 1) noexcept { pending_ += n; }

  // One announced reply (or its error) arrived.
  void arrive() {
    if (pending_ > 0)
      --pending_;
    maybe_finish();
  }

  // No further expect() follows. Sealing separately from counting means replies can never
  // finish the gather early while requests are still being sent.
  void seal() {
    sealed_ = true;
    maybe_finish();
  }

  size_t pending() const noexcept { return pending_; }

private:
  void maybe_finish() {
    if (!sealed_ || pending_ > 0 || !done_)
      return;
    // Move the completion out first: it runs once, and releasing it breaks reference cycles
    // between the completion's captures and the callbacks that hold this gather.
    auto done = std::move(done_);
    done_ = nullptr;
    done();
  }

  std::function<void()> done_;
  size_t pending_ = 0;
  bool sealed_ = false;
};

} // namespace cafka::net
