#include "config/properties.hpp"

#include "config/load.hpp"

namespace cafka {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\f");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r\f") - b + 1);
}

// True if `s` ends in an odd number of backslashes (an unescaped continuation).
bool continues(const std::string& s) {
  size_t n = 0;
  for (auto it = s.rbegin(); it != s.rend() && *it == '\\'; ++it)
    ++n;
  return n % 2 == 1;
}

} // namespace

std::vector<property> parse_properties(std::istream& in, const std::string& source) {
  std::vector<property> out;
  std::string raw;
  int line_no = 0;
  while (std::getline(in, raw)) {
    ++line_no;
    auto line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == '!')
      continue;
    int start = line_no;
    while (continues(line) && std::getline(in, raw)) {
      ++line_no;
      line.pop_back();
      line += trim(raw);
    }
    if (continues(line))
      line.pop_back(); // continuation at end of file
    auto sep = line.find_first_of("=:");
    auto where = source + ":" + std::to_string(start) + ": ";
    if (sep == std::string::npos)
      throw config_error(where + "expected 'key=value' or 'key: value', got '" + line + "'");
    auto key = trim(line.substr(0, sep));
    if (key.empty())
      throw config_error(where + "missing option name before '" + line[sep] + "'");
    out.push_back({key, trim(line.substr(sep + 1)), start});
  }
  return out;
}

} // namespace cafka
