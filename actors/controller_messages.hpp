#pragma once
// Payloads of the controller messages in actors/actors.hpp (the controller quorum, issue 5).
// Plain data with inspect(), like actors/messages.hpp; the Raft messages between controllers
// are actors/raft_messages.hpp.
#include "actors/messages.hpp"
#include "actors/raft_messages.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cafka {

// The answer to a proposal. ec: none once committed and applied (offset = its Raft index);
// the first error of applying its records (e.g. topic_already_exists: committed, but it changed
// nothing); not_controller (leader = the leader this node knows, -1 if none) when this node is
// not the leader or lost leadership before the entry committed; invalid_request for bytes that
// are not a record list.
struct propose_reply {
  errc ec = errc::none;
  int32_t leader = -1;
  int64_t offset = -1;
};

// The committed cluster metadata of one controller: cluster_metadata::snapshot() bytes, as of
// Raft index `offset` (what a broker following the metadata will restore and then replay from).
struct controller_metadata {
  int64_t offset = 0;
  int32_t leader = -1;
  int64_t term = 0;
  std::vector<char> state;
};

// Where a controller stands (tests, logs).
struct controller_status {
  int32_t id = -1;
  std::string role; // follower, pre_candidate, candidate, leader
  int64_t term = 0;
  int32_t leader = -1;
  int64_t commit_index = 0;
  int64_t applied_index = 0;
  int64_t snapshot_index = 0;
};

CAFKA_INSPECT_FIELDS(propose_reply, x.ec, x.leader, x.offset)
CAFKA_INSPECT_FIELDS(controller_metadata, x.offset, x.leader, x.term, x.state)
CAFKA_INSPECT_FIELDS(controller_status, x.id, x.role, x.term, x.leader, x.commit_index,
                     x.applied_index, x.snapshot_index)

} // namespace cafka
