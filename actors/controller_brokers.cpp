// The active controller's side of the broker lifecycle (KRaft's ClusterControlManager and
// BrokerHeartbeatManager): registration with the Raft index as broker epoch, heartbeats that
// unfence a caught-up broker and elect leaders it can take, controlled shutdown, and fencing of
// brokers whose session expired. Rules in controller_ops.hpp and docs/architecture.md.
#include "actors/controller_ops.hpp"

#include "actors/logging.hpp"

#include <caf/all.hpp>

namespace cafka::controller_ops {

namespace {

constexpr const char* component = "controller";

// The committed view (what brokers will see): fenced unless the broker's current registration
// is committed and unfenced.
bool committed_fenced(const controller_state& st, const broker_heartbeat& req) {
  auto b = st.metadata.broker(req.id);
  return !b || b->epoch != req.broker_epoch || b->fenced;
}

} // namespace

void serve_registration(self_ptr self, const broker_registration& req,
                        caf::typed_response_promise<registration_reply> rp) {
  auto& st = self->state;
  if (!st.active) {
    rp.deliver(registration_reply{errc::not_controller, known_leader(st), -1});
    return;
  }
  if (req.id < 0 || req.port < 0 || req.port > 65535) {
    rp.deliver(registration_reply{errc::invalid_request, st.cfg.id, -1});
    return;
  }
  // KRaft's broker epoch: the offset of the registration record, i.e. the index its entry gets.
  auto epoch = st.store->last_index() + 1;
  std::vector<cluster::record> rs{cluster::register_broker{
    req.id, epoch, req.host, static_cast<uint16_t>(req.port), req.endpoint}};
  if (st.projected.broker(req.id)) {
    // A restart: the old incarnation leaves every ISR and its leaderships move, as when it is
    // fenced (the registration record itself fences it, so its broker_fenced is dropped).
    auto fence = cluster::fence_broker_records(st.projected, req.id,
                                               st.cfg.unclean_leader_election_enable);
    rs.insert(rs.end(), std::next(fence.begin()), fence.end());
  }
  st.shutting_down.erase(req.id);
  st.last_contact[req.id] = now_ms(self);
  CAFKA_INFO(component, who(st) << ": broker " << req.id << " registers at " << req.host << ":"
                                << req.port << " (endpoint " << req.endpoint << "), epoch "
                                << epoch);
  propose_records(self, std::move(rs), [rp, epoch](const propose_reply& r) mutable {
    if (r.ec != errc::none)
      rp.deliver(registration_reply{r.ec, r.leader, -1});
    else
      rp.deliver(registration_reply{errc::none, r.leader, epoch});
  });
}

void serve_heartbeat(self_ptr self, const broker_heartbeat& req,
                     caf::typed_response_promise<heartbeat_reply> rp) {
  auto& st = self->state;
  if (!st.active) {
    rp.deliver(heartbeat_reply{errc::not_controller, known_leader(st), true, -1});
    return;
  }
  auto b = st.projected.broker(req.id);
  if (!b || b->epoch != req.broker_epoch) {
    rp.deliver(heartbeat_reply{errc::stale_broker_epoch, st.cfg.id, true, st.applied});
    return;
  }
  st.last_contact[req.id] = now_ms(self);
  auto unclean = st.cfg.unclean_leader_election_enable;
  // The reply once the fencing change commits; `fenced`: the broker's state after it.
  auto reply_after_commit = [self, rp](bool fenced) {
    return [self, rp, fenced](const propose_reply& r) mutable {
      rp.deliver(heartbeat_reply{r.ec, r.leader, r.ec != errc::none || fenced,
                                 self->state.applied});
    };
  };
  if (req.shutting_down) {
    // Controlled shutdown: fenced now, its leaderships move and it leaves the ISRs, so the
    // broker can stop without clients waiting for a session timeout.
    st.shutting_down.insert(req.id);
    if (!b->fenced) {
      CAFKA_INFO(component, who(st) << ": broker " << req.id << " shuts down, fencing it");
      propose_records(self, cluster::fence_broker_records(st.projected, req.id, unclean),
                      reply_after_commit(true));
      return;
    }
  } else if (b->fenced && !st.shutting_down.count(req.id) && req.metadata_offset >= b->epoch) {
    // Caught up with the metadata up to its own registration: it may serve (and lead) again.
    CAFKA_INFO(component, who(st) << ": broker " << req.id << " caught up to "
                                  << req.metadata_offset << ", unfencing it");
    propose_records(self, cluster::unfence_broker_records(st.projected, req.id, unclean),
                    reply_after_commit(false));
    return;
  }
  rp.deliver(heartbeat_reply{errc::none, st.cfg.id, committed_fenced(st, req), st.applied});
}

void reset_sessions(self_ptr self) {
  auto& st = self->state;
  auto now = now_ms(self);
  st.last_contact.clear();
  for (auto& [id, b] : st.projected.brokers())
    st.last_contact[id] = now;
}

void check_sessions(self_ptr self) {
  auto& st = self->state;
  auto now = now_ms(self);
  std::vector<cluster::broker_id> expired;
  for (auto& [id, b] : st.projected.brokers()) {
    if (b.fenced)
      continue;
    auto it = st.last_contact.find(id);
    if (it == st.last_contact.end())
      st.last_contact[id] = now; // unfenced by records this controller did not see coming
    else if (now - it->second > st.cfg.broker_session_timeout_ms)
      expired.push_back(id);
  }
  for (auto id : expired) {
    CAFKA_WARN(component, who(st) << ": broker " << id << " sent no heartbeat for "
                                  << now - st.last_contact[id] << " ms, fencing it");
    propose_records(self,
                    cluster::fence_broker_records(st.projected, id,
                                                  st.cfg.unclean_leader_election_enable),
                    [](const propose_reply&) {});
  }
}

} // namespace cafka::controller_ops
