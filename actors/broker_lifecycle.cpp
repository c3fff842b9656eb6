// The broker lifecycle (broker_lifecycle.hpp).
#include "actors/broker_lifecycle.hpp"

#include "actors/logging.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <memory>

namespace cafka {

namespace {

constexpr const char* component = "lifecycle";

std::chrono::milliseconds ms(int64_t n) {
  return std::chrono::milliseconds{n};
}

void step(lifecycle_self self);
void run_waiting(lifecycle_self self);

// The controller handle of voter `id`: cached, this node's own, or gateway -> controller_atom.
void with_controller(lifecycle_self self, int32_t id, std::function<void(controller_actor)> ok,
                     std::function<void()> fail) {
  auto& st = self->state;
  if (auto it = st.controllers.find(id); it != st.controllers.end()) {
    ok(it->second);
    return;
  }
  auto timeout = ms(st.cfg.request_timeout_ms);
  self->request(st.directory, timeout, gateway_atom::value, id)
    .then(
      [self, id, ok, fail, timeout](node_gateway_actor& gw) {
        self->request(gw, timeout, controller_atom::value)
          .then(
            [self, id, ok, fail](controller_actor& c) {
              if (!c) {
                fail(); // that node is not a voter (misconfigured quorum)
                return;
              }
              auto& known = self->state.controllers[id];
              if (known != c) {
                known = c;
                self->monitor(c);
              }
              ok(c);
            },
            [fail](caf::error&) { fail(); });
      },
      [fail](caf::error&) { fail(); });
}

// The active controller is gone or unreachable: forget it (rediscovered on the next step).
void lost(lifecycle_self self, int32_t id, const std::string& why) {
  auto& st = self->state;
  if (id != st.active_id)
    return;
  st.active_id = -1;
  if (!st.warned_unreachable) {
    CAFKA_WARN(component, "controller " << id << " unreachable (" << why
                                        << "); looking for the active controller");
    st.warned_unreachable = true;
  }
}

void become_active(lifecycle_self self, int32_t id) {
  auto& st = self->state;
  st.warned_unreachable = false;
  if (id == st.active_id)
    return;
  CAFKA_INFO(component, "active controller is node " << id
                          << (st.active_id >= 0 ? " (was " + std::to_string(st.active_id) + ")"
                                                : std::string{}));
  st.active_id = id;
  run_waiting(self);
}

// not_controller from `asked`: follow a hint to another node now, else rediscover later.
void redirect(lifecycle_self self, int32_t asked, int32_t hint) {
  auto& st = self->state;
  if (hint >= 0 && hint != asked) {
    if (st.active_id == asked || st.active_id < 0)
      become_active(self, hint);
  } else if (st.active_id == asked) {
    st.active_id = -1;
  }
}

// Asks every voter for its status; the one that leads becomes active.
void discover(lifecycle_self self) {
  auto& st = self->state;
  auto timeout = ms(st.cfg.request_timeout_ms);
  for (auto voter : st.cfg.voters)
    with_controller(
      self, voter,
      [self, voter, timeout](controller_actor c) {
        self->request(c, timeout, status_atom::value)
          .then(
            [self, voter](controller_status& s) {
              if (s.role == "leader" && self->state.active_id < 0) {
                become_active(self, voter);
                step(self);
              }
            },
            [](caf::error&) {});
      },
      [] {});
}

void pull_metadata(lifecycle_self self, const controller_actor& c) {
  auto& st = self->state;
  if (st.pulling)
    return;
  st.pulling = true;
  self->request(c, ms(st.cfg.request_timeout_ms), metadata_atom::value)
    .then(
      [self](controller_metadata& md) {
        auto& st = self->state;
        st.pulling = false;
        if (md.offset <= st.delivered_offset)
          return; // an older image (e.g. from a controller that is behind): never go back
        st.delivered_offset = md.offset;
        self->send(st.sink, cluster_image_atom::value, std::move(md));
      },
      [self](caf::error&) { self->state.pulling = false; });
}

void register_broker(lifecycle_self self, int32_t asked, const controller_actor& c) {
  auto& st = self->state;
  self->request(c, ms(st.cfg.request_timeout_ms), register_broker_atom::value, st.cfg.registration)
    .then(
      [self, asked](registration_reply& r) {
        auto& st = self->state;
        st.in_flight = false;
        if (r.ec == errc::none) {
          st.broker_epoch = r.broker_epoch;
          st.fenced = true;
          CAFKA_INFO(component, "registered broker " << st.cfg.id << " with controller " << asked
                                                     << ", broker epoch " << r.broker_epoch);
          step(self); // first heartbeat right away
        } else if (r.ec == errc::not_controller) {
          auto before = st.active_id;
          redirect(self, asked, r.leader);
          if (st.active_id >= 0 && st.active_id != before)
            step(self);
        } else {
          CAFKA_WARN(component, "controller " << asked << " refused the registration: "
                                              << to_string(r.ec));
        }
      },
      [self, asked](caf::error& e) {
        self->state.in_flight = false;
        lost(self, asked, self->system().render(e));
      });
}

void heartbeat(lifecycle_self self, int32_t asked, const controller_actor& c) {
  auto& st = self->state;
  broker_heartbeat hb{st.cfg.id, st.broker_epoch, st.delivered_offset, false};
  self->request(c, ms(st.cfg.request_timeout_ms), broker_heartbeat_atom::value, hb)
    .then(
      [self, asked, c](heartbeat_reply& r) {
        auto& st = self->state;
        st.in_flight = false;
        switch (r.ec) {
          case errc::none:
            if (r.fenced != st.fenced) {
              CAFKA_INFO(component, "broker " << st.cfg.id << (r.fenced ? " fenced" : " unfenced")
                                              << " by controller " << asked);
              st.fenced = r.fenced;
            }
            st.seen_offset = std::max(st.seen_offset, r.metadata_offset);
            if (st.seen_offset > st.delivered_offset)
              pull_metadata(self, c);
            break;
          case errc::not_controller: {
            auto before = st.active_id;
            redirect(self, asked, r.leader);
            if (st.active_id >= 0 && st.active_id != before)
              step(self);
            break;
          }
          case errc::stale_broker_epoch:
            CAFKA_INFO(component, "broker epoch " << st.broker_epoch
                                                  << " is stale; registering again");
            st.broker_epoch = -1;
            step(self);
            break;
          default:
            CAFKA_WARN(component, "heartbeat refused by controller " << asked << ": "
                                                                     << to_string(r.ec));
        }
      },
      [self, asked](caf::error& e) {
        self->state.in_flight = false;
        lost(self, asked, self->system().render(e));
      });
}

// One step of the lifecycle: discover, register or heartbeat (at most one outstanding).
void step(lifecycle_self self) {
  auto& st = self->state;
  if (st.stopped || st.in_flight)
    return;
  if (st.active_id < 0) {
    discover(self);
    return;
  }
  st.in_flight = true;
  auto asked = st.active_id;
  with_controller(
    self, asked,
    [self, asked](controller_actor c) {
      if (self->state.broker_epoch < 0)
        register_broker(self, asked, c);
      else
        heartbeat(self, asked, c);
    },
    [self, asked] {
      self->state.in_flight = false;
      lost(self, asked, "no connection");
    });
}

// ---- relays -------------------------------------------------------------------------------

void wait_for_retry(lifecycle_self self, std::function<void()> retry) {
  auto& st = self->state;
  st.waiting.push_back(std::move(retry));
  if (!st.retry_armed) {
    st.retry_armed = true;
    self->delayed_send(self, ms(st.cfg.retry_backoff_ms), lifecycle_retry_atom::value);
  }
}

void run_waiting(lifecycle_self self) {
  auto waiting = std::move(self->state.waiting);
  self->state.waiting.clear();
  for (auto& retry : waiting)
    retry();
}

template <class Reply>
struct pending_relay {
  caf::typed_response_promise<Reply> promise;
  caf::actor_clock::time_point deadline;
};

// One attempt of a relayed request; `send(controller)` issues it and returns the response
// handle. Retries (after the backoff, or once a controller becomes active) until the deadline.
template <class Reply, class Send>
void attempt(lifecycle_self self, std::shared_ptr<pending_relay<Reply>> p, Send send,
             bool needs_registration) {
  auto& st = self->state;
  if (self->clock().now() >= p->deadline) {
    Reply timed_out;
    timed_out.ec = errc::request_timed_out;
    p->promise.deliver(std::move(timed_out));
    return;
  }
  auto retry = [self, p, send, needs_registration] {
    attempt<Reply>(self, p, send, needs_registration);
  };
  if (st.active_id < 0 || (needs_registration && st.broker_epoch < 0)) {
    step(self); // finds the controller (or registers) meanwhile
    wait_for_retry(self, retry);
    return;
  }
  auto asked = st.active_id;
  with_controller(
    self, asked,
    [self, p, send, asked, retry](controller_actor c) {
      send(c).then(
        [self, p, asked, retry](Reply& r) {
          if (r.ec == errc::not_controller) {
            if (self->state.active_id == asked)
              self->state.active_id = -1;
            wait_for_retry(self, retry);
            return;
          }
          p->promise.deliver(std::move(r));
        },
        [self, asked, retry](caf::error& e) {
          lost(self, asked, self->system().render(e));
          wait_for_retry(self, retry);
        });
    },
    [self, asked, retry] {
      lost(self, asked, "no connection");
      wait_for_retry(self, retry);
    });
}

template <class Reply, class Send>
caf::typed_response_promise<Reply> relay(lifecycle_self self, Send send,
                                         bool needs_registration = false) {
  auto p = std::make_shared<pending_relay<Reply>>();
  p->promise = self->template make_response_promise<Reply>();
  p->deadline = self->clock().now() + ms(self->state.cfg.relay_deadline_ms);
  attempt<Reply>(self, p, std::move(send), needs_registration);
  return p->promise;
}

} // namespace

broker_lifecycle_actor::behavior_type broker_lifecycle_impl(lifecycle_self self,
                                                            lifecycle_config cfg,
                                                            peer_directory_actor directory,
                                                            controller_actor local_controller,
                                                            metadata_sink_actor sink) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.directory = std::move(directory);
  st.sink = std::move(sink);
  if (local_controller) {
    st.controllers[st.cfg.id] = local_controller;
    self->monitor(local_controller);
  }
  st.local_controller = std::move(local_controller);
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& st = self->state;
    for (auto it = st.controllers.begin(); it != st.controllers.end();) {
      if (it->second.address() == msg.source) {
        lost(self, it->first, "down: " + self->system().render(msg.reason));
        it = st.controllers.erase(it);
      } else {
        ++it;
      }
    }
  });
  self->send(self, lifecycle_tick_atom::value);
  auto timeout = ms(st.cfg.request_timeout_ms);
  return {
    [self](lifecycle_tick_atom) {
      step(self);
      if (!self->state.stopped)
        self->delayed_send(self, ms(self->state.cfg.heartbeat_interval_ms),
                           lifecycle_tick_atom::value);
    },
    [self](lifecycle_retry_atom) {
      self->state.retry_armed = false;
      run_waiting(self);
    },
    [self, timeout](lifecycle_stop_atom) -> caf::result<bool> {
      auto& st = self->state;
      st.stopped = true;
      auto it = st.controllers.find(st.active_id);
      if (st.broker_epoch < 0 || it == st.controllers.end())
        return false;
      auto rp = self->make_response_promise<bool>();
      broker_heartbeat hb{st.cfg.id, st.broker_epoch, st.delivered_offset, true};
      self->request(it->second, timeout, broker_heartbeat_atom::value, hb)
        .then([rp](heartbeat_reply& r) mutable { rp.deliver(r.ec == errc::none); },
              [rp](caf::error&) mutable { rp.deliver(false); });
      return rp;
    },
    [self, timeout](create_topic_atom, create_topic_args& args) {
      return relay<topic_result>(self, [self, args, timeout](const controller_actor& c) {
        return self->request(c, timeout, create_topic_atom::value, args);
      });
    },
    [self, timeout](delete_topic_atom, std::string& name) {
      return relay<topic_result>(self, [self, name, timeout](const controller_actor& c) {
        return self->request(c, timeout, delete_topic_atom::value, name);
      });
    },
    [self, timeout](create_parts_atom, create_partitions_args& args) {
      return relay<topic_result>(self, [self, args, timeout](const controller_actor& c) {
        return self->request(c, timeout, create_parts_atom::value, args);
      });
    },
    [self, timeout](alter_partition_atom, alter_partition_args& args) {
      return relay<alter_partition_reply>(
        self,
        [self, args, timeout](const controller_actor& c) {
          auto filled = args;
          filled.broker_id = self->state.cfg.id;
          filled.broker_epoch = self->state.broker_epoch; // the current registration's
          return self->request(c, timeout, alter_partition_atom::value, std::move(filled));
        },
        true);
    },
  };
}

broker_lifecycle_actor spawn_broker_lifecycle(caf::actor_system& sys, lifecycle_config cfg,
                                              peer_directory_actor directory,
                                              controller_actor local_controller,
                                              metadata_sink_actor sink) {
  return sys.spawn(broker_lifecycle_impl, std::move(cfg), std::move(directory),
                   std::move(local_controller), std::move(sink));
}

} // namespace cafka
