// The follower side of a partition replica (Kafka's ReplicaFetcherThread for one partition):
// one fetch in flight to the leader's replica actor, appends what it returns with the leader's
// offsets and epochs (replicate_atom), truncates where the leader says the logs diverged
// (truncate_atom), and keeps HW = min(leader HW, own log end). Every step checks the
// generation, so a role change or a new leader handle silently ends the old loop.
#include "actors/logging.hpp"
#include "actors/replica_internal.hpp"

#include <algorithm>

namespace cafka::replica {

namespace {

bool current(self_ptr self, uint64_t gen) {
  return self->state.generation == gen && self->state.role == replica_role::follower;
}

// Fetch again after replica.fetch.backoff.ms (errors, an unknown leader).
void back_off(self_ptr self, uint64_t gen) {
  auto& st = self->state;
  st.follow.fetch_in_flight = false;
  self->delayed_send(self, std::chrono::milliseconds(std::max(st.info.replica_fetch_backoff_ms, 1)),
                     fetch_tick_atom::value, gen);
}

void update_high_watermark(replica_state& st, int64_t leader_hw) {
  // Kafka's follower HW only moves forward, and never past what it holds itself.
  st.high_watermark = std::max(st.high_watermark, std::min(leader_hw, st.log_end_offset));
}

// One step of the loop on the log actor: a reply for a superseded loop is dropped; an error
// reply or a failed request is logged as "<what> failed", `on_error` runs and the loop backs
// off; otherwise `on_ok` gets the reply.
template <class Reply, class OnOk, class OnError, class... Ts>
void ask_log(self_ptr self, uint64_t gen, const char* what, OnOk on_ok, OnError on_error,
             Ts&&... xs) {
  auto fail = [self, gen, what, on_error](const std::string& why) {
    CAFKA_WARN(component, self->state.label << ": " << what << " failed: " << why);
    on_error(self->state);
    back_off(self, gen);
  };
  self->request(self->state.log, log_request_timeout, std::forward<Ts>(xs)...)
    .then(
      [self, gen, on_ok, fail](Reply& r) mutable {
        if (!current(self, gen))
          return;
        if (r.ec != errc::none)
          return fail(std::string{to_string(r.ec)});
        on_ok(self->state, r);
      },
      [self, gen, fail](caf::error& err) {
        if (current(self, gen))
          fail(to_string(err));
      });
}

void no_cleanup(replica_state&) {}

// Reads the log end and the epoch of the last batch from the log actor (after start and after
// every truncation), then fetches. Queued behind any append still in flight, so it is exact.
void position(self_ptr self, uint64_t gen) {
  auto& st = self->state;
  st.follow.fetch_in_flight = true;
  st.follow.positioned = false;
  ask_log<epoch_end_reply>(
    self, gen, "reading the leader epochs",
    [self, gen](replica_state& st, epoch_end_reply& r) {
      st.follow.last_fetched_epoch = r.epoch;
      if (r.epoch >= 0)
        st.log_end_offset = r.end_offset;
      st.high_watermark = std::min(st.high_watermark, st.log_end_offset);
      st.follow.positioned = true;
      st.follow.fetch_in_flight = false;
      follower_fetch(self, gen);
    },
    no_cleanup, epoch_end_atom::value, int32_t{-1});
}

void truncate_to(self_ptr self, uint64_t gen, int64_t offset) {
  auto& st = self->state;
  CAFKA_INFO(component, st.label << ": truncating to offset " << offset << " (log end "
                                 << st.log_end_offset << ", leader epoch " << st.part.leader_epoch
                                 << ")");
  ask_log<offset_reply>(
    self, gen, "truncation",
    [self, gen](replica_state& st, offset_reply& r) {
      st.log_end_offset = r.offset;
      st.high_watermark = std::min(st.high_watermark, st.log_end_offset);
      position(self, gen);
    },
    no_cleanup, truncate_atom::value, offset);
}

// Behind the leader's log start (retention or DeleteRecords there): empty the log and continue
// at the leader's start (Kafka's truncateFullyAndStartAt).
void start_over_at(self_ptr self, uint64_t gen, int64_t offset) {
  auto& st = self->state;
  CAFKA_INFO(component, st.label << ": log end " << st.log_end_offset
                                 << " is below the leader's log start " << offset
                                 << ": starting over there");
  ask_log<offset_reply>(
    self, gen, "starting over",
    [self, gen](replica_state& st, offset_reply& r) {
      st.log_start_offset = r.offset;
      st.log_end_offset = r.offset;
      st.high_watermark = std::max(st.high_watermark, r.offset);
      position(self, gen);
    },
    no_cleanup, start_over_atom::value, offset);
}

void append_fetched(self_ptr self, uint64_t gen, replica_fetch_reply& r) {
  auto epoch = last_batch_epoch(r.records);
  auto leader_hw = r.high_watermark;
  ask_log<append_reply>(
    self, gen, "replicated append",
    [self, gen, epoch, leader_hw](replica_state& st, append_reply& a) {
      st.log_start_offset = std::max(st.log_start_offset, a.log_start_offset);
      st.log_end_offset = a.last_offset + 1;
      st.follow.last_fetched_epoch = epoch;
      update_high_watermark(st, leader_hw);
      st.follow.fetch_in_flight = false;
      follower_fetch(self, gen);
    },
    // offset_out_of_range: our idea of the log end was wrong; read it again.
    [](replica_state& st) { st.follow.positioned = false; }, replicate_atom::value,
    std::move(r.records));
}

void on_fetch_reply(self_ptr self, uint64_t gen, replica_fetch_reply& r) {
  auto& st = self->state;
  switch (r.ec) {
    case errc::none:
      if (r.diverging_epoch >= 0) {
        truncate_to(self, gen, std::min(r.diverging_end_offset, st.log_end_offset));
      } else if (!r.records.empty()) {
        append_fetched(self, gen, r);
      } else if (r.log_end_offset > st.log_end_offset) {
        // Nothing returned although the leader has more: never spin on that, back off.
        update_high_watermark(st, r.high_watermark);
        back_off(self, gen);
      } else {
        update_high_watermark(st, r.high_watermark);
        st.follow.fetch_in_flight = false;
        follower_fetch(self, gen); // the leader long-polls: no busy loop
      }
      return;
    case errc::offset_out_of_range:
      if (st.log_end_offset > r.log_end_offset && r.log_end_offset >= 0) {
        truncate_to(self, gen, r.log_end_offset);
        return;
      }
      if (st.log_end_offset < r.log_start_offset) {
        start_over_at(self, gen, r.log_start_offset);
        return;
      }
      CAFKA_WARN(component, st.label << ": fetch offset " << st.log_end_offset
                                     << " out of range at the leader (log start "
                                     << r.log_start_offset << ", end " << r.log_end_offset << ")");
      back_off(self, gen);
      return;
    default:
      // fenced/unknown leader epoch, not_leader_or_follower: a newer state is on its way.
      back_off(self, gen);
      return;
  }
}

} // namespace

void start_following(self_ptr self) {
  auto& st = self->state;
  st.role = replica_role::follower;
  st.follow.fetch_in_flight = false;
  st.follow.positioned = false;
  CAFKA_INFO(component, st.label << ": follower of broker " << st.part.leader_id << " in epoch "
                                 << st.part.leader_epoch
                                 << (st.part.leader ? "" : " (leader not reachable yet)"));
  if (st.part.leader)
    position(self, st.generation);
}

void stop_following(self_ptr self) {
  self->state.follow.fetch_in_flight = false;
}

void follower_fetch(self_ptr self, uint64_t gen) {
  auto& st = self->state;
  if (!current(self, gen) || st.follow.fetch_in_flight || !st.part.leader)
    return;
  if (!st.follow.positioned) {
    position(self, gen);
    return;
  }
  replica_fetch_args args;
  args.replica_id = st.info.node_id;
  args.leader_epoch = st.part.leader_epoch;
  args.fetch_offset = st.log_end_offset;
  args.last_fetched_epoch = st.follow.last_fetched_epoch;
  args.max_bytes = st.info.replica_fetch_max_bytes;
  args.max_wait_ms = st.info.replica_fetch_wait_max_ms;
  st.follow.fetch_in_flight = true;
  auto leader = caf::actor_cast<partition_replica_actor>(st.part.leader);
  auto timeout = std::chrono::milliseconds(std::max(args.max_wait_ms, 0)) + replica_fetch_slack;
  self->request(leader, timeout, replica_fetch_atom::value, args)
    .then(
      [self, gen](replica_fetch_reply& r) {
        if (!current(self, gen))
          return;
        on_fetch_reply(self, gen, r);
      },
      [self, gen](caf::error& err) {
        if (!current(self, gen))
          return;
        CAFKA_WARN(component, self->state.label << ": fetch from the leader failed: "
                                                << to_string(err));
        back_off(self, gen);
      });
}

} // namespace cafka::replica
