#pragma once
// One client socket. All socket work runs on the socket's strand, so a connection needs no locks:
// deliver() and close() may be called from any thread (the bridge actor) and just post.
// Reading: 4-byte big-endian size, then the frame, which goes to the bridge actor as a
// request_frame (header + body, without the size; read into uninitialised memory and moved).
// Writing: responses are queued and every async_write takes all queued frames at once (gather
// write), so pipelined clients cost one syscall per batch rather than per response. A frame's
// record slices (Fetch: views of segment mappings, response_frame) are pieces of the same buffer
// sequence, between the frame's own bytes: record bytes go from the page cache to the socket
// without a copy, and the slices keep their mappings alive until the write has finished.
// Back-pressure, two limits; reading stops until answers go out when either is reached:
// - queued.max.requests: requests per connection read but not yet answered, so one pipelining
//   client cannot fill the bridge's mailbox without bound;
// - queued.max.request.bytes: a broker-wide budget (request_budget) of bytes of unanswered
//   requests, taken after the size prefix and before the frame is allocated, so ~1 MB produce
//   frames cannot pin hundreds of MB per connection. Answers arrive in request order (reorder
//   buffer), so each answer releases the oldest request's bytes.
#include "net/frame_sink.hpp"
#include "net/request_budget.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <caf/actor.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace cafka::net {

class connection final : public frame_sink, public std::enable_shared_from_this<connection> {
public:
  // `socket` must use a strand as its executor (the server accepts onto a fresh strand).
  // `max_queued_requests` >= 1; `budget` is shared by all connections of a server.
  connection(boost::asio::ip::tcp::socket socket, int32_t max_request_bytes,
             size_t max_queued_requests, std::shared_ptr<request_budget> budget);
  ~connection() override;

  // Starts reading; frames go to `bridge`. The bridge is told to quit when the socket closes.
  void start(caf::actor bridge);

  void deliver(response_frame frame) override;
  void completed(size_t requests) override;
  void close(std::string reason) override;
  const std::string& peer() const override { return peer_; }

private:
  void read_size();
  void admit(uint32_t size);
  void read_frame(uint32_t size);
  void write_queued();
  void answered(size_t requests);
  void release_all();
  // `warn`: protocol violations found here are logged once at WARN; peer hang-ups and closes
  // requested by the bridge (which logs its own reason) at DEBUG.
  void do_close(const std::string& reason, bool warn);

  boost::asio::ip::tcp::socket socket_;
  const int32_t max_request_bytes_;
  const size_t max_queued_requests_;
  const std::shared_ptr<request_budget> budget_;
  std::string peer_;
  caf::actor bridge_;
  std::array<unsigned char, 4> size_buf_{};
  request_frame frame_;
  uint64_t reading_bytes_ = 0;                // budget taken for the frame being read
  std::deque<uint32_t> held_;                 // budget bytes of each unanswered request, in order
  std::deque<response_frame> queued_;         // waiting for the next write
  std::vector<response_frame> writing_;       // owned by the running async_write
  bool read_paused_ = false;                  // stopped reading at max_queued_requests_
  bool closed_ = false;
};

} // namespace cafka::net
