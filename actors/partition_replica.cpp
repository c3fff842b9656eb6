#include "actors/partition_replica.hpp"

#include "actors/batch_trim.hpp"
#include "actors/logging.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

namespace cafka {

namespace {

constexpr const char* component = "replica";
// Single-node cluster: the ISR is always {leader}.
constexpr int32_t isr_size = 1;

using self_ptr = replica_impl_actor::stateful_pointer<replica_state>;

fetch_reply empty_fetch(const replica_state& st, errc ec = errc::none) {
  fetch_reply reply;
  reply.ec = ec;
  reply.high_watermark = st.high_watermark;
  reply.last_stable_offset = st.high_watermark; // no transactions yet: LSO = HW
  reply.log_start_offset = st.log_start_offset;
  return reply;
}

// Reads committed data for `args` from the log actor and completes `rp`.
void read_and_deliver(self_ptr self, const fetch_args& args,
                      caf::typed_response_promise<fetch_reply> rp) {
  self->request(self->state.log, log_request_timeout, read_atom::value, args.offset, args.max_bytes)
    .then(
      [self, rp](read_reply& r) mutable {
        auto& st = self->state;
        st.log_start_offset = r.log_start_offset;
        auto reply = empty_fetch(st, r.ec);
        if (r.ec == errc::none) {
          // An append may have landed between our HW check and this read; never serve records
          // at or past the HW (consumers must see only committed data).
          trim_batches_below(r.records, st.high_watermark);
          reply.records = std::move(r.records);
        }
        rp.deliver(std::move(reply));
      },
      [self, rp](caf::error& err) mutable {
        CAFKA_WARN(component, self->state.label << ": read failed: " << to_string(err));
        rp.deliver(empty_fetch(self->state, errc::request_timed_out));
      });
}

// Completes every waiter whose offset is now below the HW.
void wake_waiters(self_ptr self) {
  auto& st = self->state;
  auto ready = std::stable_partition(st.waiters.begin(), st.waiters.end(),
                                     [&](const fetch_waiter& w) {
                                       return w.args.offset >= st.high_watermark;
                                     });
  std::vector<fetch_waiter> woken(std::make_move_iterator(ready),
                                  std::make_move_iterator(st.waiters.end()));
  st.waiters.erase(ready, st.waiters.end());
  // Their timers still fire later; the timeout handler ignores ids no longer waiting.
  for (auto& w : woken)
    read_and_deliver(self, w.args, std::move(w.rp));
}

void fail_waiters(self_ptr self, errc ec) {
  auto waiters = std::move(self->state.waiters);
  self->state.waiters.clear();
  for (auto& w : waiters)
    w.rp.deliver(empty_fetch(self->state, ec));
}

produce_reply produce_error(const replica_state& st, errc ec) {
  produce_reply reply;
  reply.ec = ec;
  reply.log_start_offset = st.log_start_offset;
  return reply;
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
  // Everything in the local log is committed on a single node (ISR = {self}).
  st.high_watermark = info.log_end_offset;
  st.info = std::move(info);
  // On shutdown, answer long-polling fetches instead of leaving their requesters to time out.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (msg.reason == caf::exit_reason::normal)
      return;
    fail_waiters(self, errc::not_leader_or_follower);
    self->quit(msg.reason);
  });
  return {
    [self](produce_atom, produce_args& args) -> caf::typed_response_promise<produce_reply> {
      auto& st = self->state;
      auto rp = self->make_response_promise<produce_reply>();
      if (args.acks != 0 && args.acks != 1 && args.acks != -1) {
        rp.deliver(produce_error(st, errc::invalid_request));
        return rp;
      }
      // acks=all needs min.insync.replicas in the ISR before appending (Kafka checks first).
      if (args.acks == -1 && st.info.min_insync_replicas > isr_size) {
        rp.deliver(produce_error(st, errc::not_enough_replicas));
        return rp;
      }
      self
        ->request(st.log, log_request_timeout, append_atom::value, std::move(args.batch),
                  st.info.leader_epoch)
        .then(
          [self, rp](append_reply& r) mutable {
            auto& st = self->state;
            if (r.ec != errc::none) {
              rp.deliver(produce_error(st, r.ec));
              return;
            }
            st.log_start_offset = r.log_start_offset;
            st.log_end_offset = std::max(st.log_end_offset, r.last_offset + 1);
            // ISR = {self}: the append is committed as soon as it is in the local log.
            st.high_watermark = st.log_end_offset;
            produce_reply reply;
            reply.base_offset = r.base_offset;
            reply.log_append_time = r.log_append_time;
            reply.log_start_offset = st.log_start_offset;
            rp.deliver(std::move(reply));
            wake_waiters(self);
          },
          [self, rp](caf::error& err) mutable {
            CAFKA_WARN(component, self->state.label << ": append failed: " << to_string(err));
            rp.deliver(produce_error(self->state, errc::request_timed_out));
          });
      return rp;
    },
    [self](fetch_atom, fetch_args& args) -> caf::typed_response_promise<fetch_reply> {
      auto& st = self->state;
      auto rp = self->make_response_promise<fetch_reply>();
      if (args.offset < st.log_start_offset || args.offset > st.log_end_offset) {
        rp.deliver(empty_fetch(st, errc::offset_out_of_range));
      } else if (args.offset < st.high_watermark) {
        read_and_deliver(self, args, rp);
      } else if (args.max_wait_ms <= 0) {
        rp.deliver(empty_fetch(st));
      } else {
        auto id = ++st.next_waiter_id;
        st.waiters.push_back(fetch_waiter{id, args, rp});
        self->delayed_send(self, std::chrono::milliseconds(args.max_wait_ms), timeout_atom::value,
                           id);
      }
      return rp;
    },
    [self](timeout_atom, uint64_t id) {
      auto& st = self->state;
      auto i = std::find_if(st.waiters.begin(), st.waiters.end(),
                            [id](const fetch_waiter& w) { return w.id == id; });
      if (i == st.waiters.end())
        return; // already completed by an append
      auto rp = std::move(i->rp);
      st.waiters.erase(i);
      rp.deliver(empty_fetch(st));
    },
    [self](list_offsets_atom, int64_t timestamp) -> caf::typed_response_promise<offset_reply> {
      auto rp = self->make_response_promise<offset_reply>();
      self->request(self->state.log, log_request_timeout, offset_for_ts_atom::value, timestamp)
        .then(
          [self, rp, timestamp](offset_reply& r) mutable {
            // Never point consumers past the HW (equal to the log end on a single node): latest
            // becomes the HW, a timestamp hit beyond it becomes "none".
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
    // PLACEHOLDER (issue 5 contract; the replication helper implements these).
    [](become_atom, partition_state&) { return errc::invalid_request; },
    [](replica_fetch_atom, replica_fetch_args&) {
      return replica_fetch_reply{errc::not_leader_or_follower};
    },
    [self](status_atom) -> replica_status {
      auto& st = self->state;
      replica_status s;
      s.role = replica_role::leader;
      s.leader_id = st.info.leader_id;
      s.leader_epoch = st.info.leader_epoch;
      s.log_start_offset = st.log_start_offset;
      s.high_watermark = st.high_watermark;
      s.log_end_offset = st.log_end_offset;
      return s;
    },
    [self](delete_atom) -> caf::typed_response_promise<errc> {
      auto rp = self->make_response_promise<errc>();
      self->request(self->state.log, log_request_timeout, delete_atom::value)
        .then(
          [self, rp](errc ec) mutable {
            fail_waiters(self, errc::unknown_topic_or_partition);
            rp.deliver(ec);
            self->quit();
          },
          [self, rp](caf::error& err) mutable {
            CAFKA_ERROR(component, self->state.label << ": delete failed: " << to_string(err));
            fail_waiters(self, errc::unknown_topic_or_partition);
            rp.deliver(errc::storage_error);
            self->quit();
          });
      return rp;
    },
  };
}

} // namespace cafka
