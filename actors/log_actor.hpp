#pragma once
// The storage actor: owns one partition's storage::log and is the only code touching it.
// Spawned detached in production (appends, fsync and segment file removal block) and scheduled
// under CAF's test scheduler (a detached actor would run on its own thread and break determinism).
//
// Retention: every check_interval_ms the actor applies the partition's retention policy
// (storage/retention.hpp); deleted segments are renamed at once and their files removed
// delete_delay_ms later by a purge timer, here on this actor, never on a scheduler thread.
#include "actors/actors.hpp"
#include "storage/flusher.hpp"
#include "storage/group_commit.hpp"
#include "storage/log.hpp"

#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace cafka {

// Private to the log actor: the cleaner's timer and the continuation of a cleaning pass.
using clean_atom = caf::atom_constant<caf::atom("clean")>;

// Private to the log actor: a flusher job finished (log_flush.hpp), and the flush.ms timer.
using flushed_atom = caf::atom_constant<caf::atom("flushed")>;
using flush_tick_atom = caf::atom_constant<caf::atom("flushtick")>;

// The log actor's own interface: the public one plus its private timers. Its handles convert to
// log_actor, which is all anyone else sees.
using log_impl_actor = log_actor::extend<
  // Apply retention now and schedule the next check.
  caf::reacts_to<retention_atom>,
  // Remove deleted segments' files that were due at the given wall-clock ms.
  caf::reacts_to<purge_atom, int64_t>,
  // Cleaner: start a pass when the log is due, or run the next step of the one in progress.
  caf::reacts_to<clean_atom>,
  // The flusher finished a job: below the offset everything is on disk, unless errc says it
  // failed (then the string says why).
  caf::reacts_to<flushed_atom, int64_t, errc, std::string>,
  // flush.ms timer of the given generation (a reconfigure starts a new one).
  caf::reacts_to<flush_tick_atom, uint64_t>>;

// An append reply waiting for the flush that covers it (flush.messages, group commit).
struct held_append {
  caf::typed_response_promise<append_reply> promise;
  append_reply reply;
};

// log.cleaner.*: compaction of cleanup.policy=compact logs (storage/cleaner.hpp). While enabled
// and the log is compacted, the actor checks every backoff_ms whether a pass is due; a pass
// runs one step per message (the key map, then one group of segments each), so appends queued
// meanwhile are served between the steps.
struct log_cleaner_settings {
  bool enabled = false;                       // log.cleaner.enable (the factory turns it on)
  int64_t backoff_ms = 15000;                 // log.cleaner.backoff.ms
  uint64_t dedupe_buffer_bytes = 134217728;   // log.cleaner.dedupe.buffer.size
};

struct log_retention {
  storage::retention_policy policy;  // retention.ms/bytes, delete delay
  int64_t check_interval_ms = 0;     // 0: no retention timer (DeleteRecords still works)
  log_cleaner_settings cleaner;      // compaction (off by default)
};

struct log_state {
  static inline const char* name = "cafka.log";
  std::unique_ptr<storage::log> log;  // null after delete (nothing left to close)
  std::string label;                  // "<topic>-<partition>" for log lines
  log_retention retention;
  bool clean_queued = false;          // a clean_atom (timer or next step) is on its way
  // Flush policy and background syncs (log_flush.hpp).
  std::shared_ptr<storage::flusher> flusher;
  storage::group_commit<held_append> commit;
  uint64_t flush_timer_gen = 0;       // the flush.ms timer that counts; 0: none armed
  // Disk errors on append (log_flush.hpp): one ERROR per episode, at most one per minute.
  bool append_failing = false;        // an ERROR was logged and no success since
  uint64_t failed_appends = 0;        // since the last ERROR line
  std::chrono::steady_clock::time_point last_append_error{}; // when that line was written
  int64_t clean_started_ms = 0;       // wall clock when the pass in progress began
  // Closing on every exit (normal shutdown, link propagation, errors) writes the clean-shutdown
  // marker, so the next start skips recovery.
  ~log_state();
};

// Opens (or creates) the log in cfg.dir and reports what recovery repaired via CAFKA_WARN.
// Returns nullptr and sets ec on failure.
std::unique_ptr<storage::log> open_partition_log(const storage::log_config& cfg,
                                                 const std::string& label, std::error_code& ec);

// Behavior of the log actor, taking ownership of an opened log; no retention timer.
log_impl_actor::behavior_type log_actor_impl(log_impl_actor::stateful_pointer<log_state> self,
                                             std::unique_ptr<storage::log> log, std::string label);

// The same with a retention policy checked every retention.check_interval_ms. Syncs go to the
// broker's background flusher when the actor runs detached, else they run inline.
log_impl_actor::behavior_type
retaining_log_actor_impl(log_impl_actor::stateful_pointer<log_state> self,
                         std::unique_ptr<storage::log> log, std::string label,
                         log_retention retention);

// The same with the given flusher (tests pass a storage::manual_flusher).
log_impl_actor::behavior_type
flushing_log_actor_impl(log_impl_actor::stateful_pointer<log_state> self,
                        std::unique_ptr<storage::log> log, std::string label,
                        log_retention retention, std::shared_ptr<storage::flusher> flusher);

} // namespace cafka
