#pragma once
// Kafka requires responses on a connection in request order, but handlers finish in any order
// (a Metadata answer may be ready before an earlier Produce is replicated). The bridge gives every
// request a sequence number and parks finished frames here until all earlier ones are out.
// Not thread-safe: it lives in the bridge actor's state and is only touched by that actor.
#include "net/frame_sink.hpp"

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace cafka::net {

class reorder_buffer {
public:
  // Reserves the slot for the next request; sequence numbers start at 0 and never repeat.
  uint64_t next_sequence() {
    slots_.emplace_back();
    return next_to_flush_ + slots_.size() - 1;
  }

  // Records the outcome of request `seq` and calls `emit(response_frame&&)` for every frame
  // that is now at the head, in request order. Slots without a response (Produce acks=0) are
  // skipped; their number is returned (the connection counts them as answered too). Completing an
  // unknown or already flushed sequence is ignored.
  template <class Emit>
  size_t complete(uint64_t seq, response_frame frame, bool has_response, Emit&& emit) {
    if (seq < next_to_flush_ || seq - next_to_flush_ >= slots_.size())
      return 0;
    auto& s = slots_[seq - next_to_flush_];
    if (s.done)
      return 0;
    s.done = true;
    s.has_response = has_response;
    s.frame = std::move(frame);
    size_t skipped = 0;
    while (!slots_.empty() && slots_.front().done) {
      if (slots_.front().has_response)
        emit(std::move(slots_.front().frame));
      else
        ++skipped;
      slots_.pop_front();
      ++next_to_flush_;
    }
    return skipped;
  }

  // Requests accepted but not yet flushed (waiting for themselves or for an earlier one).
  size_t pending() const noexcept { return slots_.size(); }

private:
  struct slot {
    bool done = false;
    bool has_response = false;
    response_frame frame;
  };
  std::deque<slot> slots_;
  uint64_t next_to_flush_ = 0;
};

} // namespace cafka::net
