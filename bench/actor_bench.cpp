// Actor-throughput benchmarks on CAF's real scheduler (2 workers, moderate sleep 0, as
// cafka-server runs): messages/s and bytes/s
//   - through a partition replica (produce_args → replica → detached log actor → page cache),
//   - through the connection bridge (request frames → decode → handler → replica → response frame
//     into a fake connection), ApiVersions and Produce,
//   - between two actor systems over CAF's middleman (loopback TCP), one-way std::vector<char>.
// Payloads: 100 B, 16 KiB, 1 MiB. A "message" is one record batch holding one record of that
// value size (1 MiB: 1 MiB - 256 B so the batch fits message.max.bytes). Requests are pipelined
// with a bounded window. Each benchmark is quick at --benchmark_min_time=0.001 (bench.actors_smoke).
#include "actors/logging.hpp"
#include "actors/spawn.hpp"
#include "net/bridge.hpp"
#include "net/protocol/header.hpp"
#include "net/protocol/messages.hpp"
#include "storage/batch_builder.hpp"

#include <benchmark/benchmark.h>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

using namespace cafka;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "cafka-actor-bench-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

struct bench_config : caf::actor_system_config {
  explicit bench_config(bool middleman = false) {
    set("scheduler.max-threads", size_t{2});
    set("work-stealing.moderate-sleep-duration", caf::timespan{0});
    set("logger.file-verbosity", caf::atom("quiet"));
    cafka::add_message_types(*this);
    if (middleman)
      load<caf::io::middleman>();
  }
};

// Window of requests in flight: ~64 MiB of payload, between 4 and 256 messages.
int64_t window_for(int64_t bytes) {
  return std::clamp<int64_t>((64 << 20) / std::max<int64_t>(bytes, 1), 4, 256);
}

std::vector<char> make_batch(int64_t payload) {
  storage::batch_builder b;
  std::string value(static_cast<size_t>(std::min<int64_t>(payload, (1 << 20) - 256)), 'v');
  b.add(std::nullopt, value, 1700000000000);
  return b.build();
}

// One node with a fresh log directory, shared by the replica and bridge benchmarks.
struct node_env {
  temp_dir dir;
  bench_config cfg;
  caf::actor_system sys{cfg};
  broker_config bcfg;
  node_actor node;
  int topics = 0;
  node_env() {
    bcfg.log_dirs = {dir.path.string()};
    bcfg.log_segment_bytes = 256 << 20;
    node = spawn_node(sys, bcfg);
  }
  ~node_env() {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
  }
  template <class Reply, class Handle, class... Ts>
  Reply ask(const Handle& h, Ts... xs) {
    caf::scoped_actor self{sys};
    Reply out;
    self->request(h, 30s, xs...).receive([&](Reply& r) { out = std::move(r); },
                                         [&](caf::error& e) {
                                           std::fprintf(stderr, "request failed: %s\n",
                                                        caf::to_string(e).c_str());
                                           std::abort();
                                         });
    return out;
  }
  // A fresh single-partition topic (bounded disk use: the previous one is deleted).
  std::pair<std::string, partition_replica_actor> fresh_topic() {
    if (topics > 0)
      ask<topic_result>(node, delete_topic_atom::value, "bench-" + std::to_string(topics));
    auto name = "bench-" + std::to_string(++topics);
    create_topic_args args;
    args.name = name;
    args.num_partitions = 1;
    if (ask<topic_result>(node, create_topic_atom::value, args).ec != errc::none)
      std::abort();
    auto route = ask<topic_route>(node, route_atom::value, name);
    return {name, route.replicas.at(0)};
  }
};

std::unique_ptr<node_env> the_env;
node_env& env() {
  if (!the_env)
    the_env = std::make_unique<node_env>();
  return *the_env;
}

constexpr int64_t rotate_bytes = 512 << 20;

void BM_replica_produce(benchmark::State& state) {
  auto& e = env();
  auto [topic, replica] = e.fresh_topic();
  const auto batch = make_batch(state.range(0));
  const int64_t window = window_for(state.range(0));
  caf::scoped_actor self{e.sys};
  int64_t inflight = 0, since_rotate = 0, failed = 0;
  auto receive_one = [&] {
    self->receive([&](produce_reply& r) { failed += r.ec != errc::none; });
    --inflight;
  };
  for (auto _ : state) {
    if (inflight == window)
      receive_one();
    // One copy per message: the log actor patches the batch in place (the broker's handler
    // moves the decoded request's bytes instead).
    self->send(replica, produce_atom::value, produce_args{batch, 1, 30000});
    ++inflight;
    if ((since_rotate += static_cast<int64_t>(batch.size())) > rotate_bytes) {
      state.PauseTiming();
      while (inflight > 0)
        receive_one();
      std::tie(topic, replica) = e.fresh_topic();
      since_rotate = 0;
      state.ResumeTiming();
    }
  }
  while (inflight > 0)
    receive_one();
  if (failed)
    state.SkipWithError("produce failed");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}
BENCHMARK(BM_replica_produce)->Arg(100)->Arg(16 << 10)->Arg(1 << 20)->UseRealTime();

// A connection double: counts response frames and lets the benchmark thread wait for them.
struct counting_sink : net::frame_sink {
  std::mutex mtx;
  std::condition_variable cv;
  int64_t answered = 0;
  std::string peer_name = "bench:1";
  std::atomic<bool> finished{false}; // set before the benchmark stops the bridge
  void deliver(net::response_frame) override { bump(1); }
  void completed(size_t n) override { bump(static_cast<int64_t>(n)); }
  void close(std::string reason) override {
    if (finished)
      return;
    std::fprintf(stderr, "bridge closed the connection: %s\n", reason.c_str());
    std::abort();
  }
  const std::string& peer() const override { return peer_name; }
  void bump(int64_t n) {
    std::lock_guard<std::mutex> guard{mtx};
    answered += n;
    cv.notify_one();
  }
  void wait_for(int64_t n) {
    std::unique_lock<std::mutex> guard{mtx};
    cv.wait(guard, [&] { return answered >= n; });
  }
};

// Request frame without the size prefix (what the connection hands to the bridge).
template <class Request>
std::vector<char> request_frame(const Request& req, int16_t version) {
  std::vector<char> out;
  protocol::writer w{out};
  protocol::write_request_header(w, {Request::api_key, version, 1, std::string{"bench"}});
  req.encode(w, version);
  return out;
}

// Sends `frame` once per iteration to a fresh bridge, `window` requests in flight.
void run_bridge(benchmark::State& state, const std::vector<char>& frame, int64_t window,
                int64_t payload_bytes) {
  auto& e = env();
  auto sink = std::make_shared<counting_sink>();
  auto bridge = e.sys.spawn(net::bridge, net::frame_sink_ptr{sink}, e.node, &e.bcfg);
  int64_t sent = 0;
  for (auto _ : state) {
    if (sent - window >= 0)
      sink->wait_for(sent - window + 1);
    caf::anon_send(bridge, frame);
    ++sent;
  }
  sink->wait_for(sent);
  sink->finished = true;
  caf::anon_send_exit(bridge, caf::exit_reason::user_shutdown);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * payload_bytes);
}

void BM_bridge_api_versions(benchmark::State& state) {
  protocol::api_versions_request req;
  auto frame = request_frame(req, 2);
  run_bridge(state, frame, 256, static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_bridge_api_versions)->UseRealTime();

void BM_bridge_produce(benchmark::State& state) {
  auto [topic, replica] = env().fresh_topic();
  protocol::produce_request req;
  req.acks = 1;
  req.timeout_ms = 30000;
  req.topic_data.resize(1);
  req.topic_data[0].name = topic;
  req.topic_data[0].partition_data.resize(1);
  req.topic_data[0].partition_data[0].records = make_batch(state.range(0));
  auto frame = request_frame(req, 7);
  // No topic rotation here: at most ~1 GiB lands in the temp dir per run.
  run_bridge(state, frame, window_for(state.range(0)), static_cast<int64_t>(frame.size()));
}
BENCHMARK(BM_bridge_produce)->Arg(100)->Arg(16 << 10)->Arg(1 << 20)->UseRealTime();

// ---- middleman: two actor systems in one process, loopback TCP --------------------------------

using done_atom = caf::atom_constant<caf::atom("done")>;

caf::behavior byte_sink(caf::event_based_actor*) {
  auto received = std::make_shared<int64_t>(0);
  return {
    [received](const std::vector<char>& v) { *received += static_cast<int64_t>(v.size()); },
    [received](done_atom) { return *received; },
  };
}

struct middleman_env {
  bench_config server_cfg{true}, client_cfg{true};
  caf::actor_system server{server_cfg}, client{client_cfg};
  caf::actor sink_local, sink_remote;
  middleman_env() {
    sink_local = server.spawn(byte_sink);
    auto port = server.middleman().publish(sink_local, 0, "127.0.0.1", true);
    if (!port)
      std::abort();
    auto remote = client.middleman().remote_actor("127.0.0.1", *port);
    if (!remote)
      std::abort();
    sink_remote = *remote;
  }
  ~middleman_env() {
    caf::anon_send_exit(sink_local, caf::exit_reason::user_shutdown);
    sink_remote = nullptr;
  }
};

std::unique_ptr<middleman_env> the_mm;

void BM_middleman_one_way(benchmark::State& state) {
  if (!the_mm)
    the_mm = std::make_unique<middleman_env>();
  auto& mm = *the_mm;
  const std::vector<char> payload(static_cast<size_t>(state.range(0)), 'p');
  const int64_t sync_every = window_for(state.range(0)) * 4;
  caf::scoped_actor self{mm.client};
  auto sync = [&] {
    self->request(mm.sink_remote, 30s, done_atom::value)
      .receive([](int64_t) {}, [](caf::error&) { std::abort(); });
  };
  int64_t n = 0;
  for (auto _ : state) {
    self->send(mm.sink_remote, payload);
    if (++n % sync_every == 0)
      sync(); // flow control: the middleman queues without bound
  }
  sync(); // the final ack: everything arrived
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_middleman_one_way)->Arg(100)->Arg(16 << 10)->Arg(1 << 20)->UseRealTime();

} // namespace

int main(int argc, char** argv) {
  cafka::set_log_level(cafka::log_level::warn); // no INFO line per topic created/deleted
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  the_mm.reset();
  the_env.reset(); // stops the node (logs close cleanly), then the actor system
  return 0;
}
