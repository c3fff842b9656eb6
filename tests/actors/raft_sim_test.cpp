// Seeded Raft simulations (raft_sim.hpp): hundreds of seeds of random faults per cluster size,
// targeted scenarios (Pre-Vote, check-quorum, snapshot catch-up, Figure 8), and proof that the
// checkers catch deliberately broken rules.
//
// A failure prints the seed, the violations and the tail of the event trace (from a replay of
// that seed with tracing on). Reproduce one seed: CAFKA_RAFT_SEED=<seed> cafka_raft_tests
// '<test name>' (every sweep then runs only that seed, traced, and prints its trace tail).
#include "raft_sim.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

using namespace cafka::raft;
using namespace cafka::raft::sim;

namespace {

std::string violations_of(const simulation& s) {
  std::string out;
  for (auto& v : s.check().violations)
    out += "  " + v + "\n";
  return out;
}

// Runs seeds 1..count (or only $CAFKA_RAFT_SEED) and fails with a reproducible report.
stats sweep(const std::string& name, const options& opts, uint64_t count) {
  stats total;
  uint64_t first = 1;
  bool single = false;
  if (auto env = std::getenv("CAFKA_RAFT_SEED")) {
    first = std::stoull(env);
    count = 1;
    single = true;
  }
  for (auto seed = first; seed < first + count; ++seed) {
    simulation s(seed, opts, single);
    s.run();
    total += s.counters();
    if (single)
      std::cout << "raft sim '" << name << "' seed " << seed << ": "
                << (s.check().ok() ? "ok" : "FAILED") << "\n"
                << violations_of(s) << s.trace_tail(80);
    if (!s.check().ok()) {
      simulation replay(seed, opts, true); // same seed, same run, now with a trace
      replay.run();
      FAIL_CHECK("raft sim '" << name << "' failed for seed " << seed
                 << " (reproduce: CAFKA_RAFT_SEED=" << seed << ")\n"
                 << violations_of(s) << "replay " << (replay.check().ok() ? "DIVERGED" : "fails too")
                 << "; trace tail:\n" << replay.trace_tail(60));
      return total;
    }
  }
  std::cout << "raft sim '" << name << "': " << count << " seeds, " << total.leaders
            << " leaders, " << total.proposals << " proposals, " << total.committed
            << " committed entries, " << total.crashes << " crashes (" << total.torn_crashes
            << " torn), " << total.snapshots_sent << " snapshots sent, " << total.delivered
            << " messages delivered\n";
  return total;
}

bool single_seed() {
  return std::getenv("CAFKA_RAFT_SEED") != nullptr;
}

// The default fault mix of raft_sim.hpp's options on `nodes` nodes.
options defaults(int nodes) {
  options o;
  o.nodes = nodes;
  return o;
}

// A cluster without random faults that has elected a leader (which stays so in this scenario).
node_id settle(simulation& s) {
  s.set_random_faults(false);
  s.run_until(s.now() + 2000);
  return s.leader();
}

} // namespace

TEST_CASE("raft sim: 3 nodes, crashes, torn writes, loss, partitions (300 seeds)", "[raft]") {
  auto total = sweep("3 nodes", defaults(3), 300);
  if (single_seed())
    return;
  // The runs must actually exercise the protocol, not pass by doing nothing.
  CHECK(total.leaders > 300);
  CHECK(total.committed > 300 * 50);
  CHECK(total.crashes > 300);
  CHECK(total.torn_crashes > 0);
  CHECK(total.snapshots_sent > 0);
}

TEST_CASE("raft sim: 5 nodes, crashes, torn writes, loss, partitions (300 seeds)", "[raft]") {
  auto total = sweep("5 nodes", defaults(5), 300);
  if (single_seed())
    return;
  CHECK(total.leaders > 300);
  CHECK(total.committed > 300 * 50);
  CHECK(total.snapshots_sent > 0);
}

TEST_CASE("raft sim: a seed replays exactly", "[raft]") {
  for (uint64_t seed : {3, 77}) {
    simulation a(seed, defaults(5), true);
    simulation b(seed, defaults(5), true);
    a.run();
    b.run();
    CHECK(a.trace_tail(400) == b.trace_tail(400));
    CHECK(a.counters().delivered == b.counters().delivered);
    CHECK(a.check().committed_chain == b.check().committed_chain);
    simulation c(seed + 1, defaults(5), true); // and another seed is another run
    c.run();
    CHECK(a.trace_tail(400) != c.trace_tail(400));
  }
}

TEST_CASE("raft sim: heavy loss and long delays (5 nodes, 100 seeds)", "[raft]") {
  auto o = defaults(5);
  o.drop = 0.25;
  o.duplicate = 0.1;
  o.long_delay = 0.2;
  o.long_delay_ms = 400;
  o.liveness_bound_ms = 8000;
  auto total = sweep("heavy loss", o, 100);
  if (single_seed())
    return;
  CHECK(total.committed > 100 * 10);
}

namespace {

// The first seed in 1..count whose random run violates an invariant (0: none).
uint64_t first_failing_seed(const options& o, uint64_t count) {
  for (uint64_t seed = 1; seed <= count; ++seed) {
    simulation s(seed, o, false);
    s.run();
    if (!s.check().ok())
      return seed;
  }
  return 0;
}

std::vector<node_id> others(const simulation& s, std::vector<node_id> except, int nodes) {
  std::vector<node_id> out;
  for (node_id id = 1; id <= nodes; ++id)
    if (std::find(except.begin(), except.end(), id) == except.end())
      out.push_back(id);
  return out;
}

// Figure 8 of the Raft paper, scripted with partitions on 5 nodes (names as in the paper):
//  1. leader S1 (term t0) writes X at index i to itself and S2 only;
//  2. S3..S5 elect W, which writes its no-op at i (term t1 > t0) and is cut off at once;
//  3. S1, S2, S3, S4 elect M in {S1, S2} (term t2); M's first append brings X to a majority.
//     As soon as M knows that, it is muted, so its own no-op stays on a minority.
//     A correct leader has committed nothing; a leader with the unsafe rule has committed X;
//  4. W, S3, S4 elect W again (its last term t1 beats t0), and W overwrites X with its entry.
// Returns the violations the checker saw.
std::vector<std::string> figure8(uint64_t seed, bool unsafe) {
  auto o = defaults(5);
  o.raft.max_append_entries = 1; // X and M's no-op travel in separate appends
  o.raft.unsafe_commit_old_terms = unsafe;
  simulation s(seed, o, false);
  auto s1 = settle(s);
  REQUIRE(s1 != no_node);
  s.set_proposals(false);
  s.run_until(s.now() + 500);
  auto rest = others(s, {s1}, 5);
  auto s2 = rest[0];
  auto t0 = s.raft_of(s1).term();
  auto leader_among = [&](const std::vector<node_id>& ids, term_t above) {
    for (auto id : ids)
      if (s.is_up(id) && s.raft_of(id).is_leader() && s.raft_of(id).term() > above)
        return id;
    return no_node;
  };
  // 1.
  s.set_group(s1, 1);
  s.set_group(s2, 1);
  auto i = s.propose(s1, 4242);
  REQUIRE(i > 0);
  REQUIRE(s.run_until([&] { return s.store_of(s2).last_index() >= i; }, s.now() + 1000));
  // 2.
  auto group3 = others(s, {s1, s2}, 5);
  node_id w = no_node;
  REQUIRE(s.run_until([&] { return (w = leader_among(group3, t0)) != no_node; }, s.now() + 3000));
  s.set_group(w, 2);
  auto t1 = s.raft_of(w).term();
  // 3.
  auto s3s4 = others(s, {s1, s2, w}, 5);
  for (auto id : s3s4)
    s.set_group(id, 1);
  node_id m = no_node;
  REQUIRE(s.run_until([&] { return (m = leader_among({s1, s2}, t1)) != no_node; },
                      s.now() + 5000));
  auto m_knows_majority = [&] {
    int replicas = 1;
    for (node_id id = 1; id <= 5; ++id)
      replicas += id != m && s.raft_of(m).match_index(id) >= i ? 1 : 0;
    return replicas >= 3;
  };
  REQUIRE(s.run_until(m_knows_majority, s.now() + 1000));
  REQUIRE(s.raft_of(m).commit_index() == (unsafe ? i : i - 1));
  s.mute(m);
  // 4.
  for (auto id : {s1, s2})
    s.set_group(id, 3 + id);
  s.set_group(w, 1);
  node_id again = no_node;
  s.run_until([&] { return (again = leader_among({w}, t1)) != no_node; }, s.now() + 5000);
  s.run_until(s.now() + 500);
  if (s.check().ok()) {
    // Nothing was lost: everything heals and commits.
    s.heal_all();
    s.commit_everywhere(simulation::marker_command, s.now() + 5000);
  }
  return s.check().violations;
}

} // namespace

TEST_CASE("raft sim: the checkers catch a leader committing an old-term entry (Figure 8)",
          "[raft]") {
  int caught = 0;
  std::string missed;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    auto v = figure8(seed, true);
    if (v.empty())
      missed += " " + std::to_string(seed);
    if (!v.empty()) {
      ++caught;
      CHECK((v.front().find("state machine safety") != std::string::npos
             || v.front().find("leader completeness") != std::string::npos));
    }
    CHECK(figure8(seed, false).empty()); // the correct rule survives the same script
  }
  INFO("seeds where the violation went unnoticed:" << missed);
  CHECK(caught == 30);
}

TEST_CASE("raft sim: the random sweeps catch broken rules", "[raft]") {
  // Votes that ignore the candidates' logs break leader completeness.
  auto o = defaults(3);
  o.raft.unsafe_vote_ignoring_logs = true;
  CHECK(first_failing_seed(o, 300) != 0);
  // A driver that sends before syncing loses promised writes in a crash.
  o = defaults(3);
  o.broken_send_before_sync = true;
  CHECK(first_failing_seed(o, 300) != 0);
}

namespace {

// Isolates a follower for 3 s and heals; returns whether the leader (and its term) survived.
bool leader_survives_rejoin(uint64_t seed, const options& o) {
  simulation s(seed, o, false);
  auto l = settle(s);
  REQUIRE(l != no_node);
  auto term = s.raft_of(l).term();
  node_id f = l == 1 ? 2 : 1;
  s.isolate(f);
  s.run_until(s.now() + 3000);
  s.heal_partition();
  s.run_until(s.now() + 2000);
  REQUIRE(s.check().ok());
  return s.leader() == l && s.raft_of(l).term() == term;
}

} // namespace

TEST_CASE("raft sim: with Pre-Vote a rejoining partitioned node does not disrupt the leader",
          "[raft]") {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    CHECK(leader_survives_rejoin(seed, defaults(3)));
  }
  // Without Pre-Vote the isolated node keeps raising its term and deposes the leader on return.
  auto o = defaults(3);
  o.raft.pre_vote = false;
  int disrupted = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed)
    disrupted += leader_survives_rejoin(seed, o) ? 0 : 1;
  CHECK(disrupted == 30);
}

TEST_CASE("raft sim: check-quorum makes an isolated leader step down", "[raft]") {
  for (int nodes : {3, 5}) {
    for (uint64_t seed = 1; seed <= 30; ++seed) {
      INFO(nodes << " nodes, seed " << seed);
      simulation s(seed, defaults(nodes), false);
      auto l = settle(s);
      REQUIRE(l != no_node);
      s.isolate(l);
      // Step-down within two check periods; a new leader on the majority side meanwhile.
      s.run_until(s.now() + 2 * defaults(nodes).raft.election_timeout_min_ms + 1);
      CHECK_FALSE(s.raft_of(l).is_leader());
      s.run_until(s.now() + 2000);
      CHECK(s.leader() != no_node);
      CHECK(s.leader() != l);
      REQUIRE(s.check().ok());
    }
  }
  // Without check-quorum the isolated leader believes in itself forever.
  auto o = defaults(3);
  o.raft.check_quorum = false;
  simulation s(1, o, false);
  auto l = settle(s);
  s.isolate(l);
  s.run_until(s.now() + 3000);
  CHECK(s.raft_of(l).is_leader());
}

TEST_CASE("raft sim: a follower that missed compacted entries catches up by snapshot", "[raft]") {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    INFO("seed " << seed);
    simulation s(seed, defaults(3), false);
    auto l = settle(s);
    REQUIRE(l != no_node);
    node_id f = l == 3 ? 2 : 3;
    s.crash(f);
    s.run_until(s.now() + 3000); // ~150 proposals; the others compact every 12 entries
    auto before = s.counters().snapshots_sent;
    s.restart(f);
    REQUIRE(s.commit_everywhere(simulation::marker_command, s.now() + 3000));
    CHECK(s.counters().snapshots_sent > before);
    CHECK(s.machine_of(f).commands == s.machine_of(s.leader()).commands);
    CHECK(s.machine_of(f).commands.size() > 100);
  }
}
