#pragma once
// What a bridge actor needs from its connection: a place to put finished response frames and a
// way to hang up. net/connection implements it over an Asio socket; tests use an in-memory fake.
#include "net/protocol/wire.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace cafka::net {

// An allocator whose value-less construct() leaves the element uninitialised, so
// vector::resize(n) allocates without zero-filling: the connection reads request frames of up to
// ~1 MB straight into the new bytes (zero-filling them first cost 3-7% of the broker's samples).
template <class T>
struct default_init_allocator : std::allocator<T> {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = default_init_allocator<U>;
  };
  default_init_allocator() = default;
  template <class U>
  default_init_allocator(const default_init_allocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// One request frame as the connection hands it to the bridge: header + body, no size prefix.
using request_frame = std::vector<char, default_init_allocator<char>>;

// One response frame (size prefix included) as it goes on the wire: `bytes` with `slices` spliced
// in, each right before bytes[at] (ascending). Fetch leaves record bytes as slices of segment
// mappings (protocol::writer with splices) and the connection writes the pieces with one gather
// write, so they are never copied. Most frames have no slices.
struct response_frame {
  response_frame() = default;
  // Plain bytes (implicit: most responses, tests).
  response_frame(std::vector<char> b) noexcept : bytes(std::move(b)) {}

  std::vector<char> bytes;
  std::vector<protocol::spliced_slice> slices;

  // Bytes on the wire.
  size_t size() const noexcept {
    size_t n = bytes.size();
    for (const auto& s : slices)
      n += s.slice.size;
    return n;
  }
  bool empty() const noexcept { return size() == 0; }

  // Calls f(const char* data, size_t n) for each piece in wire order (empty pieces skipped).
  template <class F>
  void for_each_piece(F&& f) const {
    size_t from = 0;
    for (const auto& s : slices) {
      if (s.at > from)
        f(bytes.data() + from, s.at - from);
      from = s.at;
      if (s.slice.size > 0)
        f(s.slice.data, s.slice.size);
    }
    if (bytes.size() > from)
      f(bytes.data() + from, bytes.size() - from);
  }

  // The wire bytes in one vector (tests, diagnostics).
  std::vector<char> flatten() const {
    std::vector<char> out;
    out.reserve(size());
    for_each_piece([&](const char* p, size_t n) { out.insert(out.end(), p, p + n); });
    return out;
  }
};

class frame_sink {
public:
  virtual ~frame_sink() = default;
  // Queues one complete response frame (size prefix included) for writing; also marks one
  // request as answered. Thread-safe.
  virtual void deliver(response_frame frame) = 0;
  // Marks `requests` requests as done without a response (Produce acks=0). Thread-safe.
  // The connection limits requests in flight; this keeps such requests from counting forever.
  virtual void completed(size_t requests) = 0;
  // Closes the connection; pending and later frames are dropped. Thread-safe, idempotent.
  virtual void close(std::string reason) = 0;
  // "host:port" of the client, for log lines.
  virtual const std::string& peer() const = 0;
};

using frame_sink_ptr = std::shared_ptr<frame_sink>;

} // namespace cafka::net
