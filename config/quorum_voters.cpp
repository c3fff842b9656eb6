// The controller.quorum.voters parser (quorum_voters.hpp).
#include "config/quorum_voters.hpp"

#include <algorithm>
#include <charconv>

namespace cafka {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

// Parses one `id@host:port`; returns an error text or "".
std::string parse_item(std::string_view item, quorum_voter& out) {
  auto at = item.find('@');
  if (at == std::string_view::npos)
    return "expected id@host:port";
  if (!parse_int(item.substr(0, at), out.id) || out.id < 0)
    return "bad node id";
  auto hostport = item.substr(at + 1);
  auto colon = hostport.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "expected host:port after '@'";
  auto host = hostport.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') // [IPv6]
    host = host.substr(1, host.size() - 2);
  if (host.empty())
    return "empty host";
  int port = 0;
  if (!parse_int(hostport.substr(colon + 1), port) || port < 1 || port > 65535)
    return "bad port";
  out.host = std::string{host};
  out.port = static_cast<uint16_t>(port);
  return {};
}

} // namespace

parsed_voters parse_quorum_voters(std::string_view text) {
  parsed_voters result;
  if (trim(text).empty()) {
    result.error = "no voters";
    return result;
  }
  size_t pos = 0;
  for (int n = 1;; ++n) {
    auto comma = text.find(',', pos);
    auto item = trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    quorum_voter v;
    if (auto err = parse_item(item, v); !err.empty()) {
      result.error = "voter " + std::to_string(n) + " '" + std::string{item} + "': " + err;
      result.voters.clear();
      return result;
    }
    auto same = [&](const quorum_voter& x) { return x.id == v.id; };
    if (std::any_of(result.voters.begin(), result.voters.end(), same)) {
      result.error = "voter " + std::to_string(n) + ": duplicate node id " + std::to_string(v.id);
      result.voters.clear();
      return result;
    }
    result.voters.push_back(std::move(v));
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  return result;
}

std::string to_string(const std::vector<quorum_voter>& voters) {
  std::string out;
  for (auto& v : voters) {
    if (!out.empty())
      out += ",";
    bool v6 = v.host.find(':') != std::string::npos;
    out += std::to_string(v.id) + "@" + (v6 ? "[" + v.host + "]" : v.host) + ":"
           + std::to_string(v.port);
  }
  return out;
}

} // namespace cafka
