#include "actors/group_coordinator.hpp"

#include "actors/logging.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdio>
#include <random>

namespace cafka {

namespace {

constexpr const char* component = "group";

// Answers a parked request (if still parked) and forgets it.
template <class Map, class Reply>
void deliver_parked(Map& parked, const std::string& member_id, Reply&& reply) {
  auto i = parked.find(member_id);
  if (i == parked.end())
    return;
  auto rp = std::move(i->second);
  parked.erase(i);
  rp.deliver(std::forward<Reply>(reply));
}

// Parks a request; an older one of the same member (a client retry) is answered so it never
// hangs: Kafka silently drops it, the client has given up on it anyway.
template <class Map, class Promise, class Reply>
void park(Map& parked, const std::string& member_id, Promise rp, Reply superseded) {
  auto i = parked.find(member_id);
  if (i != parked.end()) {
    i->second.deliver(std::move(superseded));
    i->second = std::move(rp);
  } else {
    parked.emplace(member_id, std::move(rp));
  }
}

void store_group(group_self self, store_request req) {
  req.group.state_timestamp = group_now_ms();
  std::vector<offsets_record> records{encode(req.group)};
  auto token = req.token;
  store_records(self, std::move(records), [self, token](errc ec) {
    if (ec != errc::none)
      CAFKA_WARN(component, self->state.group->group_id()
                              << ": storing group metadata failed: " << to_string(ec));
    group_effects fx;
    self->state.group->on_stored(token, ec, fx);
    apply_effects(self, fx);
  });
}

} // namespace

void apply_effects(group_self self, group_effects& fx) {
  auto& st = self->state;
  for (auto& j : fx.joins)
    deliver_parked(st.joins, j.member_id, std::move(j.reply));
  for (auto& s : fx.syncs)
    deliver_parked(st.syncs, s.member_id, std::move(s.reply));
  for (auto& t : fx.timers)
    self->delayed_send(self, std::chrono::milliseconds(std::max(t.delay_ms, 0)),
                       timeout_atom::value, static_cast<int32_t>(t.kind), t.member_id, t.seq);
  for (auto& s : fx.stores)
    store_group(self, std::move(s));
}

namespace {

// The coordinator is going away (shard gone, shutdown): parked clients must look it up again.
void fail_parked(group_self self) {
  auto& st = self->state;
  auto joins = std::move(st.joins);
  auto syncs = std::move(st.syncs);
  st.joins.clear();
  st.syncs.clear();
  for (auto& [id, rp] : joins) {
    join_group_reply r;
    r.ec = errc::not_coordinator;
    r.member_id = id;
    rp.deliver(std::move(r));
  }
  for (auto& [id, rp] : syncs) {
    sync_group_reply r;
    r.ec = errc::not_coordinator;
    rp.deliver(std::move(r));
  }
}

} // namespace

int64_t group_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string generate_member_id(const std::string& prefix) {
  // A random (version 4) UUID in Java's UUID.toString() form.
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return prefix + "-" + buf;
}

void store_records(group_self self, std::vector<offsets_record> records,
                   std::function<void(errc)> done) {
  self->request(self->state.shard, group_store_timeout, store_atom::value, std::move(records))
    .then([done](errc ec) { done(ec); },
          [self, done](caf::error& err) {
            CAFKA_WARN(component, self->state.group->group_id()
                                    << ": store request failed: " << to_string(err));
            done(errc::request_timed_out);
          });
}

group_impl_actor::behavior_type
group_coordinator(group_impl_actor::stateful_pointer<group_coordinator_state> self,
                  std::string group_id, group_settings settings, group_shard_actor shard,
                  std::optional<stored_group> restored) {
  auto& st = self->state;
  st.shard = std::move(shard);
  st.group = std::make_unique<group_state>(std::move(group_id), settings, generate_member_id);
  // Without its shard the group can persist nothing: stop, and let clients rediscover.
  self->monitor(st.shard);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.source != self->state.shard.address())
      return;
    fail_parked(self);
    self->quit(msg.reason);
  });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (msg.reason == caf::exit_reason::normal)
      return;
    fail_parked(self);
    self->quit(msg.reason);
  });
  if (restored) {
    group_effects fx;
    st.group->restore(*restored, fx);
    apply_effects(self, fx);
  }
  return {
    [self](join_group_atom,
           join_group_args& args) -> caf::typed_response_promise<join_group_reply> {
      auto rp = self->make_response_promise<join_group_reply>();
      group_effects fx;
      auto out = self->state.group->join(args, fx);
      if (out.parked) {
        join_group_reply superseded;
        superseded.ec = errc::rebalance_in_progress;
        superseded.member_id = out.member_id;
        park(self->state.joins, out.member_id, rp, std::move(superseded));
      } else {
        rp.deliver(std::move(out.reply));
      }
      apply_effects(self, fx);
      return rp;
    },
    [self](sync_group_atom,
           sync_group_args& args) -> caf::typed_response_promise<sync_group_reply> {
      auto rp = self->make_response_promise<sync_group_reply>();
      group_effects fx;
      auto out = self->state.group->sync(args, fx);
      if (out.parked) {
        sync_group_reply superseded;
        superseded.ec = errc::rebalance_in_progress;
        park(self->state.syncs, out.member_id, rp, std::move(superseded));
      } else {
        rp.deliver(std::move(out.reply));
      }
      apply_effects(self, fx);
      return rp;
    },
    [self](heartbeat_atom, heartbeat_args& args) -> errc {
      group_effects fx;
      auto ec = self->state.group->heartbeat(args, fx);
      apply_effects(self, fx);
      return ec;
    },
    [self](leave_group_atom, leave_group_args& args) -> leave_group_reply {
      group_effects fx;
      auto reply = self->state.group->leave(args, fx);
      apply_effects(self, fx);
      return reply;
    },
    [self](offset_commit_atom, offset_commit_args& args) {
      return commit_offsets(self, args);
    },
    [self](offset_delete_atom, offset_delete_args& args) {
      return delete_offsets(self, args);
    },
    [self](describe_group_atom) -> group_description {
      return self->state.group->describe();
    },
    [self](delete_group_atom) -> caf::typed_response_promise<errc> {
      auto rp = self->make_response_promise<errc>();
      auto& group = *self->state.group;
      auto ec = group.begin_delete();
      if (ec != errc::none) {
        rp.deliver(ec);
        return rp;
      }
      // Dead until the tombstone is durable; then the actor is done.
      std::vector<offsets_record> records{encode(group_tombstone{group.group_id()})};
      store_records(self, std::move(records), [self, rp](errc ec) mutable {
        if (ec != errc::none) {
          self->state.group->abort_delete();
          rp.deliver(coordinator_store_error(ec));
          return;
        }
        CAFKA_INFO(component, self->state.group->group_id() << ": deleted");
        rp.deliver(errc::none);
        fail_parked(self);
        self->quit();
      });
      return rp;
    },
    [self](timeout_atom, int32_t kind, std::string& member_id, uint64_t seq) {
      group_effects fx;
      self->state.group->on_timer(static_cast<timer_kind>(kind), member_id, seq, fx);
      apply_effects(self, fx);
    },
  };
}

group_actor spawn_group(caf::actor_system& sys, std::string group_id, group_settings settings,
                        group_shard_actor shard, std::optional<stored_group> restored) {
  return sys.spawn(group_coordinator, std::move(group_id), settings, std::move(shard),
                   std::move(restored));
}

} // namespace cafka
