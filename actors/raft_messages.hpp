#pragma once
// Messages of the controller quorum's Raft protocol (raft_node). Plain structs with inspect() in
// the style of actors/messages.hpp, so a CAF actor wrapper can later send them between nodes
// through the middleman unchanged. Only caf/meta/type_name.hpp is needed, and only by inspect().
//
// Terms and indexes start at 1; index 0 / term 0 is the empty log before the first entry.
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <variant>
#include <vector>

namespace cafka::raft {

using node_id = int32_t;
using term_t = int64_t;
using index_t = int64_t;

constexpr node_id no_node = -1;

enum class entry_kind : uint8_t {
  command = 0, // data for the state machine above (metadata records later)
  no_op = 1,   // appended by every new leader so entries of older terms can commit (§5.4.2)
};

struct entry {
  term_t term = 0;
  index_t index = 0;
  entry_kind kind = entry_kind::command;
  std::vector<char> data;
};

// RequestVote, also used for Pre-Vote (§9.6 of Ongaro's thesis): a pre-vote asks "would you vote
// for me in term `term`?" without anyone changing their term or vote.
struct vote_request {
  term_t term = 0;
  node_id candidate = no_node;
  index_t last_log_index = 0;
  term_t last_log_term = 0;
  bool pre_vote = false;
};

struct vote_response {
  term_t term = 0; // the voter's term, or the asked term for a granted pre-vote
  node_id voter = no_node;
  bool granted = false;
  bool pre_vote = false;
};

// AppendEntries; with no entries it is the heartbeat.
struct append_request {
  term_t term = 0;
  node_id leader = no_node;
  index_t prev_log_index = 0;
  term_t prev_log_term = 0;
  std::vector<entry> entries;
  index_t leader_commit = 0;
};

// On failure, conflict_term/conflict_index let the leader skip a whole term per round trip:
// conflict_term is the follower's term at prev_log_index (-1: its log is shorter) and
// conflict_index the first index it holds for that term (or its last index + 1).
struct append_response {
  term_t term = 0;
  node_id follower = no_node;
  bool success = false;
  index_t match_index = 0; // on success: the last index known to match the leader's log
  index_t conflict_index = 0;
  term_t conflict_term = -1;
};

// InstallSnapshot, whole snapshot in one message (the metadata snapshot is small).
struct snapshot_request {
  term_t term = 0;
  node_id leader = no_node;
  index_t last_index = 0;
  term_t last_term = 0;
  std::vector<char> data; // opaque: produced by the state machine above
};

struct snapshot_response {
  term_t term = 0;
  node_id follower = no_node;
  index_t last_index = 0; // the snapshot's last index once installed (or already covered)
};

using message = std::variant<vote_request, vote_response, append_request, append_response,
                             snapshot_request, snapshot_response>;

// An outgoing message of a raft_node step.
struct envelope {
  node_id to = no_node;
  message body;
};

// ---- inspect --------------------------------------------------------------------------------

#define CAFKA_RAFT_INSPECT_FIELDS(type, ...)                                                      \
  template <class Inspector>                                                                      \
  typename Inspector::result_type inspect(Inspector& f, type& x) {                                \
    return f(caf::meta::type_name("raft_" #type), __VA_ARGS__);                                   \
  }

CAFKA_RAFT_INSPECT_FIELDS(entry, x.term, x.index, x.kind, x.data)
CAFKA_RAFT_INSPECT_FIELDS(vote_request, x.term, x.candidate, x.last_log_index, x.last_log_term,
                          x.pre_vote)
CAFKA_RAFT_INSPECT_FIELDS(vote_response, x.term, x.voter, x.granted, x.pre_vote)
CAFKA_RAFT_INSPECT_FIELDS(append_request, x.term, x.leader, x.prev_log_index, x.prev_log_term,
                          x.entries, x.leader_commit)
CAFKA_RAFT_INSPECT_FIELDS(append_response, x.term, x.follower, x.success, x.match_index,
                          x.conflict_index, x.conflict_term)
CAFKA_RAFT_INSPECT_FIELDS(snapshot_request, x.term, x.leader, x.last_index, x.last_term, x.data)
CAFKA_RAFT_INSPECT_FIELDS(snapshot_response, x.term, x.follower, x.last_index)

#undef CAFKA_RAFT_INSPECT_FIELDS

} // namespace cafka::raft
