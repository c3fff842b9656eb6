#pragma once
// The static voter set of the controller quorum from KRaft's `controller.quorum.voters` syntax:
// `id@host:port` separated by commas, e.g. "1@localhost:9093,2@localhost:9094,3@[::1]:9095".
// The parser lives in config/quorum_voters.hpp (the option table needs it, and config/ cannot
// depend on actors/); these are its names inside the Raft code.
#include "actors/raft_messages.hpp"
#include "config/quorum_voters.hpp"

#include <vector>

namespace cafka::raft {

using voter_address = cafka::quorum_voter;
using cafka::parse_quorum_voters;
using cafka::parsed_voters;

// Just the ids, for config::voters.
std::vector<node_id> voter_ids(const std::vector<voter_address>& voters);

} // namespace cafka::raft
