#pragma once
// The storage actor: owns one partition's storage::log and is the only code touching it.
// Spawned detached in production (appends, fsync and segment file removal block) and scheduled
// under CAF's test scheduler (a detached actor would run on its own thread and break determinism).
//
// Retention: every check_interval_ms the actor applies the partition's retention policy
// (storage/retention.hpp); deleted segments are renamed at once and their files removed
// delete_delay_ms later by a purge timer, here on this actor, never on a scheduler thread.
#include "actors/actors.hpp"
#include "storage/log.hpp"

#include <memory>
#include <string>

namespace cafka {

// The log actor's own interface: the public one plus its private timers. Its handles convert to
// log_actor, which is all anyone else sees.
using log_impl_actor = log_actor::extend<
  // Apply retention now and schedule the next check.
  caf::reacts_to<retention_atom>,
  // Remove deleted segments' files that were due at the given wall-clock ms.
  caf::reacts_to<purge_atom, int64_t>>;

struct log_retention {
  storage::retention_policy policy;  // retention.ms/bytes, delete delay
  int64_t check_interval_ms = 0;     // 0: no retention timer (DeleteRecords still works)
};

struct log_state {
  static inline const char* name = "cafka.log";
  std::unique_ptr<storage::log> log;  // null after delete (nothing left to close)
  std::string label;                  // "<topic>-<partition>" for log lines
  log_retention retention;
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

// The same with a retention policy checked every retention.check_interval_ms.
log_impl_actor::behavior_type
retaining_log_actor_impl(log_impl_actor::stateful_pointer<log_state> self,
                         std::unique_ptr<storage::log> log, std::string label,
                         log_retention retention);

} // namespace cafka
