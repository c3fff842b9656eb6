#pragma once
// Test harness of the consumer-group handler tests (group_handlers_test.cpp,
// group_offsets_handlers_test.cpp): a CAF test-coordinator actor system with the fakes of
// group_handlers_fakes.hpp. Each request goes the real way: encoded at its version, framed with
// a request header, through net::dispatch_frame (decode + handler), and the response frame is
// decoded at the same version.
#include "net/dispatch.hpp"
#include "net/handlers/group_routing.hpp"
#include "tests/actors/group_handlers_fakes.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cafka::test {

namespace p = cafka::protocol;

struct group_outcome {
  bool done = false;
  std::vector<char> frame;
};

struct group_harness {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  broker_config bcfg;
  world_ptr world = std::make_shared<group_world>();
  caf::actor node;
  std::vector<caf::actor> bridges;

  explicit group_harness(size_t shards = 1) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    world->shard_count = shards;
    node = sys->spawn(fake_group_node, world);
    world->dead_group = sys->spawn([]() -> caf::behavior { return {[](int32_t) {}}; });
    caf::anon_send_exit(world->dead_group, caf::exit_reason::user_shutdown);
    sched->run();
  }

  ~group_harness() {
    for (auto& b : bridges)
      caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sched->run();
  }

  template <class Request>
  std::shared_ptr<group_outcome> start(const Request& req, int16_t version) {
    std::vector<char> frame;
    p::writer w{frame};
    w.write_int16(Request::api_key);
    w.write_int16(version);
    w.write_int32(42);
    w.write_nullable_string(std::string{"test-client"});
    req.encode(w, version);
    auto out = std::make_shared<group_outcome>();
    auto node_handle = caf::actor_cast<node_actor>(node);
    const broker_config* config = &bcfg;
    bridges.push_back(sys->spawn([=](caf::event_based_actor* self) -> caf::behavior {
      auto r = net::dispatch_frame(self, node_handle, *config, frame,
                                   [out](net::response_frame f, bool) {
                                     out->done = true;
                                     out->frame = f.flatten();
                                   });
      REQUIRE(r.ok);
      return {[](int32_t) {}};
    }));
    sched->run();
    return out;
  }

  template <class Response>
  static Response decode(const group_outcome& out, int16_t version) {
    REQUIRE(out.done);
    p::reader r{out.frame.data(), out.frame.size()};
    CHECK(r.read_int32() == int32_t(out.frame.size() - 4));
    CHECK(r.read_int32() == 42);
    Response resp;
    resp.decode(r, version);
    CHECK(r.remaining() == 0);
    return resp;
  }

  template <class Response, class Request>
  Response call(const Request& req, int16_t version) {
    return decode<Response>(*start(req, version), version);
  }
};

inline p::join_group_request join_req(std::string group, std::string member = "") {
  p::join_group_request r;
  r.group_id = std::move(group);
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 60000;
  r.member_id = std::move(member);
  r.protocol_type = "consumer";
  r.protocols.push_back({"range", {'m', 'd'}});
  return r;
}

inline p::offset_commit_request commit_req(std::string group, int32_t generation = -1) {
  p::offset_commit_request r;
  r.group_id = std::move(group);
  r.generation_id = generation;
  r.member_id = generation < 0 ? "" : "m1";
  r.topics.push_back({"t", {{0, 10, 3, std::string{"meta"}}, {1, 20, 3, std::nullopt}}});
  r.topics.push_back({"bad", {{0, 5, -1, std::string{}}}});
  return r;
}

inline p::offset_fetch_request fetch_req(std::string group) {
  p::offset_fetch_request r;
  r.group_id = std::move(group);
  r.topics.emplace();
  r.topics->push_back({"t", {0, 1, 9}});
  return r;
}

using join_resp = p::join_group_response;

} // namespace cafka::test
