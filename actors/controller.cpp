// The controller actor (rules in controller.hpp).
#include "actors/controller.hpp"

#include "actors/logging.hpp"

#include <caf/all.hpp>

#include <chrono>

namespace cafka {

namespace {

constexpr const char* component = "controller";

using self_ptr = controller_impl_actor::stateful_pointer<controller_state>;

int64_t now_ms(self_ptr self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

std::string who(const controller_state& st) {
  return "controller " + std::to_string(st.cfg.id);
}

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
  for (auto& [index, p] : st.pending)
    p.promise.deliver(propose_reply{errc::not_controller, st.node->leader(), -1});
  st.pending.clear();
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
      if (p->second.term == e.term)
        p->second.promise.deliver(propose_reply{ec, st.node->leader(), e.index});
      else // another leader's entry replaced ours
        p->second.promise.deliver(propose_reply{errc::not_controller, st.node->leader(), -1});
      st.pending.erase(p);
    }
  }
  auto role = st.node->current_role();
  if (role != st.last_role || st.node->term() != st.last_term) {
    if (role == raft::role::leader)
      CAFKA_INFO(component, who(st) << ": leader in term " << st.node->term());
    else if (st.last_role == raft::role::leader)
      CAFKA_INFO(component, who(st) << ": no longer leader (term " << st.node->term() << ")");
    if (role != raft::role::leader)
      fail_pending(st);
    st.last_role = role;
    st.last_term = st.node->term();
  }
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

controller_impl_actor::behavior_type controller_impl(self_ptr self, controller_config cfg,
                                                     std::shared_ptr<raft::file_log_store> store) {
  auto& st = self->state;
  st.cfg = cfg;
  st.store = std::move(store);
  st.rng.seed(cfg.seed != 0 ? cfg.seed : std::random_device{}());
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
      if (!cluster::decode(data.data(), data.size(), ec))
        return propose_reply{errc::invalid_request, st.node->leader(), -1};
      if (!st.node->is_leader())
        return propose_reply{errc::not_controller, st.node->leader(), -1};
      auto rp = self->make_response_promise<propose_reply>();
      step(self, [&](raft::node& n, int64_t now) {
        auto r = n.propose(now, std::move(data));
        if (r.index == 0)
          rp.deliver(propose_reply{errc::not_controller, r.leader, -1});
        else
          st.pending.emplace(r.index, controller_state::pending_proposal{r.term, rp});
        return std::move(r.out);
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
    // PLACEHOLDER (issue 5 contract; the controller helper implements these).
    [](register_broker_atom, broker_registration&) {
      return registration_reply{errc::invalid_request};
    },
    [](broker_heartbeat_atom, broker_heartbeat&) { return heartbeat_reply{errc::invalid_request}; },
    [](create_topic_atom, create_topic_args&) { return topic_result{errc::invalid_request}; },
    [](delete_topic_atom, std::string&) { return topic_result{errc::invalid_request}; },
    [](create_parts_atom, create_partitions_args&) { return topic_result{errc::invalid_request}; },
    [](alter_partition_atom, alter_partition_args&) {
      return alter_partition_reply{errc::invalid_request};
    },
    [self](timeout_atom, int64_t due) {
      auto& st = self->state;
      if (due != st.timer_due)
        return; // superseded by an earlier timer
      st.timer_due = -1;
      step(self, [](raft::node& n, int64_t now) { return n.tick(now); });
    },
  };
}

} // namespace

controller_state::~controller_state() {
  if (store)
    store->close();
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
