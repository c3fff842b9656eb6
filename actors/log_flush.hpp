#pragma once
// The log actor's flush policy and disk-error reporting (called from log_actor.cpp).
//
// flush.messages: an append that reaches the count since the last flush started is answered
// only when a flush covering it has finished; appends behind it wait for the same or the next
// flush (group commit, storage/group_commit.hpp), so many appends share one fdatasync. The
// actor keeps appending meanwhile: the sync runs on the flusher (storage/flusher.hpp), which
// reports back with a flushed_atom. flush.ms: a timer flushes what is older; appends never
// wait for it (Kafka's semantics). Defaults (both INT64_MAX): cafka only syncs rolled segments
// in the background and everything at a clean close.
//
// Disk errors: the first append failing with an I/O error (ENOSPC, EFBIG, EIO, ...) logs one
// ERROR naming the partition and the cause; later failures stay quiet until an append succeeds
// again, which logs one INFO.
#include "actors/log_actor.hpp"

#include <memory>

namespace cafka {

using log_self = log_impl_actor::stateful_pointer<log_state>;

// The broker's one background flusher thread, shared by every detached log actor; created on
// first use, joined when the last log actor holding it is gone.
std::shared_ptr<storage::flusher> background_flusher();

// Hands the log to f; completions come back as flushed_atom messages.
void install_flusher(log_self self, std::shared_ptr<storage::flusher> f);

// After an append: logs a disk error (once) or the recovery from one, then applies the flush
// policy. Returns the reply now, or a promise answered when the covering flush finished.
caf::result<append_reply> finish_append(log_self self, const storage::append_result& res,
                                        append_reply reply);

// A flusher job finished.
void on_flushed(log_self self, int64_t end, errc ec, const std::string& why);

// The flush.ms timer of generation gen fired.
void on_flush_tick(log_self self, uint64_t gen);

// The topic settings changed: a new flush.ms timer, a flush if one is now due.
void on_flush_settings_changed(log_self self);

// Exit: answers the appends still waiting (after the log's final synchronous flush, `closed_ok`
// says whether it succeeded).
void answer_held_appends(log_state& st, bool closed_ok);

} // namespace cafka
