#include "perf_common.hpp"


#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

namespace cafka::perf {

namespace {

constexpr const char* usage =
  "usage: cafka-perf produce|consume [options]\n"
  "  --bootstrap HOST:PORT   broker to talk to (default 127.0.0.1:9092)\n"
  "  --mock                  use librdkafka's in-process mock cluster (1 broker) instead:\n"
  "                          the client's own ceiling on this machine\n"
  "  --topic NAME            (default cafka-perf)\n"
  "  --count N               records to produce / consume (default 1000000)\n"
  "  --record-size BYTES     value size (default 100)\n"
  "  --partitions P          create the topic with P partitions first (admin API)\n"
  "  --replication-factor R  replicas of that topic (default 1)\n"
  "produce:\n"
  "  --acks 0|1|-1           (default 1)\n"
  "  --producers N           producer instances, one thread each (default 1)\n"
  "  --linger-ms MS          (default 5)\n"
  "  --batch-size BYTES      librdkafka batch.size (default 1000000)\n"
  "  --batch-messages N      librdkafka batch.num.messages (default: librdkafka's)\n"
  "  --compression C         none|gzip|snappy|lz4|zstd (default none)\n"
  "  --rate R                records/s over all producers (default: unlimited)\n"
  "consume:\n"
  "  --prefill               produce --count records first (not timed)\n"
  "  --from-end              start at the log end (run a producer concurrently: end-to-end\n"
  "                          latency); default: from the beginning\n"
  "  --timeout-s S           stop after S seconds without records (default 60)\n"
  "common:\n"
  "  -X KEY=VALUE            extra librdkafka property (repeatable)\n"
  "  --progress-ms MS        progress line interval on stderr, 0 = none (default 1000)\n"
  "  --label TEXT            copied into the JSON result line\n"
  "Prints progress lines on stderr and one JSON result line on stdout.\n";

template <class T>
bool parse_num(const char* s, T& out) {
  char* end = nullptr;
  errno = 0;
  if constexpr (std::is_floating_point_v<T>) {
    out = static_cast<T>(std::strtod(s, &end));
  } else {
    long long v = std::strtoll(s, &end, 10);
    out = static_cast<T>(v);
  }
  return errno == 0 && end && *end == '\0' && end != s;
}

} // namespace

void die(const std::string& msg) {
  std::cerr << "cafka-perf: " << msg << "\n";
  std::exit(1);
}

bool parse_options(int argc, char** argv, options& o, int& rc) {
  rc = 2;
  if (argc < 2) {
    std::cerr << usage;
    return false;
  }
  o.mode = argv[1];
  if (o.mode == "--help" || o.mode == "-h") {
    std::cout << usage;
    rc = 0;
    return false;
  }
  if (o.mode != "produce" && o.mode != "consume") {
    std::cerr << "cafka-perf: unknown mode '" << o.mode << "'\n" << usage;
    return false;
  }
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "cafka-perf: " << a << " needs a value\n";
        return nullptr;
      }
      return argv[++i];
    };
    auto num = [&](auto& out) {
      auto v = value();
      if (!v || !parse_num(v, out) || out < 0) {
        std::cerr << "cafka-perf: bad value for " << a << "\n";
        return false;
      }
      return true;
    };
    bool ok = true;
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      rc = 0;
      return false;
    } else if (a == "--bootstrap") {
      auto v = value();
      ok = v && (o.bootstrap = v, true);
    } else if (a == "--topic") {
      auto v = value();
      ok = v && (o.topic = v, true);
    } else if (a == "--compression") {
      auto v = value();
      ok = v && (o.compression = v, true);
    } else if (a == "--label") {
      auto v = value();
      ok = v && (o.label = v, true);
    } else if (a == "--acks") {
      auto v = value();
      ok = v && parse_num(v, o.acks) && (o.acks == 0 || o.acks == 1 || o.acks == -1);
    } else if (a == "--record-size") ok = num(o.record_size);
    else if (a == "--count") ok = num(o.count);
    else if (a == "--producers") ok = num(o.producers) && o.producers >= 1;
    else if (a == "--linger-ms") ok = num(o.linger_ms);
    else if (a == "--batch-size") ok = num(o.batch_size);
    else if (a == "--batch-messages") ok = num(o.batch_messages);
    else if (a == "--partitions") ok = num(o.partitions);
    else if (a == "--replication-factor") ok = num(o.replication_factor);
    else if (a == "--rate") ok = num(o.rate);
    else if (a == "--timeout-s") ok = num(o.timeout_s);
    else if (a == "--progress-ms") ok = num(o.progress_ms);
    else if (a == "--mock") o.mock = true;
    else if (a == "--prefill") o.prefill = true;
    else if (a == "--from-end") o.from_end = true;
    else if (a == "-X") {
      auto v = value();
      const char* eq = v ? std::strchr(v, '=') : nullptr;
      ok = eq != nullptr;
      if (ok)
        o.extra.emplace_back(std::string(v, eq), std::string(eq + 1));
    } else {
      std::cerr << "cafka-perf: unknown option " << a << "\n" << usage;
      return false;
    }
    if (!ok) {
      std::cerr << "cafka-perf: bad value for " << a << "\n";
      return false;
    }
  }
  return true;
}

// ---- histogram ------------------------------------------------------------------------------

namespace {

int bucket_of(int64_t v) {
  if (v < 0)
    v = 0;
  if (v < 256)
    return static_cast<int>(v);
  int b = 63 - __builtin_clzll(static_cast<unsigned long long>(v));
  if (b > 8 + 47)
    return 256 + 48 * 128 - 1;
  int shift = b - 7;
  int top = static_cast<int>(v >> shift);
  return 256 + (b - 8) * 128 + (top - 128);
}

int64_t upper_of(int idx) {
  if (idx < 256)
    return idx;
  int g = (idx - 256) / 128, sub = (idx - 256) % 128;
  int shift = g + 8 - 7;
  return ((static_cast<int64_t>(sub + 128) + 1) << shift) - 1;
}

} // namespace

void histogram::record(int64_t us) {
  ++counts_[static_cast<size_t>(bucket_of(us))];
  ++total_;
  sum_ += us;
  max_ = std::max(max_, us);
}

void histogram::merge(const histogram& o) {
  for (size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += o.counts_[i];
  total_ += o.total_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
}

int64_t histogram::quantile(double q) const {
  if (total_ == 0)
    return 0;
  auto rank = static_cast<int64_t>(std::ceil(q * static_cast<double>(total_)));
  rank = std::clamp<int64_t>(rank, 1, total_);
  int64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::min(upper_of(static_cast<int>(i)), max_);
  }
  return max_;
}

// ---- JSON -----------------------------------------------------------------------------------

void json_line::key(const std::string& k) {
  if (!body_.empty())
    body_ += ",";
  body_ += "\"" + k + "\":";
}

json_line& json_line::add(const std::string& k, const std::string& v) {
  key(k);
  body_ += "\"";
  for (char c : v) {
    if (c == '"' || c == '\\')
      body_ += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      body_ += buf;
      continue;
    }
    body_ += c;
  }
  body_ += "\"";
  return *this;
}

json_line& json_line::add(const std::string& k, double v) {
  key(k);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", std::isfinite(v) ? v : 0.0);
  body_ += buf;
  return *this;
}

json_line& json_line::add(const std::string& k, int64_t v) {
  key(k);
  body_ += std::to_string(v);
  return *this;
}

json_line& json_line::add(const std::string& k, bool v) {
  key(k);
  body_ += v ? "true" : "false";
  return *this;
}

void add_latency(json_line& j, const std::string& p, const histogram& h) {
  j.add(p + "_avg_ms", h.mean() / 1000.0)
    .add(p + "_p50_ms", double(h.quantile(0.5)) / 1000.0)
    .add(p + "_p99_ms", double(h.quantile(0.99)) / 1000.0)
    .add(p + "_p999_ms", double(h.quantile(0.999)) / 1000.0)
    .add(p + "_max_ms", double(h.max()) / 1000.0);
}

// ---- librdkafka helpers ---------------------------------------------------------------------

void conf_set(rd_kafka_conf_t* conf, const std::string& k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
    die("config " + k + "=" + v + ": " + err);
}

conf_ptr base_conf(const options& opts, const std::string& bootstrap) {
  conf_ptr conf{rd_kafka_conf_new(), rd_kafka_conf_destroy};
  conf_set(conf.get(), "bootstrap.servers", bootstrap);
  conf_set(conf.get(), "client.id", "cafka-perf");
  for (auto& [k, v] : opts.extra)
    conf_set(conf.get(), k, v);
  return conf;
}

bool create_topic(const options& opts, const std::string& bootstrap, const std::string& topic,
                  int partitions) {
  auto conf = base_conf(opts, bootstrap);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), err, sizeof err);
  if (!rk)
    die(std::string{"rd_kafka_new: "} + err);
  auto* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, opts.replication_factor, err,
                                   sizeof err);
  auto* q = rd_kafka_queue_new(rk);
  auto* aopts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(aopts, 10000, err, sizeof err);
  rd_kafka_CreateTopics(rk, &nt, 1, aopts, q);
  bool ok = false;
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (!ev) {
    std::cerr << "cafka-perf: CreateTopics timed out\n";
  } else if (rd_kafka_event_error(ev)) {
    std::cerr << "cafka-perf: CreateTopics: " << rd_kafka_event_error_string(ev) << "\n";
  } else {
    size_t n = 0;
    auto* res = rd_kafka_event_CreateTopics_result(ev);
    auto** topics = rd_kafka_CreateTopics_result_topics(res, &n);
    ok = true;
    for (size_t i = 0; i < n; ++i) {
      auto e = rd_kafka_topic_result_error(topics[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        std::cerr << "cafka-perf: CreateTopics " << topic << ": " << rd_kafka_err2str(e) << "\n";
        ok = false;
      }
    }
  }
  if (ev)
    rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(aopts);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return ok;
}

mock_cluster::mock_cluster(const options& opts) {
  conf_ptr conf{rd_kafka_conf_new(), rd_kafka_conf_destroy};
  conf_set(conf.get(), "log_level", "3");
  char err[512];
  owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf.release(), err, sizeof err);
  if (!owner_)
    die(std::string{"rd_kafka_new (mock owner): "} + err);
  cluster_ = rd_kafka_mock_cluster_new(owner_, 1);
  if (!cluster_)
    die("cannot create the librdkafka mock cluster");
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

mock_cluster::~mock_cluster() {
  if (cluster_)
    rd_kafka_mock_cluster_destroy(cluster_);
  if (owner_)
    rd_kafka_destroy(owner_);
}

void mock_cluster::create_topic(const std::string& topic, int partitions) {
  auto e = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    die(std::string{"mock topic: "} + rd_kafka_err2str(e));
}

} // namespace cafka::perf
