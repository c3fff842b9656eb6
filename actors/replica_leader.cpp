// The leader side of a partition replica: produce (acks 0/1/all), the high watermark from the
// followers' positions, and the follower fetches that report those positions (Kafka's
// Partition.updateFollowerFetchState / maybeIncrementLeaderHW / fetchRecords for replicas).
#include "actors/batch_trim.hpp"
#include "actors/logging.hpp"
#include "actors/replica_internal.hpp"

#include <algorithm>

namespace cafka::replica {

namespace {

produce_reply produce_error(const replica_state& st, errc ec) {
  produce_reply reply;
  reply.ec = ec;
  reply.log_start_offset = st.log_start_offset;
  return reply;
}

replica_fetch_reply fetch_error(const replica_state& st, errc ec) {
  replica_fetch_reply reply;
  reply.ec = ec;
  reply.high_watermark = st.high_watermark;
  reply.log_start_offset = st.log_start_offset;
  reply.log_end_offset = st.log_end_offset;
  return reply;
}

follower_progress* find_follower(replica_state& st, int32_t id) {
  for (auto& f : st.lead.followers)
    if (f.id == id)
      return &f;
  return nullptr;
}

// HW = min log end over the maximal ISR; members whose position is not known yet in this term
// hold it where it is (a new leader keeps its own HW until every ISR member fetched).
void advance_high_watermark(replica_state& st) {
  int64_t candidate = st.log_end_offset;
  for (auto id : maximal_isr(st)) {
    if (id == st.info.node_id)
      continue;
    auto* f = find_follower(st, id);
    if (!f || f->log_end_offset < 0)
      return;
    candidate = std::min(candidate, f->log_end_offset);
  }
  st.high_watermark = std::max(st.high_watermark, candidate); // never backwards in a term
}

// Kafka's Replica.updateFetchState: caught up when it reached the leader's log end, or the log
// end the leader had at its previous fetch.
void record_fetch(follower_progress& f, int64_t fetch_offset, int64_t leader_end, int64_t now) {
  if (fetch_offset >= leader_end)
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, now);
  else if (f.last_fetch_leader_end >= 0 && fetch_offset >= f.last_fetch_leader_end)
    f.last_caught_up_ms = std::max(f.last_caught_up_ms, f.last_fetch_ms);
  f.log_end_offset = fetch_offset;
  f.last_fetch_ms = now;
  f.last_fetch_leader_end = leader_end;
}

// Answers a follower whose position is already recorded: records from fetch_offset up to the
// leader's log end, or nothing at the log end.
void respond(self_ptr self, const replica_fetch_args& args,
             caf::typed_response_promise<replica_fetch_reply> rp) {
  auto& st = self->state;
  if (args.fetch_offset >= st.log_end_offset) {
    rp.deliver(fetch_error(st, errc::none));
    return;
  }
  auto max_bytes = std::max<int32_t>(args.max_bytes, 1);
  self->request(st.log, log_request_timeout, read_atom::value, args.fetch_offset, max_bytes)
    .then(
      [self, rp](read_reply& r) mutable {
        auto& st = self->state;
        st.log_start_offset = std::max(st.log_start_offset, r.log_start_offset);
        auto reply = fetch_error(st, r.ec);
        if (r.ec == errc::none) {
          trim_batches_below(r.records, st.log_end_offset);
          reply.records = std::move(r.records);
        }
        rp.deliver(std::move(reply));
      },
      [self, rp](caf::error& err) mutable {
        CAFKA_WARN(component, self->state.label << ": replica read failed: " << to_string(err));
        rp.deliver(fetch_error(self->state, errc::request_timed_out));
      });
}

// The normal path of a follower fetch (its log matches ours below fetch_offset).
void accept_fetch(self_ptr self, const replica_fetch_args& args,
                  caf::typed_response_promise<replica_fetch_reply> rp) {
  auto& st = self->state;
  auto* f = find_follower(st, args.replica_id);
  if (!f) {
    rp.deliver(fetch_error(st, errc::not_leader_or_follower));
    return;
  }
  if (args.fetch_offset > st.log_end_offset) {
    rp.deliver(fetch_error(st, errc::offset_out_of_range));
    return;
  }
  record_fetch(*f, args.fetch_offset, st.log_end_offset, now_ms(self));
  auto progress = *f;
  auto hw_before = st.high_watermark;
  leader_progress(self);
  maybe_expand_isr(self, progress);
  // Its position moved the HW: answer at once so the follower learns it without a long poll.
  bool hw_moved = st.high_watermark != hw_before;
  if (args.fetch_offset < st.log_end_offset || args.max_wait_ms <= 0 || hw_moved) {
    respond(self, args, std::move(rp));
    return;
  }
  auto id = ++st.next_waiter_id;
  st.lead.replica_waiters.push_back(replica_fetch_waiter{id, args, std::move(rp)});
  self->delayed_send(self, std::chrono::milliseconds(args.max_wait_ms), timeout_atom::value, id);
}

void complete_produces(self_ptr self) {
  auto& st = self->state;
  auto& waiting = st.lead.produces;
  auto done = std::stable_partition(waiting.begin(), waiting.end(), [&](const produce_waiter& w) {
    return w.required_offset > st.high_watermark;
  });
  std::vector<produce_waiter> finished(std::make_move_iterator(done),
                                       std::make_move_iterator(waiting.end()));
  waiting.erase(done, waiting.end());
  // Kafka: committed, but acknowledged only while the ISR still meets min.insync.replicas.
  bool enough = static_cast<int32_t>(st.part.isr.size()) >= st.info.min_insync_replicas;
  for (auto& w : finished)
    w.rp.deliver(enough ? w.reply : produce_error(st, errc::not_enough_replicas_after_append));
}

void wake_replica_waiters(self_ptr self, bool hw_moved) {
  auto& st = self->state;
  auto& waiting = st.lead.replica_waiters;
  auto ready = std::stable_partition(waiting.begin(), waiting.end(),
                                     [&](const replica_fetch_waiter& w) {
                                       return !hw_moved && w.args.fetch_offset >= st.log_end_offset;
                                     });
  std::vector<replica_fetch_waiter> woken(std::make_move_iterator(ready),
                                          std::make_move_iterator(waiting.end()));
  waiting.erase(ready, waiting.end());
  for (auto& w : woken)
    respond(self, w.args, std::move(w.rp));
}

} // namespace

void sync_followers(self_ptr self) {
  auto& st = self->state;
  std::vector<follower_progress> next;
  auto now = now_ms(self);
  for (auto id : st.part.replicas) {
    if (id == st.info.node_id)
      continue;
    if (auto* f = find_follower(st, id)) {
      next.push_back(*f);
      continue;
    }
    follower_progress f;
    f.id = id;
    // Kafka's resetReplicaState: ISR members count as caught up now, so they are not dropped
    // before they had a chance to fetch from the new leader.
    f.last_caught_up_ms = in(st.part.isr, id) ? now : 0;
    next.push_back(f);
  }
  st.lead.followers = std::move(next);
}

void start_leading(self_ptr self) {
  auto& st = self->state;
  st.role = replica_role::leader;
  st.lead = leader_state{};
  st.lead.epoch_start_offset = st.log_end_offset;
  sync_followers(self);
  auto gen = st.generation;
  // Follower appends still queued at the log count: the epoch starts at its true log end.
  self->request(st.log, log_request_timeout, offset_for_ts_atom::value, int64_t{-1})
    .then(
      [self, gen](offset_reply& r) {
        auto& st = self->state;
        if (r.ec != errc::none || st.generation != gen)
          return;
        st.log_end_offset = std::max(st.log_end_offset, r.offset);
        st.lead.epoch_start_offset = r.offset;
        leader_progress(self);
      },
      [](caf::error&) {});
  arm_isr_timer(self);
  CAFKA_INFO(component, st.label << ": leader in epoch " << st.part.leader_epoch << ", ISR "
                                 << st.part.isr.size() << " of " << st.part.replicas.size()
                                 << " replicas, high watermark " << st.high_watermark);
  leader_progress(self);
}

void stop_leading(self_ptr self, errc ec) {
  auto& st = self->state;
  auto produces = std::move(st.lead.produces);
  auto replica_waiters = std::move(st.lead.replica_waiters);
  st.lead = leader_state{};
  for (auto& w : produces)
    w.rp.deliver(produce_error(st, ec));
  for (auto& w : replica_waiters)
    w.rp.deliver(fetch_error(st, ec));
  fail_waiters(self, ec);
}

void leader_progress(self_ptr self) {
  auto& st = self->state;
  if (st.role != replica_role::leader)
    return;
  auto before = st.high_watermark;
  advance_high_watermark(st);
  bool moved = st.high_watermark != before;
  complete_produces(self);
  wake_replica_waiters(self, moved);
  if (moved)
    wake_waiters(self);
}

void produce(self_ptr self, produce_args& args, caf::typed_response_promise<produce_reply> rp) {
  auto& st = self->state;
  if (args.acks != 0 && args.acks != 1 && args.acks != -1) {
    rp.deliver(produce_error(st, errc::invalid_request));
    return;
  }
  if (st.role != replica_role::leader) {
    rp.deliver(produce_error(st, errc::not_leader_or_follower));
    return;
  }
  // acks=all needs min.insync.replicas in the ISR before appending (Kafka checks first).
  if (args.acks == -1
      && static_cast<int32_t>(st.part.isr.size()) < st.info.min_insync_replicas) {
    rp.deliver(produce_error(st, errc::not_enough_replicas));
    return;
  }
  auto epoch = st.part.leader_epoch;
  auto gen = st.generation;
  auto acks = args.acks;
  auto timeout_ms = std::max<int32_t>(args.timeout_ms, 0);
  self->request(st.log, log_request_timeout, append_atom::value, std::move(args.batch), epoch)
    .then(
      [self, rp, acks, gen, timeout_ms](append_reply& r) mutable {
        auto& st = self->state;
        if (r.ec != errc::none) {
          rp.deliver(produce_error(st, r.ec));
          return;
        }
        st.log_start_offset = std::max(st.log_start_offset, r.log_start_offset);
        st.log_end_offset = std::max(st.log_end_offset, r.last_offset + 1);
        produce_reply reply;
        reply.base_offset = r.base_offset;
        reply.log_append_time = r.log_append_time;
        reply.log_start_offset = st.log_start_offset;
        if (acks != -1) {
          rp.deliver(std::move(reply));
        } else if (st.role != replica_role::leader || st.generation != gen) {
          rp.deliver(produce_error(st, errc::not_leader_or_follower));
        } else {
          auto id = ++st.next_waiter_id;
          st.lead.produces.push_back(produce_waiter{id, r.last_offset + 1, reply, rp});
          self->delayed_send(self, std::chrono::milliseconds(timeout_ms), timeout_atom::value, id);
        }
        leader_progress(self);
      },
      [self, rp](caf::error& err) mutable {
        CAFKA_WARN(component, self->state.label << ": append failed: " << to_string(err));
        rp.deliver(produce_error(self->state, errc::request_timed_out));
      });
}

void serve_replica_fetch(self_ptr self, replica_fetch_args& args,
                         caf::typed_response_promise<replica_fetch_reply> rp) {
  auto& st = self->state;
  if (args.leader_epoch < st.part.leader_epoch) {
    rp.deliver(fetch_error(st, errc::fenced_leader_epoch));
    return;
  }
  if (args.leader_epoch > st.part.leader_epoch) {
    rp.deliver(fetch_error(st, errc::unknown_leader_epoch));
    return;
  }
  if (st.role != replica_role::leader) {
    rp.deliver(fetch_error(st, errc::not_leader_or_follower));
    return;
  }
  if (args.fetch_offset < st.log_start_offset) {
    rp.deliver(fetch_error(st, errc::offset_out_of_range));
    return;
  }
  // Within this epoch the follower's log is a prefix of ours; with an older last epoch it may
  // have gone astray (KIP-320): compare with where that epoch ends here.
  if (args.last_fetched_epoch < 0 || args.last_fetched_epoch == st.part.leader_epoch) {
    accept_fetch(self, args, std::move(rp));
    return;
  }
  auto gen = st.generation;
  self->request(st.log, log_request_timeout, epoch_end_atom::value, args.last_fetched_epoch)
    .then(
      [self, args, rp, gen](epoch_end_reply& r) mutable {
        auto& st = self->state;
        if (st.generation != gen || st.role != replica_role::leader) {
          rp.deliver(fetch_error(st, errc::not_leader_or_follower));
          return;
        }
        if (r.ec != errc::none) {
          rp.deliver(fetch_error(st, r.ec));
          return;
        }
        if (r.epoch < args.last_fetched_epoch || r.end_offset < args.fetch_offset) {
          auto reply = fetch_error(st, errc::none);
          // No epoch <= theirs here at all: everything they have from those epochs diverges.
          reply.diverging_epoch = std::max(r.epoch, 0);
          reply.diverging_end_offset = r.epoch < 0 ? st.log_start_offset : r.end_offset;
          rp.deliver(std::move(reply));
          return;
        }
        accept_fetch(self, args, std::move(rp));
      },
      [self, rp](caf::error& err) mutable {
        CAFKA_WARN(component, self->state.label << ": epoch lookup failed: " << to_string(err));
        rp.deliver(fetch_error(self->state, errc::request_timed_out));
      });
}

bool expire_leader_waiter(self_ptr self, uint64_t id) {
  auto& st = self->state;
  auto& produces = st.lead.produces;
  auto p = std::find_if(produces.begin(), produces.end(),
                        [id](const produce_waiter& w) { return w.id == id; });
  if (p != produces.end()) {
    auto rp = std::move(p->rp);
    produces.erase(p);
    rp.deliver(produce_error(st, errc::request_timed_out));
    return true;
  }
  auto& fetches = st.lead.replica_waiters;
  auto f = std::find_if(fetches.begin(), fetches.end(),
                        [id](const replica_fetch_waiter& w) { return w.id == id; });
  if (f == fetches.end())
    return false;
  auto w = std::move(*f);
  fetches.erase(f);
  respond(self, w.args, std::move(w.rp));
  return true;
}

} // namespace cafka::replica
