#pragma once
// KRaft's `controller.quorum.voters` syntax: `id@host:port` separated by commas, e.g.
// "1@localhost:9093,2@localhost:9094,3@[::1]:9095". Here (not in actors/) because the option
// table parses it; the controller quorum (actors/raft_voters.hpp) uses the same parser.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cafka {

struct quorum_voter {
  int32_t id = -1;
  std::string host; // without the brackets of an IPv6 literal
  uint16_t port = 0;
};

struct parsed_voters {
  std::vector<quorum_voter> voters; // in the order given
  std::string error;                // empty on success; else what is wrong and where
  bool ok() const { return error.empty(); }
};

// Rejects empty input, malformed items, ids < 0, ports outside 1..65535 and duplicate ids.
parsed_voters parse_quorum_voters(std::string_view text);

// Back to the option's syntax (IPv6 hosts in brackets).
std::string to_string(const std::vector<quorum_voter>& voters);

} // namespace cafka
