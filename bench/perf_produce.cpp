// cafka-perf produce: N producer instances (one thread each) send fixed-size records as fast as
// librdkafka takes them (or at --rate), latency per record = delivery report time - enqueue time
// (the enqueue timestamp travels in the message's opaque pointer).
#include "perf_common.hpp"

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace cafka::perf {

namespace {

struct alignas(64) producer_ctx {
  rd_kafka_t* rk = nullptr;
  rd_kafka_topic_t* rkt = nullptr;
  int64_t quota = 0;                   // records this producer sends
  double rate = 0;                     // records/s for this producer (0: unlimited)
  std::atomic<int64_t> produced{0};    // written by the producer thread only
  std::atomic<int64_t> delivered{0};   // ditto (delivery reports run in rd_kafka_poll)
  std::atomic<int64_t> failed{0};
  std::atomic<bool> done{false};
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  histogram latency;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* ctx = static_cast<producer_ctx*>(opaque);
  if (m->err) {
    if (ctx->first_error == RD_KAFKA_RESP_ERR_NO_ERROR)
      ctx->first_error = m->err;
    ctx->failed.store(ctx->failed.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return;
  }
  auto enqueued = reinterpret_cast<intptr_t>(m->_private);
  ctx->latency.record((now_ns() - enqueued) / 1000);
  ctx->delivered.store(ctx->delivered.load(std::memory_order_relaxed) + 1,
                       std::memory_order_relaxed);
}

void producer_loop(producer_ctx& ctx, const std::vector<char>& payload) {
  const int64_t start = now_ns();
  const double ns_per_record = ctx.rate > 0 ? 1e9 / ctx.rate : 0;
  auto* data = const_cast<char*>(payload.data());
  for (int64_t i = 0; i < ctx.quota; ++i) {
    if (ns_per_record > 0) {
      auto due = start + static_cast<int64_t>(static_cast<double>(i) * ns_per_record);
      auto ahead = due - now_ns();
      if (ahead > 200000) {
        rd_kafka_poll(ctx.rk, 0);
        std::this_thread::sleep_for(std::chrono::nanoseconds(ahead));
      }
    }
    for (;;) {
      // msgflags 0: librdkafka neither copies nor frees the payload (it outlives the run).
      auto t = static_cast<intptr_t>(now_ns());
      if (rd_kafka_produce(ctx.rkt, RD_KAFKA_PARTITION_UA, 0, data, payload.size(), nullptr, 0,
                           reinterpret_cast<void*>(t))
          == 0)
        break;
      auto err = rd_kafka_last_error();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        die(std::string{"produce: "} + rd_kafka_err2str(err));
      rd_kafka_poll(ctx.rk, 1); // local queue full: serve delivery reports, then retry
    }
    ctx.produced.store(i + 1, std::memory_order_relaxed);
    if ((i & 1023) == 0)
      rd_kafka_poll(ctx.rk, 0);
  }
  while (rd_kafka_outq_len(ctx.rk) > 0)
    rd_kafka_poll(ctx.rk, 50);
  ctx.done.store(true);
}

struct totals {
  int64_t produced = 0, delivered = 0, failed = 0;
};

totals sum(const std::vector<std::unique_ptr<producer_ctx>>& ctxs) {
  totals t;
  for (auto& c : ctxs) {
    t.produced += c->produced.load(std::memory_order_relaxed);
    t.delivered += c->delivered.load(std::memory_order_relaxed);
    t.failed += c->failed.load(std::memory_order_relaxed);
  }
  return t;
}

} // namespace

int run_produce(const options& opts, const std::string& bootstrap, bool quiet) {
  std::vector<char> payload(static_cast<size_t>(opts.record_size));
  for (size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>('a' + i % 26);

  std::vector<std::unique_ptr<producer_ctx>> ctxs;
  for (int p = 0; p < opts.producers; ++p) {
    auto ctx = std::make_unique<producer_ctx>();
    ctx->quota = opts.count / opts.producers + (p < opts.count % opts.producers ? 1 : 0);
    ctx->rate = opts.rate / opts.producers;
    auto conf = base_conf(opts, bootstrap);
    // The tool's settings, then the -X extras again so that they win.
    conf_set(conf.get(), "acks", std::to_string(opts.acks));
    conf_set(conf.get(), "linger.ms", std::to_string(opts.linger_ms));
    conf_set(conf.get(), "batch.size", std::to_string(opts.batch_size));
    if (opts.batch_messages > 0)
      conf_set(conf.get(), "batch.num.messages", std::to_string(opts.batch_messages));
    conf_set(conf.get(), "compression.type", opts.compression);
    conf_set(conf.get(), "queue.buffering.max.messages", "1000000");
    for (auto& [k, v] : opts.extra)
      conf_set(conf.get(), k, v);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
    rd_kafka_conf_set_opaque(conf.get(), ctx.get());
    char err[512];
    ctx->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), err, sizeof err);
    if (!ctx->rk)
      die(std::string{"rd_kafka_new: "} + err);
    ctx->rkt = rd_kafka_topic_new(ctx->rk, opts.topic.c_str(), nullptr);
    ctxs.push_back(std::move(ctx));
  }

  const int64_t start = now_ns();
  std::vector<std::thread> threads;
  for (auto& c : ctxs)
    threads.emplace_back([&payload, ctx = c.get()] { producer_loop(*ctx, payload); });

  // Progress every progress_ms until every producer has all its delivery reports.
  auto all_done = [&] {
    for (auto& c : ctxs)
      if (!c->done.load())
        return false;
    return true;
  };
  int64_t last_t = start, last_delivered = 0;
  const auto mib = 1024.0 * 1024.0;
  while (!all_done()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(opts.progress_ms > 0 ? 10 : 50));
    auto t = now_ns();
    if (quiet || opts.progress_ms <= 0 || t - last_t < int64_t{opts.progress_ms} * 1000000)
      continue;
    auto s = sum(ctxs);
    double dt = double(t - last_t) / 1e9;
    double rps = double(s.delivered - last_delivered) / dt;
    std::fprintf(stderr,
                 "produce %6.1fs  %10.0f rec/s  %8.1f MB/s  delivered %" PRId64
                 "  in-flight %" PRId64 "  errors %" PRId64 "\n",
                 double(t - start) / 1e9, rps, rps * opts.record_size / mib, s.delivered,
                 s.produced - s.delivered - s.failed, s.failed);
    last_t = t;
    last_delivered = s.delivered;
  }
  for (auto& th : threads)
    th.join();
  const double elapsed = double(now_ns() - start) / 1e9;

  histogram all;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (auto& c : ctxs) {
    all.merge(c->latency);
    if (first_error == RD_KAFKA_RESP_ERR_NO_ERROR)
      first_error = c->first_error;
    rd_kafka_topic_destroy(c->rkt);
    rd_kafka_destroy(c->rk);
  }
  auto s = sum(ctxs);
  if (quiet)
    return s.failed == 0 ? 0 : 1;
  double rps = double(s.delivered) / elapsed;
  json_line j;
  j.add("mode", "produce")
    .add("target", opts.mock ? "mock" : "broker")
    .add("label", opts.label)
    .add("bootstrap", bootstrap)
    .add("topic", opts.topic)
    .add("record_size", opts.record_size)
    .add("count", opts.count)
    .add("producers", opts.producers)
    .add("acks", opts.acks)
    .add("linger_ms", opts.linger_ms)
    .add("batch_size", opts.batch_size)
    .add("compression", opts.compression)
    .add("partitions", opts.partitions)
    .add("rate_limit", opts.rate)
    .add("delivered", s.delivered)
    .add("errors", s.failed)
    .add("first_error", first_error ? rd_kafka_err2str(first_error) : "")
    .add("elapsed_s", elapsed)
    .add("records_per_s", rps)
    .add("mb_per_s", rps * opts.record_size / mib);
  add_latency(j, "latency", all);
  std::cout << j.str() << std::endl;
  if (s.failed > 0)
    std::cerr << "cafka-perf: " << s.failed << " records failed, first error: "
              << rd_kafka_err2str(first_error) << "\n";
  return s.failed == 0 && s.delivered == opts.count ? 0 : 1;
}

} // namespace cafka::perf
