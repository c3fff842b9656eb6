#pragma once
// The Kafka listener: one Asio io_context run by num.network.threads threads, one acceptor per
// listener, one connection + one bridge actor per accepted socket.
// Shutdown (stop(), NOTES.md order): stop accepting, close every session, wait until every
// bridge actor has terminated (so nothing touches a socket any more), join the I/O threads; the
// io_context dies with the server. The node actor is the caller's business afterwards.
#include "actors/actors.hpp"
#include "config/broker_config.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace cafka::net {

class connection;
class request_budget;

class server {
public:
  // `config` must outlive the server (handlers keep a reference to it).
  server(caf::actor_system& sys, node_actor node, const broker_config& config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds every listener and starts the I/O threads. Throws std::runtime_error naming the
  // listener when a bind fails (port in use, bad host).
  void start();

  // The bound addresses, in listener order (port 0 in the config shows the chosen port here).
  std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;

  // Idempotent; blocks the calling thread, so never call it from an I/O thread or an actor.
  void stop();

private:
  struct session {
    std::weak_ptr<connection> conn;  // expired: socket gone and bridge gone
    caf::actor bridge;
  };

  void accept(size_t index);
  void on_accepted(boost::asio::ip::tcp::socket socket);

  caf::actor_system& sys_;
  node_actor node_;
  const broker_config& config_;
  // queued.max.request.bytes, shared by every connection; connections keep it alive.
  std::shared_ptr<request_budget> budget_;
  // Declared before everything holding sockets or handlers, so it is destroyed last.
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<boost::asio::ip::tcp::endpoint> endpoints_;
  std::vector<std::thread> threads_;
  std::mutex mtx_;              // guards sessions_ and stopping_ (accepts run on many threads)
  std::vector<session> sessions_;
  bool stopping_ = false;
  bool stopped_ = false;
};

} // namespace cafka::net
