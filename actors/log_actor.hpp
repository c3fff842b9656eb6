#pragma once
// The storage actor: owns one partition's storage::log and is the only code touching it.
// Spawned detached in production (appends and fsync block) and scheduled under CAF's test
// scheduler (a detached actor would run on its own thread and break determinism).
#include "actors/actors.hpp"
#include "storage/log.hpp"

#include <memory>
#include <string>

namespace cafka {

struct log_state {
  static inline const char* name = "cafka.log";
  std::unique_ptr<storage::log> log;  // null after delete (nothing left to close)
  std::string label;                  // "<topic>-<partition>" for log lines
  // Closing on every exit (normal shutdown, link propagation, errors) writes the clean-shutdown
  // marker, so the next start skips recovery.
  ~log_state();
};

// Opens (or creates) the log in cfg.dir and reports what recovery repaired via CAFKA_WARN.
// Returns nullptr and sets ec on failure.
std::unique_ptr<storage::log> open_partition_log(const storage::log_config& cfg,
                                                 const std::string& label, std::error_code& ec);

// Behavior of the log actor, taking ownership of an opened log.
log_actor::behavior_type log_actor_impl(log_actor::stateful_pointer<log_state> self,
                                        std::unique_ptr<storage::log> log, std::string label);

} // namespace cafka
