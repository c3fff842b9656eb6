#pragma once
// Partition replicas without a node: a log actor on a temp dir plus a cluster-mode replica,
// a fake AlterPartition endpoint, and shortcuts for the replication tests (replication_*.cpp).
#include "actors/log_actor.hpp"
#include "actors/partition_replica.hpp"
#include "fixture.hpp"

#include <deque>
#include <memory>

namespace cafka::test {

// What the fake controller saw and how it answers: commits (partition epoch + 1) or fails with
// `fail`; with hold set it keeps requests unanswered in `held` until release().
struct alter_partition_book {
  std::vector<alter_partition_args> requests;
  errc fail = errc::none;
  bool hold = false;
  std::deque<std::pair<alter_partition_args, caf::typed_response_promise<alter_partition_reply>>>
    held;

  static alter_partition_reply commit(const alter_partition_args& a) {
    return {errc::none, a.broker_id, a.leader_epoch, a.partition_epoch + 1, a.new_isr};
  }
  void release() {
    while (!held.empty()) {
      auto [args, rp] = std::move(held.front());
      held.pop_front();
      rp.deliver(commit(args));
    }
  }
};

// Answers the held requests (promises are delivered from inside the actor).
using release_atom = caf::atom_constant<caf::atom("release")>;
using fake_alter_actor = alter_partition_actor::extend<caf::reacts_to<release_atom>>;

inline fake_alter_actor::behavior_type
fake_alter_partition(fake_alter_actor::pointer self, std::shared_ptr<alter_partition_book> book) {
  return {
    [book](release_atom) { book->release(); },
    [self, book](alter_partition_atom, alter_partition_args& a)
      -> caf::typed_response_promise<alter_partition_reply> {
      auto rp = self->make_response_promise<alter_partition_reply>();
      book->requests.push_back(a);
      if (book->fail != errc::none)
        rp.deliver(alter_partition_reply{book->fail, -1, 0, 0, {}});
      else if (book->hold)
        book->held.emplace_back(a, rp);
      else
        rp.deliver(alter_partition_book::commit(a));
      return rp;
    },
  };
}

struct replica_node {
  int32_t id = -1;
  std::filesystem::path dir;
  log_actor log;
  partition_replica_actor replica;
};

struct replication_fixture : fixture {
  std::shared_ptr<alter_partition_book> book = std::make_shared<alter_partition_book>();
  fake_alter_actor alter = sys.spawn(fake_alter_partition, book);
  replica_init defaults;

  replication_fixture() {
    nodes.reserve(16); // references from spawn() stay valid
    defaults.topic = "t";
    defaults.partition = 0;
    defaults.single_node_leader = false;
    defaults.min_insync_replicas = 2;
    defaults.replica_lag_time_max_ms = 1000;
    defaults.replica_fetch_wait_max_ms = 100;
    defaults.replica_fetch_backoff_ms = 50;
    defaults.alter_partition = alter;
  }

  void release_alters() {
    caf::anon_send(alter, release_atom::value);
    sched.run();
  }

  ~replication_fixture() {
    for (auto& n : nodes)
      kill(n);
    caf::anon_send_exit(alter, caf::exit_reason::user_shutdown);
    sched.run();
  }

  std::vector<replica_node> nodes;

  // Opens (or re-opens) node id's log under the temp dir and spawns its replica (no role yet).
  replica_node& spawn(int32_t id) {
    replica_node n;
    n.id = id;
    n.dir = dir.path / ("node" + std::to_string(id)) / "t-0";
    storage::log_config lcfg;
    lcfg.dir = n.dir;
    lcfg.max_index_bytes = 65536;
    std::error_code ec;
    auto lg = open_partition_log(lcfg, "t-0@" + std::to_string(id), ec);
    REQUIRE(lg);
    auto init = defaults;
    init.node_id = id;
    init.log_start_offset = lg->log_start_offset();
    init.log_end_offset = lg->log_end_offset();
    n.log = sys.spawn(log_actor_impl, std::move(lg), "t-0@" + std::to_string(id));
    n.replica = sys.spawn(partition_replica_impl, n.log, init);
    sched.run();
    for (auto& old : nodes)
      if (old.id == id) {
        old = n;
        return old;
      }
    nodes.push_back(n);
    return nodes.back();
  }

  replica_node& node_of(int32_t id) {
    for (auto& n : nodes)
      if (n.id == id)
        return n;
    FAIL("no node " << id);
    return nodes.front();
  }

  void kill(replica_node& n) {
    if (n.replica)
      caf::anon_send_exit(n.replica, caf::exit_reason::kill);
    if (n.log)
      caf::anon_send_exit(n.log, caf::exit_reason::user_shutdown);
    sched.run();
    n.replica = nullptr;
    n.log = nullptr;
  }

  static partition_state state(int32_t leader, int32_t epoch, std::vector<int32_t> replicas,
                               std::vector<int32_t> isr, int32_t partition_epoch = 0) {
    partition_state s;
    s.leader_id = leader;
    s.leader_epoch = epoch;
    s.partition_epoch = partition_epoch;
    s.replicas = std::move(replicas);
    s.isr = std::move(isr);
    return s;
  }

  errc become(const partition_replica_actor& r, partition_state s) {
    return call<errc>(r, become_atom::value, std::move(s));
  }

  replica_status status(const partition_replica_actor& r) {
    return call<replica_status>(r, status_atom::value);
  }

  // A follower's fetch sent by hand (the follower id, its epoch and position).
  replica_fetch_reply replica_fetch(const partition_replica_actor& leader, int32_t follower,
                                    int32_t epoch, int64_t offset, int32_t last_epoch = -1,
                                    int32_t max_wait_ms = 0) {
    replica_fetch_args a;
    a.replica_id = follower;
    a.leader_epoch = epoch;
    a.fetch_offset = offset;
    a.last_fetched_epoch = last_epoch;
    a.max_wait_ms = max_wait_ms;
    return call<replica_fetch_reply>(leader, replica_fetch_atom::value, a);
  }

  std::shared_ptr<reply_slot<produce_reply>> produce_async(const partition_replica_actor& r,
                                                          std::vector<std::string> values,
                                                          int16_t acks = -1,
                                                          int32_t timeout_ms = 30000) {
    produce_args args;
    args.batch = make_batch(values);
    args.acks = acks;
    args.timeout_ms = timeout_ms;
    return ask<produce_reply>(r, produce_atom::value, args);
  }

  // Every batch of a log as raw bytes (whole log, via the log actor).
  std::vector<char> log_bytes(const log_actor& log, int64_t from = 0) {
    auto r = call<read_reply>(log, read_atom::value, from, int32_t{64 << 20});
    if (r.ec == errc::offset_out_of_range)
      return {};
    REQUIRE(r.ec == errc::none);
    return r.records.flatten();
  }
};

} // namespace cafka::test
