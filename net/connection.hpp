#pragma once
// One client socket. All socket work runs on the socket's strand, so a connection needs no locks:
// deliver() and close() may be called from any thread (the bridge actor) and just post.
// Reading: 4-byte big-endian size, then the frame, which goes to the bridge actor as a
// std::vector<char> (header + body, without the size). Writing: responses are queued and every
// async_write takes all queued frames at once (gather write), so pipelined clients cost one
// syscall per batch rather than per response.
// Back-pressure: at most max_requests_in_flight requests per connection are read but not yet
// answered; beyond that the connection stops reading until answers go out, so one pipelining
// client cannot fill the bridge's mailbox without bound.
#include "net/frame_sink.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <caf/actor.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace cafka::net {

// Kafka's own broker queues at most queued.max.requests=500 requests; librdkafka pipelines far
// more on a busy connection, so this only caps runaway clients.
constexpr size_t max_requests_in_flight = 512;

class connection final : public frame_sink, public std::enable_shared_from_this<connection> {
public:
  // `socket` must use a strand as its executor (the server accepts onto a fresh strand).
  connection(boost::asio::ip::tcp::socket socket, int32_t max_request_bytes);
  ~connection() override;

  // Starts reading; frames go to `bridge`. The bridge is told to quit when the socket closes.
  void start(caf::actor bridge);

  void deliver(std::vector<char> frame) override;
  void completed(size_t requests) override;
  void close(std::string reason) override;
  const std::string& peer() const override { return peer_; }

private:
  void read_size();
  void read_frame(uint32_t size);
  void write_queued();
  void answered(size_t requests);
  // `warn`: protocol violations found here are logged once at WARN; peer hang-ups and closes
  // requested by the bridge (which logs its own reason) at DEBUG.
  void do_close(const std::string& reason, bool warn);

  boost::asio::ip::tcp::socket socket_;
  const int32_t max_request_bytes_;
  std::string peer_;
  caf::actor bridge_;
  std::array<unsigned char, 4> size_buf_{};
  std::vector<char> frame_;
  std::deque<std::vector<char>> queued_;      // waiting for the next write
  std::vector<std::vector<char>> writing_;    // owned by the running async_write
  size_t outstanding_ = 0;                    // requests read and not yet answered
  bool read_paused_ = false;                  // stopped reading at max_requests_in_flight
  bool closed_ = false;
};

} // namespace cafka::net
