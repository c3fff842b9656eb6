#pragma once
// What a bridge actor needs from its connection: a place to put finished response frames and a
// way to hang up. net/connection implements it over an Asio socket; tests use an in-memory fake.
#include <memory>
#include <string>
#include <vector>

namespace cafka::net {

class frame_sink {
public:
  virtual ~frame_sink() = default;
  // Queues one complete response frame (size prefix included) for writing; also marks one
  // request as answered. Thread-safe.
  virtual void deliver(std::vector<char> frame) = 0;
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
