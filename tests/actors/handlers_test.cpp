// Deterministic tests of the data-path and admin handlers (produce, fetch, list_offsets,
// create/delete topics, create partitions) against in-memory fakes of the node and replicas,
// on CAF's test coordinator. Each test runs a handler inside a bridge-like actor and decodes
// the response frame it completes with.
#include "net/handlers/handlers.hpp"
#include "net/handlers/routes.hpp"
#include "storage/batch_builder.hpp"
#include "tests/actors/handlers_fakes.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <optional>

using namespace cafka;
using namespace std::chrono_literals;

namespace {

struct outcome {
  bool done = false;
  bool has_response = false;
  std::vector<char> frame;
};

struct harness {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  broker_config bcfg;
  caf::actor node;
  std::vector<caf::actor> bridges; // kept alive while their requests are in flight

  harness() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    node = sys->spawn(test::fake_node);
    sched->run();
  }

  ~harness() {
    for (auto& b : bridges)
      caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sched->run();
  }

  // Starts Handler on a fresh bridge actor; run()/advance_time() drive it.
  template <class Handler>
  std::shared_ptr<outcome> start(typename Handler::request_type req, int16_t version) {
    auto out = std::make_shared<outcome>();
    protocol::request_header header;
    header.api_key = Handler::request_type::api_key;
    header.api_version = version;
    header.correlation_id = 42;
    auto node_handle = caf::actor_cast<node_actor>(node);
    const broker_config* config = &bcfg;
    bridges.push_back(sys->spawn([=](caf::event_based_actor* self) mutable -> caf::behavior {
      auto ctx = std::make_shared<net::request_context>(
        self, node_handle, *config, header, [out](net::response_frame frame, bool has_response) {
          out->done = true;
          out->has_response = has_response;
          out->frame = frame.flatten();
        });
      Handler::handle(ctx, std::move(req));
      return {[](int32_t) {}};
    }));
    sched->run();
    return out;
  }

  template <class Response>
  static Response decode(const outcome& out, int16_t version) {
    REQUIRE(out.done);
    REQUIRE(out.has_response);
    protocol::reader r{out.frame.data(), out.frame.size()};
    CHECK(r.read_int32() == int32_t(out.frame.size() - 4));
    CHECK(r.read_int32() == 42); // correlation id (response header v0: no flexible versions here)
    Response resp;
    resp.decode(r, version);
    CHECK(r.remaining() == 0);
    return resp;
  }

  template <class Handler, class Response>
  Response call(typename Handler::request_type req, int16_t version) {
    auto out = start<Handler>(std::move(req), version);
    return decode<Response>(*out, version);
  }

  void create(const std::string& name, int32_t partitions) {
    protocol::create_topics_request req;
    req.topics.emplace_back();
    req.topics.back().name = name;
    req.topics.back().num_partitions = partitions;
    req.topics.back().replication_factor = 1;
    auto resp = call<net::create_topics_handler, protocol::create_topics_response>(req, 4);
    REQUIRE(resp.topics.at(0).error_code == 0);
  }
};

std::vector<char> batch(int records, size_t value_size = 10) {
  storage::batch_builder b;
  std::string value(value_size, 'v');
  for (int i = 0; i < records; ++i)
    b.add(std::nullopt, value, 1000 + i);
  return b.build();
}

protocol::produce_request produce_req(const std::string& topic, int32_t partition,
                                      std::optional<std::vector<char>> records, int16_t acks = 1) {
  protocol::produce_request req;
  req.acks = acks;
  req.timeout_ms = 1000;
  req.topic_data.emplace_back();
  req.topic_data[0].name = topic;
  req.topic_data[0].partition_data.emplace_back();
  req.topic_data[0].partition_data[0].index = partition;
  req.topic_data[0].partition_data[0].records = std::move(records);
  return req;
}

protocol::fetch_request fetch_req(const std::string& topic, std::vector<int64_t> offsets,
                                  int32_t max_wait = 0, int32_t max_bytes = 1 << 20) {
  protocol::fetch_request req;
  req.replica_id = -1;
  req.max_wait_ms = max_wait;
  req.min_bytes = 1;
  req.max_bytes = max_bytes;
  req.topics.emplace_back();
  req.topics[0].topic = topic;
  for (size_t p = 0; p < offsets.size(); ++p) {
    req.topics[0].partitions.emplace_back();
    req.topics[0].partitions.back().partition = int32_t(p);
    req.topics[0].partitions.back().fetch_offset = offsets[p];
    req.topics[0].partitions.back().partition_max_bytes = 1 << 20;
  }
  return req;
}

using produce_resp = protocol::produce_response;
using fetch_resp = protocol::fetch_response;

int16_t produce_error(harness& h, protocol::produce_request req, int16_t version = 7) {
  auto resp = h.call<net::produce_handler, produce_resp>(std::move(req), version);
  return resp.responses.at(0).partition_responses.at(0).error_code;
}

} // namespace

TEST_CASE("produce appends and reports base offsets", "[handlers]") {
  harness h;
  h.create("t1", 2);
  auto resp = h.call<net::produce_handler, produce_resp>(produce_req("t1", 1, batch(3)), 7);
  auto& p = resp.responses.at(0).partition_responses.at(0);
  CHECK(resp.responses[0].name == "t1");
  CHECK(p.index == 1);
  CHECK(p.error_code == 0);
  CHECK(p.base_offset == 0);
  CHECK(p.log_start_offset == 0);
  resp = h.call<net::produce_handler, produce_resp>(produce_req("t1", 1, batch(2)), 7);
  CHECK(resp.responses[0].partition_responses[0].base_offset == 3);
}

TEST_CASE("produce rejects bad input per partition", "[handlers]") {
  harness h;
  h.create("t1", 1);
  CHECK(produce_error(h, produce_req("nope", 0, batch(1))) == 3);
  CHECK(produce_error(h, produce_req("t1", 1, batch(1))) == 3);
  CHECK(produce_error(h, produce_req("t1", -1, batch(1))) == 3);
  CHECK(produce_error(h, produce_req("t1", 0, std::nullopt)) == 87);
  CHECK(produce_error(h, produce_req("t1", 0, std::vector<char>{})) == 87);
  auto corrupt = batch(2);
  corrupt.back() ^= 0x55;
  CHECK(produce_error(h, produce_req("t1", 0, corrupt)) == 2);
  CHECK(produce_error(h, produce_req("t1", 0, batch(1), 2)) == 21);
  CHECK(produce_error(h, produce_req("t1", 0, batch(1)), 2) == 35);
}

TEST_CASE("produce with acks=0 appends without a response", "[handlers]") {
  harness h;
  h.create("t1", 1);
  auto out = h.start<net::produce_handler>(produce_req("t1", 0, batch(4), 0), 7);
  CHECK(out->done);
  CHECK_FALSE(out->has_response);
  auto resp = h.call<net::fetch_handler, fetch_resp>(fetch_req("t1", {0}), 11);
  CHECK(resp.responses.at(0).partitions.at(0).high_watermark == 4);
}

TEST_CASE("produce times out when the replica does not answer", "[handlers]") {
  harness h;
  caf::anon_send(h.node, caf::atom_constant<caf::atom("silent")>::value);
  h.sched->run();
  h.create("slow", 1);
  auto out = h.start<net::produce_handler>(produce_req("slow", 0, batch(1)), 7);
  CHECK_FALSE(out->done);
  h.sched->advance_time(1000ms + net::reply_margin);
  h.sched->run();
  auto resp = harness::decode<produce_resp>(*out, 7);
  CHECK(resp.responses[0].partition_responses[0].error_code == 7);
}

TEST_CASE("fetch returns records and per-partition errors", "[handlers]") {
  harness h;
  h.create("t1", 2);
  auto records = batch(3);
  produce_error(h, produce_req("t1", 0, records));
  auto resp = h.call<net::fetch_handler, fetch_resp>(fetch_req("t1", {0, 5}), 11);
  REQUIRE(resp.responses.size() == 1);
  auto& p0 = resp.responses[0].partitions.at(0);
  auto& p1 = resp.responses[0].partitions.at(1);
  CHECK(p0.error_code == 0);
  CHECK(p0.high_watermark == 3);
  CHECK(p0.records->size() == records.size());
  CHECK(p0.preferred_read_replica == -1);
  CHECK(p1.error_code == 1);
  CHECK(p1.high_watermark == -1);
  CHECK(p1.records.has_value());
  CHECK(p1.records->empty());
  resp = h.call<net::fetch_handler, fetch_resp>(fetch_req("unknown", {0}), 4);
  CHECK(resp.responses[0].partitions[0].error_code == 3);
}

TEST_CASE("fetch long-polls until data arrives", "[handlers]") {
  harness h;
  h.create("t1", 2);
  auto out = h.start<net::fetch_handler>(fetch_req("t1", {0, 0}, 500), 11);
  CHECK_FALSE(out->done);
  h.sched->advance_time(100ms);
  h.sched->run();
  CHECK_FALSE(out->done);
  produce_error(h, produce_req("t1", 1, batch(2)));
  h.sched->run();
  auto resp = harness::decode<fetch_resp>(*out, 11);
  CHECK(resp.responses[0].partitions[0].records->empty());
  CHECK(resp.responses[0].partitions[1].high_watermark == 2);
  CHECK_FALSE(resp.responses[0].partitions[1].records->empty());
}

TEST_CASE("fetch answers empty when max_wait ends", "[handlers]") {
  harness h;
  h.create("t1", 1);
  auto out = h.start<net::fetch_handler>(fetch_req("t1", {0}, 500), 7);
  CHECK_FALSE(out->done);
  h.sched->advance_time(500ms);
  h.sched->run();
  auto resp = harness::decode<fetch_resp>(*out, 7);
  CHECK(resp.session_id == 0);
  CHECK(resp.responses[0].partitions[0].error_code == 0);
  CHECK(resp.responses[0].partitions[0].records->empty());
}

TEST_CASE("fetch honours the response max_bytes in whole batches", "[handlers]") {
  harness h;
  h.create("t1", 2);
  auto big = batch(5, 100);
  for (int i = 0; i < 2; ++i) {
    produce_error(h, produce_req("t1", 0, big));
    produce_error(h, produce_req("t1", 1, big));
  }
  // Room for partition 0's two batches and one of partition 1's.
  auto resp = h.call<net::fetch_handler, fetch_resp>(
    fetch_req("t1", {0, 0}, 0, int32_t(3 * big.size() + 10)), 11);
  CHECK(resp.responses[0].partitions[0].records->size() == 2 * big.size());
  CHECK(resp.responses[0].partitions[1].records->size() == big.size());
  // KIP-74: the first batch of the first non-empty partition comes even past max_bytes.
  resp = h.call<net::fetch_handler, fetch_resp>(fetch_req("t1", {0, 0}, 0, 10), 11);
  CHECK(resp.responses[0].partitions[0].records->size() == big.size());
  CHECK(resp.responses[0].partitions[1].records->empty());
}

TEST_CASE("list_offsets answers earliest and latest", "[handlers]") {
  harness h;
  h.create("t1", 1);
  produce_error(h, produce_req("t1", 0, batch(7)));
  protocol::list_offsets_request req;
  req.replica_id = -1;
  req.topics.emplace_back();
  req.topics[0].name = "t1";
  for (int64_t ts : {-1, -2}) {
    req.topics[0].partitions.emplace_back();
    req.topics[0].partitions.back().timestamp = ts;
  }
  req.topics[0].partitions.emplace_back();
  req.topics[0].partitions.back().partition_index = 3;
  auto resp = h.call<net::list_offsets_handler, protocol::list_offsets_response>(req, 3);
  auto& parts = resp.topics.at(0).partitions;
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].offset == 7);
  CHECK(parts[1].offset == 0);
  CHECK(parts[2].error_code == 3);
  CHECK(parts[2].offset == -1);
}

TEST_CASE("topic administration", "[handlers]") {
  harness h;
  protocol::create_topics_request req;
  req.topics.resize(3);
  req.topics[0].name = "a";
  req.topics[0].num_partitions = 2;
  req.topics[1].name = "b";
  req.topics[1].assignments.emplace_back();
  req.topics[2].name = "a";
  auto resp = h.call<net::create_topics_handler, protocol::create_topics_response>(req, 4);
  REQUIRE(resp.topics.size() == 3);
  CHECK(resp.topics[0].error_code == 42); // named twice
  CHECK(resp.topics[1].error_code == 42); // manual assignment
  CHECK(resp.topics[1].error_message.has_value());
  req.topics.resize(1);
  resp = h.call<net::create_topics_handler, protocol::create_topics_response>(req, 4);
  CHECK(resp.topics[0].error_code == 0);
  CHECK_FALSE(resp.topics[0].error_message.has_value());
  resp = h.call<net::create_topics_handler, protocol::create_topics_response>(req, 0);
  CHECK(resp.topics[0].error_code == 36);

  protocol::create_partitions_request cp;
  cp.topics.resize(2);
  cp.topics[0].name = "a";
  cp.topics[0].count = 4;
  cp.topics[0].assignments.reset();
  cp.topics[1].name = "a";
  cp.topics[1].count = 5; // non-null (empty) assignments
  auto cresp = h.call<net::create_partitions_handler, protocol::create_partitions_response>(cp, 1);
  CHECK(cresp.results.at(0).error_code == 0);
  CHECK(cresp.results.at(1).error_code == 42);
  CHECK(produce_error(h, produce_req("a", 3, batch(1))) == 0);

  protocol::delete_topics_request del;
  del.topic_names = {"a", "zzz"};
  auto dresp = h.call<net::delete_topics_handler, protocol::delete_topics_response>(del, 3);
  CHECK(dresp.responses.at(0).error_code == 0);
  CHECK(dresp.responses.at(1).error_code == 3);
  CHECK(produce_error(h, produce_req("a", 0, batch(1))) == 3);
}
