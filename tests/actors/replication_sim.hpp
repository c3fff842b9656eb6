#pragma once
// A seeded, deterministic simulation of one partition replicated on three nodes: real replica
// and log actors (temp dirs) on CAF's test scheduler, a fake controller (commits AlterPartition,
// elects a new leader from the ISR when a node dies), a forwarding actor on every
// follower → leader link that drops and delays fetches and their replies, acks=all producers,
// leader kills and restarts (the log re-opened from its directory). After every step the
// checker looks for violations of:
//   - at most one leader per leader epoch;
//   - every acks=all-acknowledged record is in every live ISR member's log at its offset;
//   - a leader's high watermark never goes backwards within its epoch (and stays <= its LEO);
//   - all live replicas hold byte-equal batches below the smallest high watermark;
// and at the end, after healing every fault: all three replicas back in the ISR with equal logs.
#include "actors/actors.hpp"

#include <caf/all.hpp>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace cafka::test::replication {

struct options {
  int steps = 120;
  int nodes = 3;
  int32_t min_insync_replicas = 2;
  double drop = 0.15;          // per-link drop probability while a link is lossy
  int max_delay_ms = 300;      // per-message delay while a link is slow
  double p_produce = 0.35;
  double p_kill_leader = 0.03;
  double p_restart = 0.08;
  double p_link_fault = 0.06;
  double p_heal = 0.04;
  double p_misdirect = 0.1;    // a produce goes to a random replica instead of the leader
  // Sabotage for testing the checker: elect any live replica, ISR or not (unclean).
  bool unclean_elections = false;
};

struct counters {
  uint64_t acked = 0;          // acks=all produces acknowledged
  uint64_t failed = 0;         // acks=all produces answered with an error
  uint64_t kills = 0;
  uint64_t elections = 0;
  uint64_t isr_changes = 0;
  uint64_t dropped = 0;        // fetches or replies dropped on a link
  counters& operator+=(const counters& o);
};

// Shared between the sim and its actors (one thread: the test scheduler).
struct world;

class simulation {
public:
  simulation(uint64_t seed, options opts, bool trace);
  ~simulation();
  simulation(const simulation&) = delete;
  simulation& operator=(const simulation&) = delete;

  // The random steps, then healing and settling, checking after every step.
  void run();
  const std::vector<std::string>& violations() const;
  std::string trace_tail(size_t lines) const;
  const counters& stats() const;

private:
  std::unique_ptr<world> w_;
};

} // namespace cafka::test::replication
