#include "actors/raft_voters.hpp"

namespace cafka::raft {

std::vector<node_id> voter_ids(const std::vector<voter_address>& voters) {
  std::vector<node_id> ids;
  for (auto& v : voters)
    ids.push_back(v.id);
  return ids;
}

} // namespace cafka::raft
