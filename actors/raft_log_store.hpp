#pragma once
// The durable side of a raft_node: hard state (term, vote), the log and the latest snapshot.
//
// Writes may be buffered; sync() makes every earlier write durable. raft_node writes through this
// interface during a step and reports `ready::sync`; the driver must call sync() before it sends
// that step's messages, because they promise what was written (a vote, an appended entry).
// A crash loses (some suffix of) the writes since the last sync().
//
// Indexes: the snapshot covers [1, snapshot().last_index]; the log holds
// [first_index(), last_index()] with first_index() == snapshot().last_index + 1 (an empty log has
// last_index() == snapshot().last_index).
#include "actors/raft_messages.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace cafka::raft {

struct hard_state {
  term_t term = 0;
  node_id voted_for = no_node; // in `term`
};

struct snapshot {
  index_t last_index = 0; // the last entry the snapshot includes
  term_t last_term = 0;   // that entry's term
  std::vector<char> data; // opaque: produced by the state machine above
};

class log_store {
public:
  virtual ~log_store() = default;

  virtual hard_state load_hard_state() const = 0;
  virtual void save_hard_state(const hard_state& hs) = 0;

  virtual index_t first_index() const = 0;
  virtual index_t last_index() const = 0;
  // The term of the entry at `index`, also at the snapshot's last index (and 0 at index 0);
  // nullopt when the index is compacted away or beyond the end.
  virtual std::optional<term_t> term_at(index_t index) const = 0;
  // Entries [from, to] (clamped to the log), at least one if any, at most max_bytes of data.
  virtual std::vector<entry> entries(index_t from, index_t to, size_t max_bytes) const = 0;

  // Appends entries that continue the log (entries.front().index == last_index() + 1).
  virtual void append(const std::vector<entry>& entries) = 0;
  // Removes every entry at or after `from` (from > snapshot().last_index).
  virtual void truncate_suffix(index_t from) = 0;

  virtual const snapshot& latest_snapshot() const = 0;
  // Replaces the snapshot. Entries after s.last_index are kept when the log holds s.last_index
  // with s.last_term (a snapshot of our own applied state, or a leader's covering a prefix we
  // have); otherwise the whole log is discarded.
  virtual void install_snapshot(snapshot s) = 0;

  virtual void sync() = 0;
};

} // namespace cafka::raft
