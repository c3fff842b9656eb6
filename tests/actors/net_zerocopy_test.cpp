// Zero-copy Fetch on the wire: a real connection on a loopback socket writes response frames whose
// record bytes are slices of a segment mapping (response_frame) with one gather write. What the
// client reads must be byte for byte the flattened frames, in order, even when the segment files
// are gone before the write runs; byte accounting (queued.max.request.bytes) is unchanged.
#include "net/connection.hpp"
#include "net/handler.hpp"
#include "net/protocol/generated/fetch_response.hpp"
#include "storage/batch_builder.hpp"
#include "storage/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using namespace cafka;

namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cafka-zc-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A log with a few small segments; returns it with every batch as appended.
std::unique_ptr<storage::log> filled_log(const std::filesystem::path& dir,
                                         std::vector<std::vector<char>>& batches) {
  storage::log_config cfg;
  cfg.dir = dir;
  cfg.segment_bytes = 2048;
  std::error_code ec;
  auto l = storage::log::open(cfg, ec);
  REQUIRE_FALSE(ec);
  for (int i = 0; i < 20; ++i) {
    storage::batch_builder b;
    for (int r = 0; r < 4; ++r)
      b.add("key-" + std::to_string(r), std::string(100 + i, char('a' + i % 26)), 1000 + i);
    auto batch = b.build();
    REQUIRE_FALSE(l->append(batch.data(), batch.size(), 0).ec);
    batches.push_back(std::move(batch));
  }
  REQUIRE(l->segment_count() > 2);
  return l;
}

// A response frame like request_context::respond builds for Fetch: size, header bytes, records
// (spliced), trailing bytes.
net::response_frame frame_with(const std::vector<storage::record_bytes>& parts, int32_t id) {
  net::response_frame f;
  protocol::writer w{f.bytes, &f.slices};
  w.write_int32(0);
  w.write_int32(id); // correlation id
  for (const auto& records : parts) {
    w.write_records(records);
    w.write_int16(0x7e7e); // bytes between two slices
  }
  protocol::patch_frame_size(f.bytes, w.size() - f.bytes.size());
  return f;
}

std::vector<char> read_exactly(tcp::socket& s, size_t n) {
  std::vector<char> out(n);
  asio::read(s, asio::buffer(out));
  return out;
}

} // namespace

TEST_CASE("connection writes frames with record slices byte-exact, in order",
          "[net][zerocopy]") {
  temp_dir tmp;
  std::vector<std::vector<char>> batches;
  auto log = filled_log(tmp.path / "t-0", batches);
  auto first = log->read(0, 1 << 20);   // the first segment
  auto middle = log->read(30, 500);     // from a later segment
  auto last = log->read(log->log_end_offset() - 1, 1);
  for (auto* r : {&first, &middle, &last}) {
    REQUIRE_FALSE(r->ec);
    REQUIRE(r->records.has_slices());
  }
  std::vector<net::response_frame> frames;
  frames.push_back(frame_with({first.records, middle.records}, 1));
  frames.push_back(std::vector<char>{0, 0, 0, 4, 0, 0, 0, 2}); // a plain frame in between
  frames.push_back(frame_with({last.records, storage::record_bytes{}, first.records}, 3));
  REQUIRE(frames[0].slices.size() == 2);
  std::vector<char> expected;
  for (const auto& f : frames) {
    auto flat = f.flatten();
    expected.insert(expected.end(), flat.begin(), flat.end());
  }
  // The records are inside the expected bytes, verbatim.
  auto first_bytes = first.records.flatten();
  REQUIRE(std::search(expected.begin(), expected.end(), first_bytes.begin(), first_bytes.end())
          != expected.end());

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor test{sys};
  auto bridge = sys.spawn([dest = caf::actor_cast<caf::actor>(test)](caf::event_based_actor*) {
    return caf::behavior{[dest](const net::request_frame& f) { caf::anon_send(dest, f.at(0)); }};
  });

  asio::io_context ioc;
  auto work = asio::make_work_guard(ioc);
  tcp::acceptor acc{ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
  tcp::socket client{ioc};
  client.connect(acc.local_endpoint());
  tcp::socket server{asio::make_strand(ioc)};
  acc.accept(server);
  auto budget = std::make_shared<net::request_budget>(1 << 20);
  auto conn = std::make_shared<net::connection>(std::move(server), 1 << 20, 100, budget);
  conn->start(bridge);

  // Three requests, so the three answers each give back one request's bytes.
  for (char c : {'a', 'b', 'c'}) {
    std::vector<char> req{0, 0, 0, 10};
    req.insert(req.end(), 10, c);
    asio::write(client, asio::buffer(req));
  }
  for (int got = 0; got < 3;) {
    ioc.run_one_for(100ms);
    test->receive([&](char) { ++got; }, caf::after(0ms) >> [] {});
  }
  CHECK(budget->used() == 30);

  // The log and its files go before anything is written: the frames keep the mappings alive.
  REQUIRE_FALSE(log->remove());
  log.reset();
  first = {};
  middle = {};
  last = {};
  for (auto& f : frames)
    conn->deliver(std::move(f));
  std::vector<char> received;
  std::atomic<bool> finished{false};
  std::thread reader{[&] {
    received = read_exactly(client, expected.size());
    finished = true;
  }};
  for (int i = 0; i < 1000 && !finished; ++i)
    ioc.run_one_for(10ms);
  if (!finished)
    client.close(); // fail instead of hanging
  reader.join();
  CHECK(received == expected);
  CHECK(budget->used() == 0);

  conn->close("test over");
  ioc.poll();
  caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
}

TEST_CASE("request_context::respond leaves Fetch records as slices of the frame",
          "[net][zerocopy]") {
  temp_dir tmp;
  std::vector<std::vector<char>> batches;
  auto log = filled_log(tmp.path / "t-0", batches);
  auto read = log->read(0, 1 << 20);
  REQUIRE_FALSE(read.ec);

  protocol::fetch_response resp;
  auto& part = resp.responses.emplace_back().partitions.emplace_back();
  part.records = read.records;
  part.aborted_transactions.emplace();

  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  broker_config config;
  net::response_frame got;
  auto done = [&got](net::response_frame f, bool) { got = std::move(f); };
  protocol::request_header header;
  header.api_key = 1;
  header.api_version = 11;
  header.correlation_id = 7;
  net::request_context ctx{nullptr, node_actor{}, config, header, done};
  ctx.respond(resp);
  REQUIRE(got.slices.size() == 1);
  CHECK(got.slices[0].slice.data == read.records.slices()[0].data); // not a copy

  std::vector<char> copied{0, 0, 0, 0};
  protocol::writer w{copied};
  protocol::write_response_header(w, header);
  auto owned = resp;
  owned.responses[0].partitions[0].records = read.records.flatten();
  owned.encode(w, header.api_version);
  protocol::patch_frame_size(copied);
  CHECK(got.flatten() == copied);
}
