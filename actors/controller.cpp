// The controller actor (rules in controller.hpp).
#include "actors/controller_ops.hpp"

#include "actors/logging.hpp"

#include <caf/all.hpp>

#include <chrono>

namespace cafka {

namespace controller_ops {

int64_t now_ms(self_ptr self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

std::string who(const controller_state& st) {
  return "controller " + std::to_string(st.cfg.id);
}

int32_t known_leader(const controller_state& st) {
  return st.node ? st.node->leader() : -1;
}

void when_active(self_ptr self, std::function<void()> f) {
  auto& st = self->state;
  if (st.active || !st.node->is_leader())
    f();
  else
    st.waiting.push_back(std::move(f));
}

} // namespace controller_ops

namespace {

using namespace controller_ops;

constexpr const char* component = "controller";

// Applies one committed entry to the metadata; returns the first record's error (the records
// after a failing one still apply: each is checked on its own, the same way everywhere).
errc apply_entry(controller_state& st, const raft::entry& e) {
  if (e.kind != raft::entry_kind::command)
    return errc::none;
  std::error_code ec;
  auto records = cluster::decode(e.data.data(), e.data.size(), ec);
  if (!records) {
    CAFKA_ERROR(component, who(st) << ": entry " << e.index << " is not a record list, skipped");
    return errc::invalid_request;
  }
  errc first = errc::none;
  for (auto& r : *records) {
    auto rec = st.metadata.apply(r);
    if (rec && first == errc::none)
      first = to_errc(rec);
    CAFKA_DEBUG(component, who(st) << ": applied " << cluster::to_string(r) << " at " << e.index
                                   << (rec ? " (" + rec.message() + ")" : std::string{}));
  }
  return first;
}

void fail_pending(controller_state& st) {
  auto pending = std::move(st.pending);
  st.pending.clear();
  for (auto& [index, p] : pending)
    p.done(propose_reply{errc::not_controller, st.node->leader(), -1});
}

// Answers the requests that waited for this controller to become active (or to learn that it
// will not: they then answer not_controller).
void run_waiting(controller_state& st) {
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& f : waiting)
    f();
}

// The leader becomes the active controller once it has applied everything before its term:
// from then on st.projected (committed state + its own proposals) is complete.
void maybe_activate(self_ptr self) {
  auto& st = self->state;
  if (st.active || !st.node->is_leader() || st.applied < st.leader_start)
    return;
  st.active = true;
  st.projected = st.metadata;
  reset_sessions(self);
  CAFKA_INFO(component, who(st) << ": active controller in term " << st.node->term() << " at "
                                << st.applied << " with " << st.metadata.brokers().size()
                                << " brokers, " << st.metadata.topics().size() << " topics");
  run_waiting(st);
}

void arm_timer(self_ptr self) {
  auto& st = self->state;
  auto due = st.node->next_deadline();
  if (st.timer_due >= 0 && st.timer_due <= due)
    return; // the armed timer comes first; it re-arms when it fires
  st.timer_due = due;
  auto delay = std::max<int64_t>(due - now_ms(self), 0);
  self->delayed_send(self, std::chrono::milliseconds(delay), timeout_atom::value, due);
}

void process(self_ptr self, raft::ready r);

void maybe_compact(self_ptr self) {
  auto& st = self->state;
  if (st.cfg.snapshot_interval_entries <= 0
      || st.applied - st.store->latest_snapshot().last_index < st.cfg.snapshot_interval_entries
      || st.applied > st.node->applied_index())
    return;
  CAFKA_DEBUG(component, who(st) << ": snapshot at " << st.applied);
  process(self, st.node->compact(st.applied, st.metadata.snapshot()));
}

// The ready contract (raft_node.hpp): sync, send, restore, apply.
void process(self_ptr self, raft::ready r) {
  auto& st = self->state;
  if (r.sync)
    st.store->sync();
  for (auto& env : r.messages) {
    auto peer = st.peers.find(env.to);
    if (peer == st.peers.end() || !peer->second)
      continue; // lost, as on a network: Raft retries
    std::visit([&](auto& m) { self->send(peer->second, raft_atom::value, std::move(m)); },
               env.body);
  }
  if (r.snapshot_to_apply) {
    if (auto ec = st.metadata.restore(r.snapshot_to_apply->data))
      throw std::system_error(ec, "restoring a metadata snapshot");
    st.applied = r.snapshot_to_apply->last_index;
    CAFKA_INFO(component, who(st) << ": installed a snapshot at " << st.applied);
  }
  for (auto& e : r.committed) {
    if (e.index <= st.applied)
      continue; // in the snapshot we started from
    auto ec = apply_entry(st, e);
    st.applied = e.index;
    auto p = st.pending.find(e.index);
    if (p != st.pending.end()) {
      auto done = std::move(p->second.done);
      auto ours = p->second.term == e.term; // else another leader's entry replaced ours
      st.pending.erase(p);
      done(ours ? propose_reply{ec, st.node->leader(), e.index}
                : propose_reply{errc::not_controller, st.node->leader(), -1});
    }
  }
  auto role = st.node->current_role();
  if (role != st.last_role || st.node->term() != st.last_term) {
    if (role == raft::role::leader)
      CAFKA_INFO(component, who(st) << ": leader in term " << st.node->term());
    else if (st.last_role == raft::role::leader)
      CAFKA_INFO(component, who(st) << ": no longer leader (term " << st.node->term() << ")");
    st.last_role = role;
    st.last_term = st.node->term();
    if (role == raft::role::leader) {
      st.leader_start = st.store->last_index(); // our term's no-op
    } else {
      st.active = false;
      st.shutting_down.clear();
      st.last_contact.clear();
      fail_pending(st);
      run_waiting(st);
    }
  }
  maybe_activate(self);
  if (!r.committed.empty())
    maybe_compact(self);
}

// Runs one input of the node; a store failure ends the actor.
template <class F>
void step(self_ptr self, F&& f) {
  try {
    process(self, f(*self->state.node, now_ms(self)));
    arm_timer(self);
  } catch (const std::exception& e) {
    CAFKA_ERROR(component, who(self->state) << ": " << e.what() << "; stopping");
    fail_pending(self->state);
    self->quit(caf::make_error(caf::sec::runtime_error, std::string{e.what()}));
  }
}

template <class Message>
auto on_raft(self_ptr self) {
  return [self](raft_atom, Message& m) {
    auto from = raft::no_node;
    if constexpr (std::is_same_v<Message, raft::vote_request>)
      from = m.candidate;
    else if constexpr (std::is_same_v<Message, raft::vote_response>)
      from = m.voter;
    else if constexpr (std::is_same_v<Message, raft::append_request>
                       || std::is_same_v<Message, raft::snapshot_request>)
      from = m.leader;
    else
      from = m.follower;
    step(self, [&](raft::node& n, int64_t now) { return n.receive(now, from, raft::message{std::move(m)}); });
  };
}

} // namespace

void controller_ops::propose_records(self_ptr self, std::vector<cluster::record> records,
                                     std::function<void(const propose_reply&)> done) {
  auto& st = self->state;
  for (auto& r : records)
    if (auto ec = st.projected.apply(r))
      CAFKA_WARN(component, who(st) << ": proposing " << cluster::to_string(r)
                                    << ", which does not fit: " << ec.message());
  auto data = cluster::encode(records);
  step(self, [&](raft::node& n, int64_t now) {
    auto r = n.propose(now, std::move(data));
    if (r.index == 0)
      done(propose_reply{errc::not_controller, r.leader, -1});
    else
      st.pending.emplace(r.index, controller_state::pending_proposal{r.term, std::move(done)});
    return std::move(r.out);
  });
}

namespace {

controller_impl_actor::behavior_type controller_impl(self_ptr self, controller_config cfg,
                                                     std::shared_ptr<raft::file_log_store> store) {
  auto& st = self->state;
  st.cfg = cfg;
  st.store = std::move(store);
  auto seed = cfg.seed != 0 ? cfg.seed : uint64_t{std::random_device{}()};
  st.rng.seed(seed);
  st.admin_rng.seed(seed ^ 0x9e3779b97f4a7c15ULL); // its own stream: Raft timings stay put
  raft::config rc;
  rc.id = cfg.id;
  rc.voters = cfg.voters.empty() ? std::vector<raft::node_id>{cfg.id} : cfg.voters;
  rc.election_timeout_min_ms = cfg.election_timeout_min_ms;
  rc.election_timeout_max_ms = cfg.election_timeout_max_ms;
  rc.heartbeat_interval_ms = cfg.heartbeat_interval_ms;
  auto& snap = st.store->latest_snapshot();
  if (auto ec = st.metadata.restore(snap.data)) {
    CAFKA_ERROR(component, who(st) << ": unreadable metadata snapshot at " << snap.last_index);
    self->quit(caf::make_error(caf::sec::runtime_error, "unreadable metadata snapshot"));
  }
  st.applied = snap.last_index;
  st.node = std::make_unique<raft::node>(rc, *st.store, [self] { return self->state.rng(); },
                                         now_ms(self));
  st.last_term = st.node->term();
  CAFKA_INFO(component, who(st) << ": started in term " << st.node->term() << " with entries "
                                << st.store->first_index() << ".." << st.store->last_index()
                                << ", snapshot at " << snap.last_index);
  arm_timer(self);
  return {
    on_raft<raft::vote_request>(self),
    on_raft<raft::vote_response>(self),
    on_raft<raft::append_request>(self),
    on_raft<raft::append_response>(self),
    on_raft<raft::snapshot_request>(self),
    on_raft<raft::snapshot_response>(self),
    [self](peer_atom, int32_t id, controller_peer_actor& peer) {
      if (id != self->state.cfg.id)
        self->state.peers[id] = std::move(peer);
    },
    [self](propose_atom, std::vector<char>& data) -> caf::result<propose_reply> {
      auto& st = self->state;
      std::error_code ec;
      auto records = cluster::decode(data.data(), data.size(), ec);
      if (!records)
        return propose_reply{errc::invalid_request, st.node->leader(), -1};
      auto rp = self->make_response_promise<propose_reply>();
      when_active(self, [self, rp, records = std::move(*records)]() mutable {
        if (self->state.active)
          propose_records(self, std::move(records),
                          [rp](const propose_reply& r) mutable { rp.deliver(r); });
        else
          rp.deliver(propose_reply{errc::not_controller, known_leader(self->state), -1});
      });
      return rp;
    },
    [self](metadata_atom) {
      auto& st = self->state;
      return controller_metadata{st.applied, st.node->leader(), st.node->term(),
                                 st.metadata.snapshot()};
    },
    [self](status_atom) {
      auto& st = self->state;
      return controller_status{st.cfg.id,          raft::to_string(st.node->current_role()),
                               st.node->term(),    st.node->leader(),
                               st.node->commit_index(), st.applied,
                               st.store->latest_snapshot().last_index};
    },
    // The broker-facing side (controller_ops.hpp).
    [self](register_broker_atom, broker_registration& req) {
      auto rp = self->make_response_promise<registration_reply>();
      when_active(self, [self, req, rp] { serve_registration(self, req, rp); });
      return rp;
    },
    [self](broker_heartbeat_atom, broker_heartbeat& req) {
      auto rp = self->make_response_promise<heartbeat_reply>();
      when_active(self, [self, req, rp] { serve_heartbeat(self, req, rp); });
      return rp;
    },
    [self](create_topic_atom, create_topic_args& args) {
      auto rp = self->make_response_promise<topic_result>();
      when_active(self, [self, args, rp] { serve_create_topic(self, args, rp); });
      return rp;
    },
    [self](delete_topic_atom, std::string& name) {
      auto rp = self->make_response_promise<topic_result>();
      when_active(self, [self, name, rp] { serve_delete_topic(self, name, rp); });
      return rp;
    },
    [self](create_parts_atom, create_partitions_args& args) {
      auto rp = self->make_response_promise<topic_result>();
      when_active(self, [self, args, rp] { serve_create_partitions(self, args, rp); });
      return rp;
    },
    [self](alter_partition_atom, alter_partition_args& args) {
      auto rp = self->make_response_promise<alter_partition_reply>();
      when_active(self, [self, args, rp] { serve_alter_partition(self, args, rp); });
      return rp;
    },
    [self](timeout_atom, int64_t due) {
      auto& st = self->state;
      if (due != st.timer_due)
        return; // superseded by an earlier timer
      st.timer_due = -1;
      step(self, [](raft::node& n, int64_t now) { return n.tick(now); });
      if (st.active)
        check_sessions(self);
    },
  };
}

} // namespace

controller_state::~controller_state() {
  if (store)
    store->close();
}

void set_broker_options(controller_config& c, const broker_config& cfg) {
  c.broker_session_timeout_ms = cfg.broker_session_timeout_ms;
  c.num_partitions = cfg.num_partitions;
  c.default_replication_factor = cfg.default_replication_factor;
  c.unclean_leader_election_enable = cfg.unclean_leader_election_enable;
}

controller_actor spawn_controller(caf::actor_system& sys, controller_config cfg, bool detached,
                                  std::error_code& ec) {
  std::shared_ptr<raft::file_log_store> store{
    raft::file_log_store::open(cfg.dir, ec, cfg.segment_bytes)};
  if (ec)
    return {};
  if (detached)
    return sys.spawn<caf::detached>(controller_impl, std::move(cfg), std::move(store));
  return sys.spawn(controller_impl, std::move(cfg), std::move(store));
}

} // namespace cafka
