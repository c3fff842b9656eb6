// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs handlers against a fake node, on
// CAF's test coordinator: each request is encoded at its version, framed and dispatched the real
// way (net::dispatch_frame), and the response frame is decoded at the same version.
#include "net/dispatch.hpp"
#include "net/error_mapping.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

using namespace cafka;
namespace p = cafka::protocol;

namespace {

struct fake_config_node_state {
  std::vector<config_resource> described;
  std::vector<alter_configs_args> altered;
};

using node_state_ptr = std::shared_ptr<fake_config_node_state>;

config_entry entry(std::string name, std::string value, config_source source) {
  config_entry e;
  e.name = std::move(name);
  e.value = std::move(value);
  e.source = source;
  e.type = 5;
  e.doc = "doc of " + e.name;
  e.synonyms.push_back({e.name, e.value, false, source});
  return e;
}

// Topic "t" has two keys; every other topic is unknown. Alters of "bad" fail validation.
caf::behavior fake_config_node(caf::event_based_actor*, node_state_ptr st) {
  return {
    [st](describe_configs_atom, const config_resource& res) {
      st->described.push_back(res);
      config_description d;
      if (res.type != config_resource_type::topic || res.name != "t") {
        d.ec = errc::unknown_topic_or_partition;
        d.message = "The topic '" + res.name + "' does not exist.";
        return d;
      }
      d.entries.push_back(entry("retention.ms", "1000", config_source::dynamic_topic));
      auto unset = entry("segment.bytes", "", config_source::default_config);
      unset.null = true;
      d.entries.push_back(unset);
      return d;
    },
    [st](alter_configs_atom, const alter_configs_args& args) {
      st->altered.push_back(args);
      topic_result r;
      if (args.topic == "bad") {
        r.ec = errc::invalid_config;
        r.message = "Invalid value x for configuration retention.ms: must be a number";
      }
      return r;
    },
  };
}

struct config_harness {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  broker_config bcfg;
  node_state_ptr state = std::make_shared<fake_config_node_state>();
  caf::actor node;
  std::vector<caf::actor> bridges;

  config_harness() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    node = sys->spawn(fake_config_node, state);
    sched->run();
  }

  ~config_harness() {
    for (auto& b : bridges)
      caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sched->run();
  }

  template <class Response, class Request>
  Response call(const Request& req, int16_t version) {
    std::vector<char> frame;
    p::writer w{frame};
    w.write_int16(Request::api_key);
    w.write_int16(version);
    w.write_int32(42);
    w.write_nullable_string(std::string{"test-client"});
    if (p::is_flexible(Request::api_key, version))
      w.write_unsigned_varint(0); // request header v2: no tagged fields
    req.encode(w, version);
    auto done = std::make_shared<std::optional<std::vector<char>>>();
    auto node_handle = caf::actor_cast<node_actor>(node);
    const broker_config* config = &bcfg;
    bridges.push_back(sys->spawn([=](caf::event_based_actor* self) -> caf::behavior {
      auto r = net::dispatch_frame(self, node_handle, *config, frame,
                                   [done](net::response_frame f, bool) { *done = f.bytes; });
      REQUIRE(r.ok);
      return {[](int32_t) {}};
    }));
    sched->run();
    REQUIRE(done->has_value());
    auto& bytes = **done;
    p::reader r{bytes.data(), bytes.size()};
    CHECK(r.read_int32() == int32_t(bytes.size() - 4));
    CHECK(r.read_int32() == 42);
    if (p::is_flexible(Request::api_key, version))
      r.skip_tagged_fields();
    Response resp;
    resp.decode(r, version);
    CHECK(r.remaining() == 0);
    return resp;
  }
};

p::describe_configs_request describe_req(std::vector<std::pair<int8_t, std::string>> resources) {
  p::describe_configs_request req;
  for (auto& [type, name] : resources) {
    p::describe_configs_request::describe_configs_resource res;
    res.resource_type = type;
    res.resource_name = name;
    res.configuration_keys = std::nullopt;
    req.resources.push_back(std::move(res));
  }
  return req;
}

} // namespace

TEST_CASE("describe_configs v0 reports is_default, no sources or synonyms", "[configs]") {
  config_harness h;
  auto resp = h.call<p::describe_configs_response>(describe_req({{2, "t"}, {2, "gone"}}), 0);
  REQUIRE(resp.results.size() == 2);
  auto& ok = resp.results[0];
  CHECK(ok.error_code == 0);
  CHECK_FALSE(ok.error_message.has_value());
  CHECK(ok.resource_name == "t");
  REQUIRE(ok.configs.size() == 2);
  CHECK(ok.configs[0].name == "retention.ms");
  CHECK(ok.configs[0].value == std::optional<std::string>{"1000"});
  CHECK_FALSE(ok.configs[0].is_default);
  CHECK(ok.configs[1].is_default);
  CHECK_FALSE(ok.configs[1].value.has_value());
  auto& missing = resp.results[1];
  CHECK(missing.error_code == net::kafka_error::unknown_topic_or_partition);
  CHECK(missing.error_message == std::optional<std::string>{"The topic 'gone' does not exist."});
  CHECK(missing.configs.empty());
}

TEST_CASE("describe_configs v1-v4: sources, synonyms and documentation on request",
          "[configs]") {
  config_harness h;
  for (int16_t v = 1; v <= 4; ++v) {
    INFO("version " << v);
    auto req = describe_req({{2, "t"}});
    auto plain = h.call<p::describe_configs_response>(req, v);
    REQUIRE(plain.results.at(0).configs.size() == 2);
    auto& e = plain.results[0].configs[0];
    CHECK(e.config_source == 1);
    CHECK(e.synonyms.empty());
    if (v >= 3) // documentation is on the wire from v3, null unless asked for
      CHECK_FALSE(e.documentation.has_value());
    req.include_synonyms = true;
    req.include_documentation = v >= 3;
    auto full = h.call<p::describe_configs_response>(req, v);
    auto& f = full.results.at(0).configs.at(0);
    REQUIRE(f.synonyms.size() == 1);
    CHECK(f.synonyms[0].name == "retention.ms");
    CHECK(f.synonyms[0].source == 1);
    if (v >= 3) {
      CHECK(f.config_type == 5);
      CHECK(f.documentation == std::optional<std::string>{"doc of retention.ms"});
    }
  }
}

TEST_CASE("describe_configs filters by configuration_keys", "[configs]") {
  config_harness h;
  auto req = describe_req({{2, "t"}});
  req.resources[0].configuration_keys = std::vector<std::string>{"segment.bytes", "nope"};
  auto resp = h.call<p::describe_configs_response>(req, 2);
  REQUIRE(resp.results.at(0).configs.size() == 1);
  CHECK(resp.results[0].configs[0].name == "segment.bytes");
  REQUIRE(h.state->described.size() == 1);
  CHECK(h.state->described[0].type == config_resource_type::topic);
}

TEST_CASE("alter_configs replaces a topic's configs; broker resources are refused", "[configs]") {
  config_harness h;
  for (int16_t v = 0; v <= 2; ++v) {
    INFO("version " << v);
    h.state->altered.clear();
    p::alter_configs_request req;
    req.validate_only = true;
    req.resources.push_back({2, "t", {{"retention.ms", std::string{"5"}}, {"x", std::nullopt}}});
    req.resources.push_back({4, "1", {{"log.retention.ms", std::string{"5"}}}});
    req.resources.push_back({2, "bad", {{"retention.ms", std::string{"x"}}}});
    req.resources.push_back({2, "dup", {}});
    req.resources.push_back({2, "dup", {}});
    auto resp = h.call<p::alter_configs_response>(req, v);
    REQUIRE(resp.responses.size() == 5);
    CHECK(resp.responses[0].error_code == 0);
    CHECK_FALSE(resp.responses[0].error_message.has_value());
    CHECK(resp.responses[1].error_code == net::kafka_error::invalid_request);
    CHECK(resp.responses[1].resource_type == 4);
    CHECK(resp.responses[2].error_code == net::kafka_error::invalid_config);
    CHECK(resp.responses[2].error_message
          == std::optional<std::string>{
            "Invalid value x for configuration retention.ms: must be a number"});
    CHECK(resp.responses[3].error_code == net::kafka_error::invalid_request);
    CHECK(resp.responses[4].error_code == net::kafka_error::invalid_request);
    // Only the two topic resources reached the node.
    REQUIRE(h.state->altered.size() == 2);
    auto& args = h.state->altered[0];
    CHECK(args.topic == "t");
    CHECK_FALSE(args.incremental);
    CHECK(args.validate_only);
    REQUIRE(args.changes.size() == 2);
    CHECK(args.changes[0].value == "5");
    CHECK(args.changes[0].op == static_cast<int8_t>(config_op::set));
    CHECK(args.changes[1].null);
  }
}

TEST_CASE("incremental_alter_configs passes operations through", "[configs]") {
  config_harness h;
  for (int16_t v = 0; v <= 1; ++v) {
    INFO("version " << v);
    h.state->altered.clear();
    p::incremental_alter_configs_request req;
    req.resources.push_back({2, "t",
                             {{"cleanup.policy", 2, std::string{"compact"}},
                              {"retention.ms", 1, std::nullopt}}});
    req.resources.push_back({8, "1", {{"root", 0, std::string{"DEBUG"}}}});
    auto resp = h.call<p::incremental_alter_configs_response>(req, v);
    REQUIRE(resp.responses.size() == 2);
    CHECK(resp.responses[0].error_code == 0);
    CHECK(resp.responses[1].error_code == net::kafka_error::invalid_request);
    REQUIRE(h.state->altered.size() == 1);
    auto& args = h.state->altered[0];
    CHECK(args.incremental);
    CHECK_FALSE(args.validate_only);
    REQUIRE(args.changes.size() == 2);
    CHECK(args.changes[0].op == static_cast<int8_t>(config_op::append));
    CHECK(args.changes[0].value == "compact");
    CHECK(args.changes[1].op == static_cast<int8_t>(config_op::remove));
    CHECK(args.changes[1].null);
  }
}
