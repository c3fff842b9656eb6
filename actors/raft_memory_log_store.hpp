#pragma once
// An in-memory raft log_store for simulations and tests that models durability: every write is
// applied at once to the visible state and queued; sync() applies the queue to the durable state.
// crash() drops the visible state and keeps the durable state plus a prefix of the queued writes
// (what a torn append-only file keeps), so a simulated crash loses exactly unsynced writes.
#include "actors/raft_log_store.hpp"

#include <cstddef>
#include <deque>
#include <variant>
#include <vector>

namespace cafka::raft {

class memory_log_store : public log_store {
public:
  hard_state load_hard_state() const override { return visible_.hs; }
  void save_hard_state(const hard_state& hs) override;

  index_t first_index() const override { return visible_.snap.last_index + 1; }
  index_t last_index() const override {
    return visible_.snap.last_index + static_cast<index_t>(visible_.log.size());
  }
  std::optional<term_t> term_at(index_t index) const override;
  std::vector<entry> entries(index_t from, index_t to, size_t max_bytes) const override;
  // Direct access for checkers (no copy); index must be in [first_index(), last_index()].
  const entry& at(index_t index) const;

  void append(const std::vector<entry>& entries) override;
  void truncate_suffix(index_t from) override;
  const snapshot& latest_snapshot() const override { return visible_.snap; }
  void install_snapshot(snapshot s) override;
  void sync() override;

  // Simulated crash: keeps the durable state plus the first `keep_unsynced` queued writes.
  void crash(size_t keep_unsynced = 0);
  size_t unsynced_writes() const { return pending_.size(); }

private:
  struct truncate_op {
    index_t from;
  };
  using write = std::variant<hard_state, std::vector<entry>, truncate_op, snapshot>;
  struct state {
    hard_state hs;
    snapshot snap;
    std::deque<entry> log; // log[0] has index snap.last_index + 1
    void apply(const write& w);
  };

  void record(write w);

  state visible_;
  state durable_;
  std::vector<write> pending_;
};

} // namespace cafka::raft
