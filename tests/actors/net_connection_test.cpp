// A real connection on a loopback socket with a tiny queued.max.request.bytes budget: it stops
// reading when the budget is exhausted and resumes when an answer gives bytes back. The
// io_context runs on the test thread (run_one), so every step happens in a known order; the
// "bridge" is an actor that reports each frame it receives to the test.
#include "net/connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

using cafka::net::connection;
using cafka::net::request_budget;
using cafka::net::request_frame;

// Size prefix + `size` bytes of `fill`.
std::vector<char> wire_frame(uint32_t size, char fill) {
  std::vector<char> out{char(size >> 24), char(size >> 16), char(size >> 8), char(size)};
  out.insert(out.end(), size, fill);
  return out;
}

struct loopback {
  asio::io_context ioc;
  // Without it the io_context stops as soon as a paused connection has no operation pending,
  // and later run/poll calls would return at once.
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::socket client{ioc};
  std::shared_ptr<request_budget> budget;
  std::shared_ptr<connection> conn;

  loopback(int64_t budget_bytes, size_t max_requests) {
    tcp::acceptor acc{ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    client.connect(acc.local_endpoint());
    tcp::socket server{asio::make_strand(ioc)};
    acc.accept(server);
    budget = std::make_shared<request_budget>(budget_bytes);
    conn = std::make_shared<connection>(std::move(server), 1 << 20, max_requests, budget);
  }

  // Runs I/O handlers on this thread until `done()`; bounded so a bug fails instead of hanging.
  template <class Pred>
  bool drive(Pred done) {
    for (int i = 0; i < 1000 && !done(); ++i)
      ioc.run_one_for(100ms);
    return done();
  }

  // Runs every handler that is ready now (data already sitting in the socket included).
  void drain() {
    while (ioc.poll() > 0) {
    }
  }
};

} // namespace

TEST_CASE("connection pauses reading when the byte budget is exhausted and resumes on answers",
          "[net][budget]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor test{sys};
  // Stand-in bridge: tells the test the first byte of every frame it gets.
  auto bridge = sys.spawn([dest = caf::actor_cast<caf::actor>(test)](caf::event_based_actor*) {
    return caf::behavior{[dest](const request_frame& f) { caf::anon_send(dest, f.at(0)); }};
  });
  auto next_frame = [&] {
    char got = 0;
    test->receive([&](char c) { got = c; }, caf::after(10s) >> [] { FAIL("no frame"); });
    return got;
  };
  auto no_frame_yet = [&] {
    bool none = false;
    test->receive([](char) {}, caf::after(0ms) >> [&] { none = true; });
    return none;
  };

  loopback lb{100, 500};
  lb.conn->start(bridge);
  for (char fill : {'a', 'b', 'c'})
    asio::write(lb.client, asio::buffer(wire_frame(60, fill)));

  // 'a' (60 bytes) is admitted; 'b' does not fit (120 > 100) and waits in the budget.
  REQUIRE(lb.drive([&] { return lb.budget->waiting() == 1; }));
  CHECK(lb.budget->used() == 60);
  CHECK(next_frame() == 'a');
  CHECK(no_frame_yet());

  // Answering 'a' releases its 60 bytes: 'b' is read, then 'c' waits.
  lb.conn->deliver(wire_frame(4, 'x'));
  lb.drain();
  CHECK(next_frame() == 'b');
  CHECK(lb.budget->used() == 60);
  CHECK(lb.budget->waiting() == 1);
  CHECK(no_frame_yet());
  std::vector<char> answer(8);
  asio::read(lb.client, asio::buffer(answer));
  CHECK(answer == wire_frame(4, 'x'));

  // A request without response (acks=0) counts as answered too.
  lb.conn->completed(1);
  REQUIRE(lb.drive([&] { return lb.budget->waiting() == 0 && lb.budget->used() == 60; }));
  lb.drain(); // the granted read of 'c'
  CHECK(next_frame() == 'c');

  // Closing gives back everything the connection held.
  lb.conn->close("test over");
  REQUIRE(lb.drive([&] { return lb.budget->used() == 0; }));
  lb.drain();
  caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
}

TEST_CASE("connection stops at queued.max.requests unanswered requests", "[net][budget]") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor test{sys};
  auto bridge = sys.spawn([dest = caf::actor_cast<caf::actor>(test)](caf::event_based_actor*) {
    return caf::behavior{[dest](const request_frame& f) { caf::anon_send(dest, f.at(0)); }};
  });
  auto next_frame = [&] {
    char got = 0;
    test->receive([&](char c) { got = c; }, caf::after(10s) >> [] { FAIL("no frame"); });
    return got;
  };
  loopback lb{-1, 2};
  lb.conn->start(bridge);
  for (char fill : {'a', 'b', 'c'})
    asio::write(lb.client, asio::buffer(wire_frame(10, fill)));
  // Two requests in flight: the third stays in the socket until one is answered.
  REQUIRE(lb.drive([&] { return lb.budget->used() == 20; }));
  lb.drain();
  CHECK(lb.budget->used() == 20);
  CHECK(next_frame() == 'a');
  CHECK(next_frame() == 'b');
  bool none = false;
  test->receive([](char) {}, caf::after(0ms) >> [&] { none = true; });
  CHECK(none);
  // One answered (acks=0 style): 'a' gives back its bytes, 'c' is read.
  lb.conn->completed(1);
  lb.drain();
  CHECK(next_frame() == 'c');
  CHECK(lb.budget->used() == 20);
  lb.conn->close("test over");
  REQUIRE(lb.drive([&] { return lb.budget->used() == 0; }));
  lb.drain();
  caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
}
