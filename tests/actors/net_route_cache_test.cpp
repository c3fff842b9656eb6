// The per-connection route cache (net/handlers/routes.hpp): entries expire, growth and failures
// drop them, and the Produce/Fetch handlers really serve from it and notice deleted and
// re-created topics. Deterministic: CAF's test coordinator, in-memory node and replicas.
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

using clock_type = net::route_cache::clock;

topic_route route_of(std::vector<caf::actor> replicas) {
  topic_route r;
  for (auto& a : replicas)
    r.replicas.push_back(caf::actor_cast<partition_replica_actor>(a));
  return r;
}

struct harness {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  broker_config bcfg;
  caf::actor node;
  std::vector<caf::actor> bridges;
  // What the bridge owns per connection; its clock stands still, so entries never expire here.
  net::route_cache cache{1000ms, [] { return clock_type::time_point{}; }};

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

  // Produces one batch to topic/partition with the cache attached, asking `via` for routes.
  // Returns the partition's error code and base offset.
  std::pair<int16_t, int64_t> produce(const std::string& topic, int32_t partition,
                                      caf::actor via) {
    auto frame = send_produce(topic, partition, via);
    return result(*frame);
  }

  // Sends the produce request from a new bridge-like actor and runs until nothing is left to do;
  // the response frame stays empty while the request waits (e.g. for a route).
  std::shared_ptr<std::vector<char>> send_produce(const std::string& topic, int32_t partition,
                                                  caf::actor via) {
    storage::batch_builder b;
    b.add(std::nullopt, std::string(10, 'v'), 1000);
    protocol::produce_request req;
    req.acks = 1;
    req.timeout_ms = 1000;
    req.topic_data.emplace_back();
    req.topic_data[0].name = topic;
    req.topic_data[0].partition_data.emplace_back();
    req.topic_data[0].partition_data[0].index = partition;
    req.topic_data[0].partition_data[0].records = b.build();
    protocol::request_header header;
    header.api_key = protocol::produce_request::api_key;
    header.api_version = 7;
    header.correlation_id = 42;
    auto frame = std::make_shared<std::vector<char>>();
    auto node_handle = caf::actor_cast<node_actor>(via);
    auto* c = &cache;
    const broker_config* config = &bcfg;
    bridges.push_back(sys->spawn([=](caf::event_based_actor* self) mutable -> caf::behavior {
      auto ctx = std::make_shared<net::request_context>(
        self, node_handle, *config, header,
        [frame](net::response_frame f, bool) { *frame = f.flatten(); });
      ctx->routes = c;
      net::produce_handler::handle(ctx, std::move(req));
      return {[](int32_t) {}};
    }));
    sched->run();
    return frame;
  }

  // The partition's error code and base offset in a produce response frame.
  static std::pair<int16_t, int64_t> result(const std::vector<char>& frame) {
    REQUIRE_FALSE(frame.empty());
    protocol::reader r{frame.data(), frame.size()};
    r.read_int32(); // size
    r.read_int32(); // correlation id
    protocol::produce_response resp;
    resp.decode(r, 7);
    auto& p = resp.responses.at(0).partition_responses.at(0);
    return {p.error_code, p.base_offset};
  }

  void create(const std::string& name, int32_t partitions) {
    create_topic_args args;
    args.name = name;
    args.num_partitions = partitions;
    caf::anon_send(node, create_topic_atom::value, args);
    sched->run();
  }
};

} // namespace

TEST_CASE("route_cache keeps complete routes for max_age", "[net][routes]") {
  auto now = clock_type::now();
  net::route_cache cache{1000ms, [&now] { return now; }};
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto a = sys.spawn([] { return caf::behavior{[](int32_t) {}}; });
  auto b = sys.spawn([] { return caf::behavior{[](int32_t) {}}; });

  cache.store("t", route_of({a, b}));
  REQUIRE(cache.find("t", 1) != nullptr);
  CHECK(cache.find("t", 1)->replicas.size() == 2);
  CHECK(cache.find("t", -1) != nullptr); // no partition named: any route will do
  CHECK(cache.find("other", 0) == nullptr);

  SECTION("a partition beyond the route drops it (the topic may have grown)") {
    CHECK(cache.find("t", 2) == nullptr);
    CHECK(cache.size() == 0);
  }
  SECTION("entries expire after max_age") {
    now += 999ms;
    CHECK(cache.find("t", 0) != nullptr);
    now += 1ms;
    CHECK(cache.find("t", 0) == nullptr);
    CHECK(cache.size() == 0);
  }
  SECTION("routes with an error or an offline partition are not kept") {
    auto failed = route_of({a});
    failed.ec = errc::unknown_topic_or_partition;
    cache.store("t", failed); // also forgets the good entry
    CHECK(cache.find("t", 0) == nullptr);
    auto offline = route_of({a});
    offline.replicas.emplace_back(); // empty handle: offline partition
    cache.store("u", offline);
    CHECK(cache.size() == 0);
  }
  SECTION("invalidate forgets one topic") {
    cache.store("u", route_of({a}));
    cache.invalidate("t");
    CHECK(cache.find("t", 0) == nullptr);
    CHECK(cache.find("u", 0) != nullptr);
  }
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler()).run();
}

TEST_CASE("produce serves routes from the cache and notices deletion, re-creation and growth",
          "[net][routes]") {
  harness h;
  h.create("t", 1);
  REQUIRE(h.produce("t", 0, h.node) == std::make_pair(int16_t{0}, int64_t{0}));
  CHECK(h.cache.size() == 1);

  // A node nobody answers for: only a cached route can make the next produce succeed.
  auto dead_node = h.sys->spawn([] { return caf::behavior{[](int32_t) {}}; });
  caf::anon_send_exit(dead_node, caf::exit_reason::user_shutdown);
  h.sched->run();
  CHECK(h.produce("t", 0, dead_node) == std::make_pair(int16_t{0}, int64_t{1}));

  SECTION("a deleted topic's dead replica fails the request and drops the route") {
    // As the real node deletes: the replica quits (a normal exit, which the fake node it is
    // linked to survives), then the name is gone.
    const auto* cached = h.cache.find("t", 0);
    REQUIRE(cached != nullptr);
    caf::anon_send(cached->replicas.at(0), delete_atom::value);
    h.sched->run();
    caf::anon_send(h.node, delete_topic_atom::value, std::string{"t"});
    h.sched->run();
    CHECK(h.produce("t", 0, h.node).first == 3); // UNKNOWN_TOPIC_OR_PARTITION, from the cache
    CHECK(h.cache.size() == 0);
    // Re-created: the next request asks the node again and reaches the new replica.
    h.create("t", 1);
    CHECK(h.produce("t", 0, h.node) == std::make_pair(int16_t{0}, int64_t{0}));
    CHECK(h.cache.size() == 1);
  }
  SECTION("a partition beyond the cached route asks the node (the topic grew)") {
    create_partitions_args args;
    args.name = "t";
    args.count = 2;
    caf::anon_send(h.node, create_parts_atom::value, args);
    h.sched->run();
    CHECK(h.produce("t", 1, h.node) == std::make_pair(int16_t{0}, int64_t{0}));
    CHECK(h.produce("t", 1, dead_node) == std::make_pair(int16_t{0}, int64_t{1})); // cached again
  }
  SECTION("an unknown partition is not cached and asks the node each time") {
    CHECK(h.produce("t", 5, h.node).first == 3);
    CHECK(h.produce("t", 0, dead_node).first == 3); // the too-small route was dropped
  }
}

TEST_CASE("in_order runs finished steps in the order they started", "[net][routes]") {
  net::in_order order;
  std::vector<int> ran;
  auto first = order.start(), second = order.start(), third = order.start();
  order.finish(third, [&] { ran.push_back(3); });
  order.finish(second, [&] { ran.push_back(2); });
  CHECK(ran.empty()); // both wait for the first
  CHECK(order.waiting() == 2);
  order.finish(first, [&] { ran.push_back(1); });
  CHECK(ran == std::vector<int>{1, 2, 3});
  CHECK(order.waiting() == 0);
  // Nothing pending: a step runs at once, also one started from inside a running step.
  auto outer = order.start();
  order.finish(outer, [&] {
    ran.push_back(4);
    order.finish(order.start(), [&] { ran.push_back(5); });
  });
  CHECK(ran == std::vector<int>{1, 2, 3, 4, 5});
}

namespace {

// A node that holds every route request until told to answer it (its index), so a test can
// decide in which order lookups finish.
struct holding_node_state {
  std::vector<caf::response_promise> held;
  topic_route route;
};

caf::behavior holding_node(caf::stateful_actor<holding_node_state>* self, topic_route route) {
  self->state.route = std::move(route);
  return {
    [self](route_atom, const std::string&) -> caf::result<topic_route> {
      self->state.held.push_back(self->make_response_promise());
      return caf::delegated<topic_route>{};
    },
    [self](int32_t i) { self->state.held.at(static_cast<size_t>(i)).deliver(self->state.route); },
  };
}

} // namespace

TEST_CASE("a cached route does not let a produce overtake an earlier one waiting for the node",
          "[net][routes]") {
  // Seen as a reordered log: a connection's request refreshed the expired route, a later one
  // arrived after that answer (a hit) while the one in between still waited for the node, and
  // the later batch was appended first.
  harness h;
  h.create("t", 1);
  REQUIRE(h.produce("t", 0, h.node).second == 0);
  auto route = *h.cache.find("t", 0); // the real (fake) replica of t
  h.cache.invalidate("t");            // as if the entry had expired
  auto node = h.sys->spawn(holding_node, route);
  h.sched->run();

  auto first = h.send_produce("t", 0, node);
  auto second = h.send_produce("t", 0, node); // both miss and ask the node
  caf::anon_send(node, int32_t{0});           // the node answers the first lookup
  h.sched->run();
  CHECK(harness::result(*first) == std::make_pair(int16_t{0}, int64_t{1}));
  auto third = h.send_produce("t", 0, node); // a hit, but the second is still waiting
  CHECK(second->empty());
  CHECK(third->empty());
  caf::anon_send(node, int32_t{1});
  h.sched->run();
  CHECK(harness::result(*second) == std::make_pair(int16_t{0}, int64_t{2}));
  CHECK(harness::result(*third) == std::make_pair(int16_t{0}, int64_t{3}));
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
}
