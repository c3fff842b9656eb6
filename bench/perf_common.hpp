#pragma once
// cafka-perf shared pieces: command-line options, a latency histogram, clocks, JSON output, and
// librdkafka set-up helpers (configs, topic creation, the in-process mock cluster).
// Plain C++17 on librdkafka's C API; no cafka code (the tool measures the broker from outside).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cafka::perf {

struct options {
  std::string mode;                  // "produce" | "consume"
  std::string bootstrap = "127.0.0.1:9092";
  std::string topic = "cafka-perf";
  int record_size = 100;
  int64_t count = 1000000;           // records (total over all producers / to consume)
  int acks = 1;
  int producers = 1;
  int linger_ms = 5;
  int batch_size = 1000000;          // librdkafka batch.size (bytes)
  int batch_messages = 0;            // batch.num.messages (0: librdkafka's default)
  std::string compression = "none";
  int partitions = 0;                // > 0: create the topic with this many partitions first
  int replication_factor = 1;        // of that topic
  double rate = 0;                   // records/s over all producers; 0: unlimited
  bool mock = false;                 // in-process librdkafka mock cluster (the client's ceiling)
  bool prefill = false;              // consume: produce `count` records first (untimed)
  bool from_end = false;             // consume: start at the end (end-to-end latency with a
                                     // concurrent producer) instead of the beginning
  int timeout_s = 60;                // consume: give up after this long without a record
  int progress_ms = 1000;            // stderr progress interval; 0: none
  std::string label;                 // copied into the JSON line
  std::vector<std::pair<std::string, std::string>> extra;  // -X key=value (librdkafka config)
};

// Parses argv; on error or --help prints usage and returns false (exit code in `rc`).
bool parse_options(int argc, char** argv, options& opts, int& rc);

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Log-linear histogram of microsecond values (HdrHistogram-like, <0.8% relative error):
// exact below 256 µs, then 128 sub-buckets per power of two. Not thread-safe; merge per thread.
class histogram {
public:
  void record(int64_t us);
  void merge(const histogram& other);
  int64_t count() const { return total_; }
  int64_t max() const { return max_; }
  double mean() const { return total_ ? double(sum_) / double(total_) : 0.0; }
  // Value at quantile q in [0, 1] (upper bound of the bucket holding it, capped at max).
  int64_t quantile(double q) const;

private:
  static constexpr int buckets = 256 + 48 * 128;
  std::array<int64_t, buckets> counts_{};
  int64_t total_ = 0;
  int64_t sum_ = 0;
  int64_t max_ = 0;
};

// A flat JSON object written as one line, keys in insertion order.
class json_line {
public:
  json_line& add(const std::string& key, const std::string& value);
  json_line& add(const std::string& key, const char* value) { return add(key, std::string{value}); }
  json_line& add(const std::string& key, double value);
  json_line& add(const std::string& key, int64_t value);
  json_line& add(const std::string& key, int value) { return add(key, int64_t{value}); }
  json_line& add(const std::string& key, bool value);
  std::string str() const { return "{" + body_ + "}"; }

private:
  void key(const std::string& k);
  std::string body_;
};

void add_latency(json_line& j, const std::string& prefix, const histogram& h);

// An in-process librdkafka mock cluster with one broker, listening on 127.0.0.1. The same
// mechanism as test.mock.num.brokers=1, but shared by every client of this process, so several
// producers and a consumer see the same data.
class mock_cluster {
public:
  explicit mock_cluster(const options& opts);
  ~mock_cluster();
  const std::string& bootstrap() const { return bootstrap_; }
  void create_topic(const std::string& topic, int partitions);

private:
  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
};

using conf_ptr = std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)>;

// bootstrap.servers plus the -X extras; exits the process on a bad key.
conf_ptr base_conf(const options& opts, const std::string& bootstrap);
void conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value);

// CreateTopics through the admin API (TOPIC_ALREADY_EXISTS is fine). Returns false on errors.
bool create_topic(const options& opts, const std::string& bootstrap, const std::string& topic,
                  int partitions);

// Produce mode (perf_produce.cpp). `quiet`: no progress, no JSON (consume's prefill).
int run_produce(const options& opts, const std::string& bootstrap, bool quiet = false);
// Consume mode (perf_consume.cpp).
int run_consume(const options& opts, const std::string& bootstrap);

[[noreturn]] void die(const std::string& msg);

} // namespace cafka::perf
