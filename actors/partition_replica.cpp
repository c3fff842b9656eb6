#include "actors/partition_replica.hpp"

#include "actors/logging.hpp"
#include "actors/replica_internal.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace cafka {

using namespace replica;

namespace {

const char* role_name(replica_role r) {
  switch (r) {
    case replica_role::leader:
      return "leader";
    case replica_role::follower:
      return "follower";
    default:
      return "no role";
  }
}

// A request naming a leader epoch (consumer fetch, KIP-320) against ours: newer → we have not
// heard of it yet, older → the client's metadata is stale.
errc check_epoch(const replica_state& st, int32_t epoch) {
  if (epoch < 0 || !st.has_part)
    return errc::none;
  if (epoch > st.part.leader_epoch)
    return errc::unknown_leader_epoch;
  if (epoch < st.part.leader_epoch)
    return errc::fenced_leader_epoch;
  return errc::none;
}

// Same term: ISR and replica list updates, or the leader's handle (re)resolved.
void update_in_term(self_ptr self, partition_state& ps) {
  auto& st = self->state;
  bool retarget = ps.leader != st.part.leader;
  st.part.partition_epoch = ps.partition_epoch;
  st.part.isr = std::move(ps.isr);
  st.part.replicas = std::move(ps.replicas);
  st.part.leader = std::move(ps.leader);
  if (st.role == replica_role::leader) {
    sync_followers(self);
    leader_progress(self); // a smaller ISR may move the HW
  } else if (retarget && st.role == replica_role::follower) {
    ++st.generation;
    start_following(self);
  }
}

// Kafka's makeLeader / makeFollower on a new leader epoch.
void change_term(self_ptr self, partition_state& ps) {
  auto& st = self->state;
  auto before = st.role;
  ++st.generation;
  if (before == replica_role::leader)
    stop_leading(self, errc::not_leader_or_follower);
  else
    fail_waiters(self, errc::not_leader_or_follower);
  stop_following(self);
  st.has_part = true;
  st.part = std::move(ps);
  if (st.part.leader_id == st.info.node_id) {
    start_leading(self);
  } else if (st.part.leader_id >= 0 && in(st.part.replicas, st.info.node_id)) {
    start_following(self);
  } else {
    st.role = replica_role::none;
    CAFKA_INFO(component, st.label << ": no role in leader epoch " << st.part.leader_epoch
                                   << " (leader " << st.part.leader_id << "), was "
                                   << role_name(before));
  }
}

errc become(self_ptr self, partition_state& ps) {
  auto& st = self->state;
  if (st.has_part) {
    auto& cur = st.part;
    if (ps.leader_epoch < cur.leader_epoch
        || (ps.leader_epoch == cur.leader_epoch && ps.partition_epoch < cur.partition_epoch))
      return errc::fenced_leader_epoch;
    if (ps.leader_epoch == cur.leader_epoch && ps.leader_id == cur.leader_id) {
      update_in_term(self, ps);
      return errc::none;
    }
  }
  change_term(self, ps);
  return errc::none;
}

} // namespace

replica_impl_actor::behavior_type
partition_replica_impl(replica_impl_actor::stateful_pointer<replica_state> self, log_actor log,
                       replica_init info) {
  auto& st = self->state;
  st.log = std::move(log);
  st.label = info.topic + "-" + std::to_string(info.partition);
  st.log_start_offset = info.log_start_offset;
  st.log_end_offset = info.log_end_offset;
  st.info = std::move(info);
  if (st.info.single_node_leader) {
    // Everything in the local log is committed on a single node (ISR = {self}).
    st.high_watermark = st.log_end_offset;
    st.role = replica_role::leader;
    st.has_part = true;
    st.part.leader_id = st.info.node_id;
    st.part.leader_epoch = st.info.leader_epoch;
    st.part.replicas = {st.info.node_id};
    st.part.isr = {st.info.node_id};
    st.lead.epoch_start_offset = st.log_end_offset;
  } else {
    st.high_watermark = st.log_start_offset; // no HW checkpoint: learnt again from the leader
  }
  // On shutdown, answer waiting requests instead of leaving their requesters to time out.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (msg.reason == caf::exit_reason::normal)
      return;
    stop_leading(self, errc::not_leader_or_follower);
    self->quit(msg.reason);
  });
  return {
    [self](produce_atom, produce_args& args) -> caf::typed_response_promise<produce_reply> {
      auto rp = self->make_response_promise<produce_reply>();
      produce(self, args, rp);
      return rp;
    },
    [self](fetch_atom, fetch_args& args) -> caf::typed_response_promise<fetch_reply> {
      auto& st = self->state;
      auto rp = self->make_response_promise<fetch_reply>();
      if (auto ec = check_epoch(st, args.current_leader_epoch); ec != errc::none)
        rp.deliver(empty_fetch(st, ec));
      else if (st.role != replica_role::leader)
        rp.deliver(empty_fetch(st, errc::not_leader_or_follower));
      else
        serve_fetch(self, args, rp);
      return rp;
    },
    [self](timeout_atom, uint64_t id) {
      if (!expire_fetch(self, id))
        expire_leader_waiter(self, id); // or already completed: nothing to do
    },
    [self](isr_tick_atom, uint64_t gen) {
      if (gen == self->state.generation)
        isr_tick(self);
    },
    [self](fetch_tick_atom, uint64_t gen) { follower_fetch(self, gen); },
    [self](become_atom, partition_state& ps) { return become(self, ps); },
    [self](replica_fetch_atom,
           replica_fetch_args& args) -> caf::typed_response_promise<replica_fetch_reply> {
      auto rp = self->make_response_promise<replica_fetch_reply>();
      serve_replica_fetch(self, args, rp);
      return rp;
    },
    [self](list_offsets_atom, int64_t timestamp) -> caf::typed_response_promise<offset_reply> {
      auto rp = self->make_response_promise<offset_reply>();
      if (self->state.role != replica_role::leader) {
        rp.deliver(offset_reply{errc::not_leader_or_follower, -1, -1});
        return rp;
      }
      self->request(self->state.log, log_request_timeout, offset_for_ts_atom::value, timestamp)
        .then(
          [self, rp, timestamp](offset_reply& r) mutable {
            // Never point consumers past the HW: latest becomes the HW, a timestamp hit beyond
            // it becomes "none".
            auto hw = self->state.high_watermark;
            if (r.ec == errc::none && r.offset > hw)
              r.offset = timestamp == -1 ? hw : -1;
            rp.deliver(std::move(r));
          },
          [rp](caf::error&) mutable {
            offset_reply r;
            r.ec = errc::request_timed_out;
            rp.deliver(std::move(r));
          });
      return rp;
    },
    [self](delete_records_atom, int64_t offset) -> caf::typed_response_promise<offset_reply> {
      auto& st = self->state;
      auto rp = self->make_response_promise<offset_reply>();
      if (st.role != replica_role::leader) {
        rp.deliver(offset_reply{errc::not_leader_or_follower, st.log_start_offset, -1});
        return rp;
      }
      if (offset == -1)
        offset = st.high_watermark; // Kafka: -1 deletes everything committed
      // Consumers may only lose committed records: beyond the HW is out of range.
      if (offset < 0 || offset > st.high_watermark) {
        rp.deliver(offset_reply{errc::offset_out_of_range, st.log_start_offset, -1});
        return rp;
      }
      self->request(st.log, log_request_timeout, delete_records_atom::value, offset)
        .then(
          [self, rp](offset_reply& r) mutable {
            if (r.ec == errc::none)
              self->state.log_start_offset = std::max(self->state.log_start_offset, r.offset);
            rp.deliver(std::move(r));
          },
          [self, rp](caf::error& err) mutable {
            CAFKA_WARN(component, self->state.label << ": delete records failed: "
                                                    << to_string(err));
            rp.deliver(offset_reply{errc::request_timed_out, self->state.log_start_offset, -1});
          });
      return rp;
    },
    [self](configure_atom, int32_t min_insync_replicas) -> errc {
      self->state.info.min_insync_replicas = min_insync_replicas;
      return errc::none;
    },
    [self](status_atom) -> replica_status {
      auto& st = self->state;
      replica_status s;
      s.role = st.role;
      s.leader_id = st.part.leader_id;
      s.leader_epoch = st.part.leader_epoch;
      s.log_start_offset = st.log_start_offset;
      s.high_watermark = st.high_watermark;
      s.log_end_offset = st.log_end_offset;
      return s;
    },
    [self](delete_atom) -> caf::typed_response_promise<errc> {
      auto rp = self->make_response_promise<errc>();
      ++self->state.generation; // no more fetching, no more ISR checks
      stop_leading(self, errc::unknown_topic_or_partition);
      self->state.role = replica_role::none;
      self->request(self->state.log, log_request_timeout, delete_atom::value)
        .then(
          [self, rp](errc ec) mutable {
            rp.deliver(ec);
            self->quit();
          },
          [self, rp](caf::error& err) mutable {
            CAFKA_ERROR(component, self->state.label << ": delete failed: " << to_string(err));
            rp.deliver(errc::storage_error);
            self->quit();
          });
      return rp;
    },
  };
}

} // namespace cafka
