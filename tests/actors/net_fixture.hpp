#pragma once
// Test fixture for net/: a real bridge actor on CAF's deterministic test scheduler, with an
// in-memory connection (fake_sink) and a fake node whose Metadata answers the test releases by
// hand (so completions can come out of order) and which records every metadata_query.
#include "actors/spawn.hpp"
#include "net/bridge.hpp"
#include "net/protocol/wire.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cafka::net::test {


struct fake_sink : frame_sink {
  std::vector<std::vector<char>> frames;
  std::vector<std::string> closes;
  std::string peer_name = "test:1";
  size_t completed_without_response = 0;
  void deliver(response_frame f) override { frames.push_back(f.flatten()); }
  void completed(size_t n) override { completed_without_response += n; }
  void close(std::string reason) override { closes.push_back(std::move(reason)); }
  const std::string& peer() const override { return peer_name; }
};

using release_atom = caf::atom_constant<caf::atom("release")>;

struct fake_node_state {
  std::vector<caf::response_promise> parked;
  std::vector<metadata_query> queries;
  static inline const char* name = "fake_node";
};

// Parks Metadata requests until the test sends (release_atom, i): the node then answers request i
// from inside its own handler (a promise must be delivered on its actor). Untyped so it can take
// the extra release message; the bridge sees it through a node_actor handle.
inline caf::behavior fake_node(caf::stateful_actor<fake_node_state>* self) {
  return {
    [=](metadata_atom, const metadata_query& q) {
      self->state.queries.push_back(q);
      self->state.parked.push_back(self->make_response_promise());
      return self->state.parked.back();
    },
    [=](release_atom, size_t i, const metadata_snapshot& snap) {
      self->state.parked.at(i).deliver(snap);
    },
    [=](release_atom) { return self->state.parked.size(); },
    [=](release_atom, caf::atom_value) { return self->state.queries; },
  };
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  broker_config config;
  std::shared_ptr<fake_sink> sink = std::make_shared<fake_sink>();
  caf::actor node_impl;
  node_actor node;
  caf::actor bridge_actor;

  fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    add_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    node_impl = sys->spawn(fake_node);
    node = caf::actor_cast<node_actor>(node_impl);
    bridge_actor = sys->spawn(bridge, frame_sink_ptr{sink}, node, &config);
    sched->run();
  }

  ~fixture() {
    caf::anon_send_exit(bridge_actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(node_impl, caf::exit_reason::user_shutdown);
    sched->run();
  }

  // Request frame without the size prefix, header v1 (or v2 when `flexible`).
  static std::vector<char> request(int16_t key, int16_t version, int32_t correlation_id,
                                   const std::vector<char>& body, bool flexible = false) {
    std::vector<char> out;
    protocol::writer w{out};
    w.write_int16(key);
    w.write_int16(version);
    w.write_int32(correlation_id);
    w.write_nullable_string(std::string{"test"});
    if (flexible)
      w.write_empty_tagged_fields();
    w.write_raw(body.data(), body.size());
    return out;
  }

  void send(std::vector<char> frame) {
    caf::anon_send(bridge_actor, std::move(frame));
    sched->run();
  }

  size_t parked() {
    size_t n = 0;
    caf::scoped_actor self{*sys};
    self->send(node_impl, release_atom::value);
    sched->run();
    self->receive([&](size_t x) { n = x; });
    return n;
  }

  std::vector<metadata_query> queries() {
    std::vector<metadata_query> out;
    caf::scoped_actor self{*sys};
    self->send(node_impl, release_atom::value, caf::atom("queries"));
    sched->run();
    self->receive([&](std::vector<metadata_query>& x) { out = std::move(x); });
    return out;
  }

  void release(size_t i, metadata_snapshot snap = one_broker()) {
    caf::anon_send(node_impl, release_atom::value, i, std::move(snap));
    sched->run();
  }

  static metadata_snapshot one_broker() {
    metadata_snapshot s;
    s.cluster_id = "test-cluster";
    s.controller_id = 1;
    s.brokers.push_back(broker_info{1, "127.0.0.1", 9092});
    return s;
  }

  std::vector<int32_t> correlation_ids() const {
    std::vector<int32_t> out;
    for (auto& f : sink->frames) {
      protocol::reader r{f.data(), f.size()};
      auto size = r.read_int32();
      CHECK(size == static_cast<int32_t>(f.size() - 4));
      out.push_back(r.read_int32());
    }
    return out;
  }
};

inline std::vector<char> empty_topics_v1() {
  std::vector<char> body;
  protocol::writer w{body};
  w.write_array_length(0);
  return body;
}

} // namespace cafka::net::test
