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

connection::connection(asio::ip::tcp::socket socket, int32_t max_request_bytes,
                       size_t max_queued_requests, std::shared_ptr<request_budget> budget)
  : socket_(std::move(socket)), max_request_bytes_(max_request_bytes),
    max_queued_requests_(std::max<size_t>(1, max_queued_requests)), budget_(std::move(budget)),
    peer_(endpoint_text(socket_)) {}

// Normally do_close() has given everything back already; this covers a connection dropped
// without a close (e.g. never started).
connection::~connection() {
  release_all();
}

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
                     self->admit(static_cast<uint32_t>(size));
                   });
}

// Takes the frame's bytes from the broker-wide budget before allocating it; when they are not
// available the connection stays paused (no read pending) until the budget grants them.
void connection::admit(uint32_t size) {
  if (!budget_) {
    read_frame(size);
    return;
  }
  // Weak both ways: the budget holds this callback until it grants, and must not keep itself or
  // a dropped connection alive.
  auto grant = [weak = weak_from_this(), weak_budget = std::weak_ptr<request_budget>{budget_},
                size] {
    // Runs on whichever thread released the bytes: hop onto our strand.
    auto self = weak.lock();
    if (!self) {
      if (auto budget = weak_budget.lock())
        budget->release(size);
      return;
    }
    asio::post(self->socket_.get_executor(), [self, size] {
      if (self->closed_) {
        self->budget_->release(size);
        return;
      }
      self->read_frame(size);
    });
  };
  if (budget_->acquire(size, std::move(grant)))
    read_frame(size);
}

void connection::read_frame(uint32_t size) {
  reading_bytes_ = size;
  frame_.resize(size); // default_init_allocator: no zero fill
  asio::async_read(socket_, asio::buffer(frame_), [self = shared_from_this()](error_code ec, size_t) {
    if (self->closed_)
      return;
    if (ec) {
      self->do_close(ec == asio::error::eof ? "peer closed inside a request" : ec.message(),
                     false);
      return;
    }
    self->held_.push_back(static_cast<uint32_t>(self->reading_bytes_));
    self->reading_bytes_ = 0;
    caf::anon_send(self->bridge_, std::move(self->frame_));
    self->frame_ = {};
    if (self->held_.size() >= self->max_queued_requests_) {
      self->read_paused_ = true; // resumed by answered()
      return;
    }
    self->read_size();
  });
}

void connection::deliver(response_frame frame) {
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
  // Answers leave in request order, so the oldest held requests are the answered ones.
  uint64_t bytes = 0;
  for (; requests > 0 && !held_.empty(); --requests) {
    bytes += held_.front();
    held_.pop_front();
  }
  if (budget_ && bytes > 0)
    budget_->release(bytes);
  if (read_paused_ && held_.size() < max_queued_requests_) {
    read_paused_ = false;
    read_size();
  }
}

void connection::release_all() {
  uint64_t bytes = reading_bytes_;
  for (auto b : held_)
    bytes += b;
  reading_bytes_ = 0;
  held_.clear();
  if (budget_ && bytes > 0)
    budget_->release(bytes);
}

void connection::write_queued() {
  // Gather everything queued so far into one write; later frames wait for the next round.
  // Each frame contributes its pieces: own bytes and record slices, in wire order.
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(queued_.size());
  writing_.reserve(queued_.size()); // no reallocation: buffers point into the frames
  while (!queued_.empty()) {
    writing_.push_back(std::move(queued_.front()));
    queued_.pop_front();
    writing_.back().for_each_piece(
      [&buffers](const char* p, size_t n) { buffers.emplace_back(p, n); });
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
  // Requests of a closed connection are never answered on the wire: give their bytes back now.
  release_all();
  // The bridge holds a shared_ptr to us; telling it to quit breaks that cycle.
  if (bridge_) {
    caf::anon_send_exit(bridge_, caf::exit_reason::user_shutdown);
    bridge_ = nullptr;
  }
}

} // namespace cafka::net
