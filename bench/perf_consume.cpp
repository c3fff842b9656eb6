// cafka-perf consume: one consumer assigned every partition of the topic (no consumer group:
// this measures fetch, not group coordination), reading --count records. Throughput is counted
// from the first record to the last; end-to-end latency = arrival wall time - record timestamp
// (CreateTime set by the producer; ms resolution; meaningful only with a concurrent producer,
// e.g. --from-end while a `cafka-perf produce` runs). Note: librdkafka's mock cluster keeps only
// ~5 MB per partition (~40k records of 100 B), so `consume --mock` is no ceiling for big counts.
#include "perf_common.hpp"

#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

namespace cafka::perf {

namespace {

int partition_count(rd_kafka_t* rk, const std::string& topic, int timeout_s) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  int n = -1;
  auto deadline = now_ns() + int64_t{timeout_s} * 1000000000;
  while (n <= 0 && now_ns() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
        n = md->topics[0].partition_cnt;
      rd_kafka_metadata_destroy(md);
    }
    if (n <= 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  rd_kafka_topic_destroy(rkt);
  return n;
}

} // namespace

int run_consume(const options& opts, const std::string& bootstrap) {
  if (opts.prefill) {
    std::cerr << "cafka-perf: prefilling " << opts.count << " records\n";
    if (run_produce(opts, bootstrap, true) != 0)
      die("prefill failed");
  }
  auto conf = base_conf(opts, bootstrap);
  conf_set(conf.get(), "group.id", "cafka-perf"); // required by rd_kafka_new; never joined
  conf_set(conf.get(), "enable.auto.commit", "false");
  conf_set(conf.get(), "enable.auto.offset.store", "false");
  conf_set(conf.get(), "enable.partition.eof", "false");
  conf_set(conf.get(), "auto.offset.reset", "earliest");
  for (auto& [k, v] : opts.extra)
    conf_set(conf.get(), k, v);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.release(), err, sizeof err);
  if (!rk)
    die(std::string{"rd_kafka_new: "} + err);
  rd_kafka_poll_set_consumer(rk);
  int parts = partition_count(rk, opts.topic, opts.timeout_s);
  if (parts <= 0)
    die("topic " + opts.topic + " not found");
  auto* list = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; ++p)
    rd_kafka_topic_partition_list_add(list, opts.topic.c_str(), p)->offset =
      opts.from_end ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
  if (auto e = rd_kafka_assign(rk, list))
    die(std::string{"assign: "} + rd_kafka_err2str(e));
  rd_kafka_topic_partition_list_destroy(list);
  auto* queue = rd_kafka_queue_get_consumer(rk);

  const auto mib = 1024.0 * 1024.0;
  std::vector<rd_kafka_message_t*> msgs(10000);
  histogram e2e;
  int64_t received = 0, bytes = 0, errors = 0;
  int64_t first_ns = 0, last_ns = 0, last_record_ns = now_ns();
  const int64_t start = now_ns();
  int64_t last_t = start, last_received = 0;
  while (received < opts.count) {
    auto n = rd_kafka_consume_batch_queue(queue, 100, msgs.data(), msgs.size());
    auto t = now_ns();
    if (n > 0) {
      auto wall = wall_ms();
      for (ssize_t i = 0; i < n; ++i) {
        auto* m = msgs[static_cast<size_t>(i)];
        if (m->err) {
          if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && errors++ == 0)
            std::cerr << "cafka-perf: consume error: " << rd_kafka_message_errstr(m) << "\n";
        } else {
          if (received == 0)
            first_ns = t;
          ++received;
          bytes += static_cast<int64_t>(m->len);
          auto ts = rd_kafka_message_timestamp(m, nullptr);
          if (ts > 0)
            e2e.record((wall - ts) * 1000);
        }
        rd_kafka_message_destroy(m);
      }
      last_ns = last_record_ns = t;
    } else if (t - last_record_ns > int64_t{opts.timeout_s} * 1000000000) {
      std::cerr << "cafka-perf: no records for " << opts.timeout_s << " s, stopping\n";
      break;
    }
    if (opts.progress_ms > 0 && t - last_t >= int64_t{opts.progress_ms} * 1000000) {
      double rps = double(received - last_received) / (double(t - last_t) / 1e9);
      std::fprintf(stderr, "consume %6.1fs  %10.0f rec/s  %8.1f MB/s  received %" PRId64 "\n",
                   double(t - start) / 1e9, rps, rps * opts.record_size / mib, received);
      last_t = t;
      last_received = received;
    }
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);

  double elapsed = received > 1 ? double(last_ns - first_ns) / 1e9 : 0.0;
  double rps = elapsed > 0 ? double(received) / elapsed : 0.0;
  double mbps = elapsed > 0 ? double(bytes) / mib / elapsed : 0.0;
  json_line j;
  j.add("mode", "consume")
    .add("target", opts.mock ? "mock" : "broker")
    .add("label", opts.label)
    .add("bootstrap", bootstrap)
    .add("topic", opts.topic)
    .add("record_size", opts.record_size)
    .add("count", opts.count)
    .add("partitions", parts)
    .add("received", received)
    .add("errors", errors)
    .add("elapsed_s", elapsed)
    .add("total_s", double(now_ns() - start) / 1e9)
    .add("records_per_s", rps)
    .add("mb_per_s", mbps);
  add_latency(j, "e2e", e2e);
  std::cout << j.str() << std::endl;
  return received >= opts.count && errors == 0 ? 0 : 1;
}

} // namespace cafka::perf
