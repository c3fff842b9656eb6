#include "replication_sim.hpp"

#include "actors/cluster_records.hpp"
#include "actors/log_actor.hpp"
#include "actors/partition_replica.hpp"
#include "fixture.hpp"
#include "storage/record_batch.hpp"
#include "storage/record_reader.hpp"

#include <algorithm>

namespace cafka::test::replication {

namespace {

using link_fwd_atom = caf::atom_constant<caf::atom("linkfwd")>;
using link_back_atom = caf::atom_constant<caf::atom("linkback")>;
using namespace std::chrono_literals;
using cluster::ids;

// More messages than this in one run() without the clock moving: a livelock (e.g. a follower
// fetching in a busy loop).
constexpr size_t max_jobs_per_run = 200000;

// One log as the checker sees it: whole batches (bytes) and each record's value by offset.
struct log_view {
  struct batch {
    int64_t base_offset;
    std::vector<char> bytes;
  };
  std::vector<batch> batches;
  std::map<int64_t, std::string> values;
  bool ok = true;
};

log_view parse_log(const std::vector<char>& bytes) {
  log_view v;
  storage::batch_iterator it{bytes.data(), bytes.size()};
  storage::batch_header h;
  const char* data = nullptr;
  size_t size = 0;
  while (it.next(h, data, size)) {
    v.batches.push_back({h.base_offset, std::vector<char>(data, data + size)});
    storage::record_reader reader{data, size};
    storage::record_view rv;
    while (reader.next(rv))
      v.values[rv.offset] = rv.value ? std::string{*rv.value} : std::string{};
    if (reader.error())
      v.ok = false;
  }
  if (it.error())
    v.ok = false;
  return v;
}

} // namespace

counters& counters::operator+=(const counters& o) {
  acked += o.acked;
  failed += o.failed;
  kills += o.kills;
  elections += o.elections;
  isr_changes += o.isr_changes;
  dropped += o.dropped;
  return *this;
}

struct link_fault {
  bool lossy = false;
  bool slow = false;
};

struct node_slot {
  int32_t id = -1;
  std::filesystem::path dir;
  log_actor log;
  partition_replica_actor replica;
  bool alive = false;
};

struct world {
  uint64_t seed;
  options opts;
  bool tracing;
  std::mt19937_64 rng;
  temp_dir dir;
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::vector<node_slot> nodes; // index id - 1
  std::map<std::pair<int32_t, int32_t>, link_fault> faults; // (follower, leader)
  std::map<std::pair<int32_t, int32_t>, caf::actor> links;
  alter_partition_actor controller;
  partition_state committed;
  // Acknowledged acks=all records: value → offset.
  std::vector<std::pair<std::string, int64_t>> acked;
  uint64_t next_value = 0;
  std::map<int32_t, int32_t> leader_of_epoch;
  std::map<std::pair<int32_t, int32_t>, int64_t> leader_hw; // (node, epoch) → highest HW seen
  std::vector<std::string> violations;
  std::deque<std::string> trace;
  counters stats;
  int step = 0;

  world(uint64_t s, options o, bool t) : seed(s), opts(o), tracing(t), rng(s) {}

  void note(const std::string& line) {
    trace.push_back("[" + std::to_string(step) + " t=" + std::to_string(now_ms()) + "] " + line);
    if (trace.size() > 400)
      trace.pop_front();
  }
  void violation(const std::string& what) {
    if (violations.size() < 20)
      violations.push_back("step " + std::to_string(step) + ": " + what);
    note("VIOLATION " + what);
  }
  int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(sched.clock().now().time_since_epoch()).count();
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  node_slot& node(int32_t id) { return nodes.at(static_cast<size_t>(id - 1)); }
  std::vector<int32_t> alive_ids() {
    std::vector<int32_t> out;
    for (auto& n : nodes)
      if (n.alive)
        out.push_back(n.id);
    return out;
  }

  void run_jobs() {
    if (sched.run(max_jobs_per_run) >= max_jobs_per_run)
      violation("livelock: more than " + std::to_string(max_jobs_per_run)
                + " messages without the clock moving");
  }
  void advance(int ms) {
    sched.advance_time(std::chrono::milliseconds(ms));
    run_jobs();
  }

  template <class Reply, class Handle, class... Ts>
  std::optional<Reply> call(const Handle& h, Ts... xs) {
    auto slot = std::make_shared<reply_slot<Reply>>();
    sys.spawn([=](caf::event_based_actor* self) {
      self->request(h, std::chrono::seconds(30), xs...)
        .then([slot](Reply& r) { slot->value = std::move(r); },
              [slot](caf::error& e) { slot->error = std::move(e); });
    });
    run_jobs();
    return slot->value;
  }

  // ---- nodes and the controller -------------------------------------------------------------

  caf::actor link(int32_t follower, int32_t leader);

  void start_node(int32_t id) {
    auto& n = node(id);
    storage::log_config lcfg;
    lcfg.dir = n.dir;
    lcfg.max_index_bytes = 65536;
    lcfg.segment_bytes = 16384; // several segments per run: rolls and truncation across them
    std::error_code ec;
    auto label = "t-0@" + std::to_string(id);
    auto lg = open_partition_log(lcfg, label, ec);
    if (!lg) {
      violation("cannot open the log of node " + std::to_string(id) + ": " + ec.message());
      return;
    }
    replica_init init;
    init.topic = "t";
    init.node_id = id;
    init.log_start_offset = lg->log_start_offset();
    init.log_end_offset = lg->log_end_offset();
    init.min_insync_replicas = opts.min_insync_replicas;
    init.single_node_leader = false;
    init.alter_partition = controller;
    init.replica_lag_time_max_ms = 1000;
    init.replica_fetch_max_bytes = 4096; // several fetches to catch up
    init.replica_fetch_wait_max_ms = 200;
    init.replica_fetch_backoff_ms = 100;
    n.log = sys.spawn(log_actor_impl, std::move(lg), label);
    n.replica = sys.spawn(partition_replica_impl, n.log, init);
    n.alive = true;
  }

  void stop_node(int32_t id) {
    auto& n = node(id);
    caf::anon_send_exit(n.replica, caf::exit_reason::kill);
    caf::anon_send_exit(n.log, caf::exit_reason::user_shutdown);
    n.alive = false;
    run_jobs();
    n.replica = nullptr;
    n.log = nullptr;
  }

  // The node actors' job: every live replica learns the committed state.
  void broadcast() {
    for (auto& n : nodes) {
      if (!n.alive)
        continue;
      auto ps = committed;
      if (ps.leader_id == n.id)
        ps.leader = caf::actor_cast<caf::actor>(n.replica);
      else if (ps.leader_id >= 0 && node(ps.leader_id).alive)
        ps.leader = link(n.id, ps.leader_id);
      caf::anon_send(n.replica, become_atom::value, ps);
    }
  }

  // Kafka's election: the first live ISR member in replica order; none → no leader (the ISR
  // keeps its last member, as KRaft does).
  void elect() {
    committed.leader_id = -1;
    for (auto id : committed.replicas)
      if (node(id).alive
          && (opts.unclean_elections || std::count(committed.isr.begin(), committed.isr.end(), id))) {
        committed.leader_id = id;
        if (!std::count(committed.isr.begin(), committed.isr.end(), id))
          committed.isr = {id}; // unclean: the new leader's log is the truth
        break;
      }
    ++committed.leader_epoch;
    ++committed.partition_epoch;
    ++stats.elections;
    note("elected " + std::to_string(committed.leader_id) + " in epoch "
         + std::to_string(committed.leader_epoch) + ", ISR " + ids(committed.isr));
  }

  void kill(int32_t id) {
    ++stats.kills;
    note("kill node " + std::to_string(id));
    stop_node(id);
    // The controller fences it at once: out of the ISR unless it is the last member.
    if (committed.isr.size() > 1)
      committed.isr.erase(std::remove(committed.isr.begin(), committed.isr.end(), id),
                          committed.isr.end());
    if (committed.leader_id == id) {
      elect();
    } else {
      ++committed.partition_epoch;
    }
    broadcast();
  }

  void restart(int32_t id) {
    note("restart node " + std::to_string(id));
    start_node(id);
    if (committed.leader_id < 0)
      elect();
    broadcast();
  }

  // ---- producers ------------------------------------------------------------------------------

  void produce() {
    auto alive = alive_ids();
    if (alive.empty())
      return;
    int32_t target = committed.leader_id;
    if (target < 0 || !node(target).alive || chance(opts.p_misdirect))
      target = alive[static_cast<size_t>(uniform(0, static_cast<int>(alive.size()) - 1))];
    auto count = uniform(1, 3);
    std::vector<std::string> values;
    for (int i = 0; i < count; ++i)
      values.push_back("s" + std::to_string(seed) + "-v" + std::to_string(next_value++));
    produce_args args;
    args.batch = make_batch(values);
    args.acks = -1;
    args.timeout_ms = 1500;
    note("produce " + values.front() + ".." + values.back() + " to " + std::to_string(target));
    auto replica = node(target).replica;
    sys.spawn([this, replica, args, values](caf::event_based_actor* self) {
      self->request(replica, std::chrono::seconds(10), produce_atom::value, args)
        .then(
          [this, values](produce_reply& r) {
            if (r.ec != errc::none) {
              ++stats.failed;
              note("produce " + values.front() + " failed: " + std::string{to_string(r.ec)});
              return;
            }
            ++stats.acked;
            note("acked " + values.front() + " at " + std::to_string(r.base_offset));
            for (size_t i = 0; i < values.size(); ++i)
              acked.emplace_back(values[i], r.base_offset + static_cast<int64_t>(i));
          },
          [this](caf::error&) { ++stats.failed; });
    });
  }

  // ---- the checker ----------------------------------------------------------------------------

  void check() {
    std::map<int32_t, replica_status> status;
    std::map<int32_t, log_view> logs;
    for (auto& n : nodes) {
      if (!n.alive)
        continue;
      auto s = call<replica_status>(n.replica, status_atom::value);
      auto r = call<read_reply>(n.log, read_atom::value, int64_t{0}, int32_t{64 << 20});
      if (!s || !r) {
        violation("node " + std::to_string(n.id) + " did not answer");
        continue;
      }
      status[n.id] = *s;
      logs[n.id] = r->ec == errc::none ? parse_log(r->records.flatten()) : log_view{};
      if (!logs[n.id].ok)
        violation("node " + std::to_string(n.id) + ": unreadable log");
    }
    int64_t min_hw = INT64_MAX;
    for (auto& [id, s] : status) {
      min_hw = std::min(min_hw, s.high_watermark);
      if (s.high_watermark > s.log_end_offset)
        violation("node " + std::to_string(id) + ": HW " + std::to_string(s.high_watermark)
                  + " past its log end " + std::to_string(s.log_end_offset));
      if (s.role != replica_role::leader)
        continue;
      auto [it, fresh] = leader_of_epoch.emplace(s.leader_epoch, id);
      if (!fresh && it->second != id)
        violation("two leaders in epoch " + std::to_string(s.leader_epoch) + ": "
                  + std::to_string(it->second) + " and " + std::to_string(id));
      auto& hw = leader_hw[{id, s.leader_epoch}];
      if (s.high_watermark < hw)
        violation("leader " + std::to_string(id) + " HW went back from " + std::to_string(hw)
                  + " to " + std::to_string(s.high_watermark));
      hw = std::max(hw, s.high_watermark);
    }
    for (auto id : committed.isr) {
      auto l = logs.find(id);
      if (l == logs.end())
        continue;
      for (auto& [value, offset] : acked) {
        auto v = l->second.values.find(offset);
        if (v == l->second.values.end() || v->second != value) {
          violation("acknowledged " + value + " at " + std::to_string(offset)
                    + " missing from ISR member " + std::to_string(id) + " (has "
                    + (v == l->second.values.end() ? std::string{"nothing"} : v->second) + ")");
          break;
        }
      }
    }
    const log_view* reference = nullptr;
    int32_t ref_id = -1;
    for (auto& [id, view] : logs) {
      if (!reference) {
        reference = &view;
        ref_id = id;
        continue;
      }
      auto prefix = [&](const log_view& v) {
        std::vector<const log_view::batch*> out;
        for (auto& b : v.batches)
          if (b.base_offset < min_hw)
            out.push_back(&b);
        return out;
      };
      auto a = prefix(*reference);
      auto b = prefix(view);
      bool same = a.size() == b.size();
      for (size_t i = 0; same && i < a.size(); ++i)
        same = a[i]->base_offset == b[i]->base_offset && a[i]->bytes == b[i]->bytes;
      if (!same)
        violation("nodes " + std::to_string(ref_id) + " and " + std::to_string(id)
                  + " differ below the smallest HW " + std::to_string(min_hw));
    }
  }

  bool converged() {
    if (committed.leader_id < 0 || committed.isr.size() != nodes.size())
      return false;
    std::optional<replica_status> first;
    for (auto& n : nodes) {
      if (!n.alive)
        return false;
      auto s = call<replica_status>(n.replica, status_atom::value);
      if (!s || s->high_watermark != s->log_end_offset)
        return false;
      if (first && first->log_end_offset != s->log_end_offset)
        return false;
      first = s;
    }
    return true;
  }
};

// A follower → leader link: forwards fetches to whichever replica leads now on that node,
// dropping or delaying requests and replies while the link is faulty.
struct link_state {
  std::map<uint64_t, std::pair<replica_fetch_args, caf::response_promise>> requests;
  std::map<uint64_t, std::pair<replica_fetch_reply, caf::response_promise>> replies;
  uint64_t next = 0;
};

caf::behavior link_actor(caf::stateful_actor<link_state>* self, world* w, int32_t from,
                         int32_t to) {
  auto hold = [self, w, from, to](auto&& store, auto atom, auto entry) {
    auto& f = w->faults[{from, to}];
    auto id = ++self->state.next;
    store.emplace(id, std::move(entry));
    if (f.slow)
      self->delayed_send(self, std::chrono::milliseconds(w->uniform(1, w->opts.max_delay_ms)),
                         atom, id);
    else
      self->send(self, atom, id);
  };
  return {
    [self, w, from, to, hold](replica_fetch_atom, replica_fetch_args& args) {
      auto rp = self->make_response_promise();
      if (w->faults[{from, to}].lossy && w->chance(w->opts.drop)) {
        ++w->stats.dropped;
        return rp; // the follower's request times out
      }
      hold(self->state.requests, link_fwd_atom::value, std::make_pair(args, rp));
      return rp;
    },
    [self, w, from, to, hold](link_fwd_atom, uint64_t id) {
      auto i = self->state.requests.find(id);
      auto [args, rp] = std::move(i->second);
      self->state.requests.erase(i);
      auto& leader = w->node(to);
      if (!leader.alive)
        return;
      self->request(leader.replica, std::chrono::seconds(10), replica_fetch_atom::value, args)
        .then(
          [self, w, from, to, hold, rp](replica_fetch_reply& r) mutable {
            if (w->faults[{from, to}].lossy && w->chance(w->opts.drop)) {
              ++w->stats.dropped;
              return;
            }
            hold(self->state.replies, link_back_atom::value, std::make_pair(std::move(r), rp));
          },
          [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
    },
    [self](link_back_atom, uint64_t id) {
      auto i = self->state.replies.find(id);
      auto [reply, rp] = std::move(i->second);
      self->state.replies.erase(i);
      rp.deliver(std::move(reply));
    },
  };
}

caf::actor world::link(int32_t follower, int32_t leader) {
  auto& l = links[{follower, leader}];
  if (!l)
    l = sys.spawn(link_actor, this, follower, leader);
  return l;
}

// The controller's AlterPartition: checks epochs, rejects dead members, commits, tells all.
alter_partition_actor::behavior_type fake_controller(alter_partition_actor::pointer self,
                                                     world* w) {
  return {
    [w](alter_partition_atom, alter_partition_args& a) -> alter_partition_reply {
      auto& c = w->committed;
      alter_partition_reply r;
      if (a.leader_epoch != c.leader_epoch || a.broker_id != c.leader_id)
        r.ec = errc::fenced_leader_epoch;
      else if (a.partition_epoch != c.partition_epoch)
        r.ec = errc::invalid_update_version;
      for (auto id : a.new_isr)
        if (r.ec == errc::none && !w->node(id).alive)
          r.ec = errc::ineligible_replica;
      if (r.ec != errc::none) {
        w->note("alter ISR " + ids(a.new_isr) + " by " + std::to_string(a.broker_id)
                + " refused: " + std::string{to_string(r.ec)});
        return r;
      }
      c.isr = a.new_isr;
      ++c.partition_epoch;
      ++w->stats.isr_changes;
      w->note("ISR now " + ids(c.isr) + " (partition epoch " + std::to_string(c.partition_epoch)
              + ")");
      w->broadcast();
      return {errc::none, c.leader_id, c.leader_epoch, c.partition_epoch, c.isr};
    },
  };
}

simulation::simulation(uint64_t seed, options opts, bool trace)
  : w_(std::make_unique<world>(seed, opts, trace)) {
  auto& w = *w_;
  w.controller = w.sys.spawn(fake_controller, &w);
  for (int32_t id = 1; id <= opts.nodes; ++id) {
    node_slot n;
    n.id = id;
    n.dir = w.dir.path / ("node" + std::to_string(id)) / "t-0";
    w.nodes.push_back(n);
    w.committed.replicas.push_back(id);
  }
  w.committed.isr = w.committed.replicas;
  w.committed.leader_id = 1;
  w.committed.leader_epoch = 1;
  for (auto& n : w.nodes)
    w.start_node(n.id);
  w.broadcast();
  w.run_jobs();
}

simulation::~simulation() {
  auto& w = *w_;
  for (auto& n : w.nodes)
    if (n.alive)
      w.stop_node(n.id);
  for (auto& [key, l] : w.links)
    caf::anon_send_exit(l, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(w.controller, caf::exit_reason::user_shutdown);
  w.sched.trigger_timeouts();
  w.sched.run();
}

void simulation::run() {
  auto& w = *w_;
  auto& o = w.opts;
  for (w.step = 0; w.step < o.steps && w.violations.empty(); ++w.step) {
    if (w.chance(o.p_produce))
      w.produce();
    if (w.chance(o.p_kill_leader) && w.alive_ids().size() >= 2) {
      auto alive = w.alive_ids();
      auto victim = w.committed.leader_id;
      if (victim < 0 || !w.node(victim).alive || w.chance(0.3))
        victim = alive[static_cast<size_t>(w.uniform(0, static_cast<int>(alive.size()) - 1))];
      w.kill(victim);
    }
    if (w.chance(o.p_restart))
      for (auto& n : w.nodes)
        if (!n.alive) {
          w.restart(n.id);
          break;
        }
    if (w.chance(o.p_link_fault)) {
      // Mostly links towards the current leader: those carry the fetches.
      auto a = w.uniform(1, o.nodes);
      auto b = w.committed.leader_id >= 0 && w.chance(0.8) ? w.committed.leader_id
                                                           : w.uniform(1, o.nodes);
      if (a != b) {
        auto& f = w.faults[{a, b}];
        (w.chance(0.5) ? f.lossy : f.slow) = true;
        w.note("link " + std::to_string(a) + "->" + std::to_string(b)
               + (f.lossy ? " lossy" : "") + (f.slow ? " slow" : ""));
      }
    }
    if (w.chance(o.p_heal)) {
      w.faults.clear();
      w.note("links healed");
    }
    w.advance(w.uniform(0, 150));
    w.check();
  }
  if (!w.violations.empty())
    return;
  // Heal everything and let the cluster settle: every replica back in the ISR, logs equal.
  w.note("healing");
  w.faults.clear();
  for (auto& n : w.nodes)
    if (!n.alive)
      w.restart(n.id);
  for (int i = 0; i < 400 && !w.converged(); ++i)
    w.advance(100);
  w.check();
  if (!w.converged())
    w.violation("did not converge after healing: leader " + std::to_string(w.committed.leader_id)
                + ", ISR " + ids(w.committed.isr));
}

const std::vector<std::string>& simulation::violations() const {
  return w_->violations;
}

std::string simulation::trace_tail(size_t lines) const {
  std::string out;
  auto& t = w_->trace;
  for (size_t i = t.size() > lines ? t.size() - lines : 0; i < t.size(); ++i)
    out += "    " + t[i] + "\n";
  return out;
}

const counters& simulation::stats() const {
  return w_->stats;
}

} // namespace cafka::test::replication
