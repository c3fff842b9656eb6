#include "net/connection.hpp"

#include "actors/logging.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <algorithm>

namespace asio = boost::asio;
using boost::system::error_code;

namespace cafka::net {

namespace {

std::string endpoint_text(const asio::ip::tcp::socket& s) {
  error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec)
    return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

} // namespace

connection::connection(asio::ip::tcp::socket socket, int32_t max_request_bytes)
  : socket_(std::move(socket)), max_request_bytes_(max_request_bytes),
    peer_(endpoint_text(socket_)) {}

connection::~connection() = default;

void connection::start(caf::actor bridge) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), b = std::move(bridge)]() mutable {
    if (self->closed_) {
      // Closed before we started (server shutdown raced the accept): the bridge must still go.
      caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
      return;
    }
    self->bridge_ = std::move(b);
    CAFKA_DEBUG("net", "connection from " << self->peer_);
    self->read_size();
  });
}

void connection::read_size() {
  asio::async_read(socket_, asio::buffer(size_buf_),
                   [self = shared_from_this()](error_code ec, size_t) {
                     if (self->closed_)
                       return;
                     if (ec) {
                       self->do_close(ec == asio::error::eof ? "peer closed" : ec.message(), false);
                       return;
                     }
                     auto& b = self->size_buf_;
                     auto size = static_cast<int32_t>((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16)
                                                      | (uint32_t{b[2]} << 8) | uint32_t{b[3]});
                     // Smallest request header: api_key, api_version, correlation_id = 8 bytes.
                     if (size < 8) {
                       self->do_close("request size " + std::to_string(size)
                                        + " is smaller than a request header",
                                      true);
                       return;
                     }
                     if (size > self->max_request_bytes_) {
                       self->do_close("request size " + std::to_string(size)
                                        + " exceeds socket.request.max.bytes="
                                        + std::to_string(self->max_request_bytes_),
                                      true);
                       return;
                     }
                     self->read_frame(static_cast<uint32_t>(size));
                   });
}

void connection::read_frame(uint32_t size) {
  frame_.resize(size);
  asio::async_read(socket_, asio::buffer(frame_), [self = shared_from_this()](error_code ec, size_t) {
    if (self->closed_)
      return;
    if (ec) {
      self->do_close(ec == asio::error::eof ? "peer closed inside a request" : ec.message(),
                     false);
      return;
    }
    caf::anon_send(self->bridge_, std::move(self->frame_));
    self->frame_ = {};
    if (++self->outstanding_ >= max_requests_in_flight) {
      self->read_paused_ = true; // resumed by answered()
      return;
    }
    self->read_size();
  });
}

void connection::deliver(std::vector<char> frame) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), f = std::move(frame)]() mutable {
    if (self->closed_)
      return;
    self->queued_.push_back(std::move(f));
    if (self->writing_.empty())
      self->write_queued();
    self->answered(1);
  });
}

void connection::completed(size_t requests) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), requests] {
    if (!self->closed_)
      self->answered(requests);
  });
}

void connection::answered(size_t requests) {
  outstanding_ -= std::min(requests, outstanding_);
  if (read_paused_ && outstanding_ < max_requests_in_flight) {
    read_paused_ = false;
    read_size();
  }
}

void connection::write_queued() {
  // Gather everything queued so far into one write; later frames wait for the next round.
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(queued_.size());
  while (!queued_.empty()) {
    writing_.push_back(std::move(queued_.front()));
    queued_.pop_front();
    buffers.emplace_back(asio::buffer(writing_.back()));
  }
  asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, size_t) {
    self->writing_.clear();
    if (self->closed_)
      return;
    if (ec) {
      self->do_close("write failed: " + ec.message(), false);
      return;
    }
    if (!self->queued_.empty())
      self->write_queued();
  });
}

void connection::close(std::string reason) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), r = std::move(reason)] {
    self->do_close(r, false);
  });
}

void connection::do_close(const std::string& reason, bool warn) {
  if (closed_)
    return;
  closed_ = true;
  if (warn)
    CAFKA_WARN("net", "closing connection from " << peer_ << ": " << reason);
  else
    CAFKA_DEBUG("net", "connection from " << peer_ << " closed: " << reason);
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  queued_.clear();
  // The bridge holds a shared_ptr to us; telling it to quit breaks that cycle.
  if (bridge_) {
    caf::anon_send_exit(bridge_, caf::exit_reason::user_shutdown);
    bridge_ = nullptr;
  }
}

} // namespace cafka::net
