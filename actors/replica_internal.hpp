#pragma once
// Functions shared by the partition replica's files (partition_replica.hpp lists them); not an
// interface for anyone else.
#include "actors/partition_replica.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace cafka::replica {

using self_ptr = replica_impl_actor::stateful_pointer<replica_state>;
constexpr const char* component = "replica";

// The actor clock in ms (virtual under the test scheduler).
int64_t now_ms(self_ptr self);
bool in(const std::vector<int32_t>& ids, int32_t id);
// Epoch of the last batch in `records` (-1 when there is none).
int32_t last_batch_epoch(const storage::record_bytes& records);

// ---- replica_reads.cpp: consumers ----------------------------------------------------------
fetch_reply empty_fetch(const replica_state& st, errc ec = errc::none);
// A consumer fetch on the leader: read below the HW, long-poll at it.
void serve_fetch(self_ptr self, const fetch_args& args,
                 caf::typed_response_promise<fetch_reply> rp);
// Completes every consumer fetch whose offset is now below the HW.
void wake_waiters(self_ptr self);
void fail_waiters(self_ptr self, errc ec);
// A long-poll timer fired: answers that waiter empty; false when the id is not a fetch.
bool expire_fetch(self_ptr self, uint64_t id);

// ---- replica_leader.cpp --------------------------------------------------------------------
// Leader from now on (the state in st.part): follower progress reset, HW kept.
void start_leading(self_ptr self);
// Leadership ends: acks=all produces and follower fetches fail with ec.
void stop_leading(self_ptr self, errc ec);
void produce(self_ptr self, produce_args& args, caf::typed_response_promise<produce_reply> rp);
void serve_replica_fetch(self_ptr self, replica_fetch_args& args,
                         caf::typed_response_promise<replica_fetch_reply> rp);
// The leader's own log end moved, or the ISR changed: the HW may move, waiters may complete.
void leader_progress(self_ptr self);
// A produce or follower-fetch timer fired; false when the id is neither.
bool expire_leader_waiter(self_ptr self, uint64_t id);
// Applies a new ISR to the follower bookkeeping (new members tracked, gone ones dropped).
void sync_followers(self_ptr self);

// ---- replica_isr.cpp -----------------------------------------------------------------------
// The committed ISR plus members whose addition is in flight (KIP-497's maximal ISR).
std::vector<int32_t> maximal_isr(const replica_state& st);
// After a follower fetch: ask to add it when it caught up.
void maybe_expand_isr(self_ptr self, const follower_progress& f);
// Timer: ask to drop followers lagging more than replica.lag.time.max.ms.
void isr_tick(self_ptr self);
void arm_isr_timer(self_ptr self);

// ---- replica_follower.cpp ------------------------------------------------------------------
// Follower of st.part.leader from now on (a new generation: older fetches are dropped).
void start_following(self_ptr self);
void stop_following(self_ptr self);
// The next fetch of generation gen (timer after a backoff, or right after a reply).
void follower_fetch(self_ptr self, uint64_t gen);

} // namespace cafka::replica
