// The controller.quorum.voters parser (quorum_voters.hpp).
#include "config/quorum_voters.hpp"

#include "config/id_list.hpp"

namespace cafka {

namespace {

// Parses one `id@host:port`; returns an error text or "".
std::string parse_item(std::string_view item, quorum_voter& out) {
  std::string_view hostport;
  if (auto err = id_list::split_id(item, "id@host:port", out.id, hostport); !err.empty())
    return err;
  auto colon = hostport.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "expected host:port after '@'";
  auto host = id_list::unbracket(hostport.substr(0, colon));
  if (host.empty())
    return "empty host";
  if (!id_list::parse_port(hostport.substr(colon + 1), out.port))
    return "bad port";
  out.host = std::string{host};
  return {};
}

} // namespace

parsed_voters parse_quorum_voters(std::string_view text) {
  parsed_voters result;
  if (id_list::trim(text).empty()) {
    result.error = "no voters";
    return result;
  }
  result.voters = id_list::parse<quorum_voter>(text, "voter", parse_item, result.error);
  return result;
}

std::string to_string(const std::vector<quorum_voter>& voters) {
  std::string out;
  for (auto& v : voters) {
    if (!out.empty())
      out += ",";
    out += std::to_string(v.id) + "@" + id_list::bracket(v.host) + ":" + std::to_string(v.port);
  }
  return out;
}

} // namespace cafka
