#include "net/server.hpp"

#include "actors/logging.hpp"
#include "net/bridge.hpp"
#include "net/connection.hpp"
#include "net/request_budget.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace cafka::net {

namespace {

// How long stop() waits for bridge actors to finish (they only need to process an exit message).
constexpr auto bridge_shutdown_timeout = std::chrono::seconds(10);

tcp::endpoint resolve(asio::io_context& ioc, const listener& l) {
  error_code ec;
  auto addr = asio::ip::make_address(l.host.empty() ? "0.0.0.0" : l.host, ec);
  if (!ec)
    return {addr, l.port};
  tcp::resolver resolver{ioc};
  auto results = resolver.resolve(l.host, std::to_string(l.port), ec);
  if (ec || results.empty())
    throw std::runtime_error("cannot resolve listener host '" + l.host + "': " + ec.message());
  return results.begin()->endpoint();
}

} // namespace

server::server(caf::actor_system& sys, node_actor node, const broker_config& config)
  : sys_(sys), node_(std::move(node)), config_(config),
    budget_(std::make_shared<request_budget>(config.queued_max_request_bytes)) {}

server::~server() {
  stop();
}

void server::start() {
  for (auto& l : config_.listeners) {
    auto ep = resolve(ioc_, l);
    // Each acceptor gets its own strand: its handler re-arms async_accept while stop() closes it.
    auto acc = std::make_unique<tcp::acceptor>(asio::make_strand(ioc_));
    error_code ec;
    acc->open(ep.protocol(), ec);
    if (!ec)
      acc->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acc->bind(ep, ec);
    if (!ec)
      acc->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + l.name + "://" + l.host + ":"
                               + std::to_string(l.port) + ": " + ec.message());
    endpoints_.push_back(acc->local_endpoint());
    acceptors_.push_back(std::move(acc));
  }
  for (size_t i = 0; i < acceptors_.size(); ++i)
    accept(i);
  work_.emplace(ioc_.get_executor());
  auto n = std::max(1, config_.num_network_threads);
  for (int i = 0; i < n; ++i)
    threads_.emplace_back([this] {
      // A handler that throws must not take the whole broker down with it.
      for (;;) {
        try {
          ioc_.run();
          return;
        } catch (const std::exception& e) {
          CAFKA_ERROR("net", "uncaught exception on an I/O thread: " << e.what());
        }
      }
    });
}

std::vector<tcp::endpoint> server::local_endpoints() const {
  return endpoints_;
}

void server::accept(size_t index) {
  auto& acc = *acceptors_[index];
  // The socket lands on its own strand: all of one connection's work is serialized there.
  acc.async_accept(asio::make_strand(ioc_), [this, index](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptors_[index]->is_open())
      return;
    if (ec) {
      // E.g. EMFILE: keep listening; the client sees a reset and retries.
      CAFKA_WARN("net", "accept failed: " << ec.message());
    } else {
      on_accepted(std::move(socket));
    }
    accept(index);
  });
}

void server::on_accepted(tcp::socket socket) {
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  auto conn = std::make_shared<connection>(std::move(socket), config_.socket_request_max_bytes,
                                           static_cast<size_t>(config_.queued_max_requests),
                                           budget_);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopping_) {
      conn->close("broker shutting down");
      return;
    }
    // Forget sessions whose connection object is gone: their bridge no longer holds it.
    sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                   [](const session& s) { return s.conn.expired(); }),
                    sessions_.end());
    auto b = sys_.spawn(bridge, frame_sink_ptr{conn}, node_, &config_);
    sessions_.push_back(session{conn, b});
    conn->start(std::move(b));
  }
}

void server::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  std::vector<session> sessions;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
    sessions = sessions_;
  }
  // 1. Stop accepting.
  for (auto& acc : acceptors_)
    asio::post(acc->get_executor(), [a = acc.get()] {
      error_code ignored;
      a->close(ignored);
    });
  // 2. Close sessions; 3. stop their bridge actors and wait until they are gone, so no bridge
  // holds a connection (and thus a socket) once the io_context goes away.
  {
    caf::scoped_actor self{sys_};
    size_t waiting = 0;
    for (auto& s : sessions) {
      if (auto c = s.conn.lock())
        c->close("broker shutting down");
      if (s.bridge) {
        self->monitor(s.bridge);
        caf::anon_send_exit(s.bridge, caf::exit_reason::user_shutdown);
        ++waiting;
      }
    }
    bool timed_out = false;
    for (size_t i = 0; i < waiting && !timed_out; ++i)
      self->receive([](const caf::down_msg&) {},
                    caf::after(bridge_shutdown_timeout) >> [&] { timed_out = true; });
    if (timed_out)
      CAFKA_WARN("net", "some connection actors did not stop within "
                          << bridge_shutdown_timeout.count() << " s");
  }
  // 4. Join the I/O threads: with acceptors and sockets closed, run() returns once the
  // aborted operations have completed.
  work_.reset();
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  std::lock_guard<std::mutex> guard{mtx_};
  sessions_.clear();
}

} // namespace cafka::net
