#pragma once
// Deterministic actor-test harness: an actor_system on CAF's test scheduler, a fresh temp log
// dir per test, a node on it, and `ask`/`call` to talk to typed actors from a probe actor (a
// blocking scoped_actor would deadlock the single-threaded test scheduler).
#include "actors/spawn.hpp"
#include "config/broker_config.hpp"
#include "storage/batch_builder.hpp"
#include "storage/record_reader.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

namespace cafka::test {

// A unique directory under the system temp dir, removed on destruction.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path()
           / ("cafka-actors-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.policy", caf::atom("testing"));
    set("logger.file-verbosity", caf::atom("quiet"));
    cafka::add_message_types(*this);
  }
};

// The reply (or error) of one request, filled in when the scheduler runs the probe.
template <class Reply>
struct reply_slot {
  std::optional<Reply> value;
  std::optional<caf::error> error;
  bool done() const { return value.has_value() || error.has_value(); }
};

struct fixture {
  temp_dir dir;
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  broker_config bcfg;
  node_actor node;

  fixture() {
    bcfg.log_dirs = {dir.path.string()};
    bcfg.listeners = {listener{"PLAINTEXT", "127.0.0.1", 19092}};
  }

  ~fixture() {
    stop_node();
    // Let probes still waiting on a request give up, so no actor outlives the system.
    sched.trigger_timeouts();
    sched.run();
  }

  void start_node() {
    node = spawn_node(sys, bcfg);
    sched.run();
  }

  // The shutdown sequence main follows: an exit to the node, which stops its children first.
  void stop_node() {
    if (!node)
      return;
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sched.run();
    node = nullptr;
  }

  // Sends a request from a fresh probe actor; the answer lands in the slot once sched runs.
  template <class Reply, class Handle, class... Ts>
  std::shared_ptr<reply_slot<Reply>> ask(const Handle& h, Ts... xs) {
    auto slot = std::make_shared<reply_slot<Reply>>();
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(h, std::chrono::seconds(30), xs...)
        .then([slot](Reply& r) { slot->value = std::move(r); },
              [slot](caf::error& e) { slot->error = std::move(e); });
    });
    return slot;
  }

  // ask + run to quiescence; the reply must have arrived.
  template <class Reply, class Handle, class... Ts>
  Reply call(const Handle& h, Ts... xs) {
    auto slot = ask<Reply>(h, xs...);
    sched.run();
    REQUIRE(slot->done());
    if (slot->error)
      FAIL("request failed: " << caf::to_string(*slot->error));
    return *slot->value;
  }

  // -- node shortcuts -----------------------------------------------------------------------

  topic_result create(const std::string& name, int32_t partitions = 1, int16_t rf = -1,
                      bool validate_only = false) {
    create_topic_args args;
    args.name = name;
    args.num_partitions = partitions;
    args.replication_factor = rf;
    args.validate_only = validate_only;
    return call<topic_result>(node, create_topic_atom::value, args);
  }

  partition_replica_actor replica(const std::string& topic, int32_t partition = 0) {
    auto route = call<topic_route>(node, route_atom::value, topic);
    REQUIRE(route.ec == errc::none);
    REQUIRE(static_cast<size_t>(partition) < route.replicas.size());
    return route.replicas[static_cast<size_t>(partition)];
  }

  produce_reply produce(const partition_replica_actor& r, std::vector<char> batch,
                        int16_t acks = 1) {
    produce_args args;
    args.batch = std::move(batch);
    args.acks = acks;
    return call<produce_reply>(r, produce_atom::value, args);
  }

  fetch_reply fetch(const partition_replica_actor& r, int64_t offset, int32_t max_wait_ms = 0) {
    fetch_args args;
    args.offset = offset;
    args.max_wait_ms = max_wait_ms;
    return call<fetch_reply>(r, fetch_atom::value, args);
  }
};

// A reply that carries only an error code (fakes answering errors).
template <class Reply>
Reply with_ec(errc ec) {
  Reply r;
  r.ec = ec;
  return r;
}

// A valid uncompressed batch with one record per value (timestamps ts, ts+1, ...).
inline std::vector<char> make_batch(const std::vector<std::string>& values, int64_t ts = 1000) {
  storage::batch_builder b;
  for (size_t i = 0; i < values.size(); ++i)
    b.add(std::nullopt, std::string_view{values[i]}, ts + static_cast<int64_t>(i));
  return b.build();
}

struct decoded_record {
  int64_t offset;
  std::string value;
};

// Every record in a fetch result, with its absolute offset.
inline std::vector<decoded_record> decode(const std::vector<char>& records);
inline std::vector<decoded_record> decode(const storage::record_bytes& records) {
  return decode(records.flatten());
}
inline std::vector<decoded_record> decode(const std::vector<char>& records) {
  std::vector<decoded_record> out;
  storage::batch_iterator it{records.data(), records.size()};
  storage::batch_header h;
  const char* batch = nullptr;
  size_t size = 0;
  while (it.next(h, batch, size)) {
    storage::record_reader reader{batch, size};
    storage::record_view rv;
    while (reader.next(rv))
      out.push_back({rv.offset, rv.value ? std::string{*rv.value} : std::string{}});
    REQUIRE(!reader.error());
  }
  REQUIRE(!it.error());
  return out;
}

} // namespace cafka::test
