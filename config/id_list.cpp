// Shared pieces of the id@... list parsers (id_list.hpp).
#include "config/id_list.hpp"

#include <charconv>

namespace cafka::id_list {

namespace {

template <class Int>
bool parse_int(std::string_view s, Int& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && end == s.data() + s.size();
}

} // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string split_id(std::string_view item, const char* syntax, int32_t& id,
                     std::string_view& rest) {
  auto at = item.find('@');
  if (at == std::string_view::npos)
    return std::string{"expected "} + syntax;
  if (!parse_int(item.substr(0, at), id) || id < 0)
    return "bad node id";
  rest = item.substr(at + 1);
  return {};
}

std::string_view unbracket(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host;
}

std::string bracket(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

bool parse_port(std::string_view text, uint16_t& out) {
  int port = 0;
  if (!parse_int(text, port) || port < 1 || port > 65535)
    return false;
  out = static_cast<uint16_t>(port);
  return true;
}

} // namespace cafka::id_list
