#include "config/values.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <cctype>
#include <charconv>

namespace cafka::values {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

constexpr const char* listener_form = "a comma list of NAME://host:port, e.g. PLAINTEXT://127.0.0.1:9092";

} // namespace

std::string int_range(int64_t lo, int64_t hi) {
  return "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

int64_t parse_int(const std::string& text, int64_t lo, int64_t hi) {
  int64_t out = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+') // from_chars rejects a leading '+'; Java's parseInt takes it
    ++first;
  auto [end, ec] = std::from_chars(first, last, out);
  if (text.empty() || ec != std::errc{} || end != last || out < lo || out > hi)
    throw bad_value{int_range(lo, hi)};
  return out;
}

std::string double_range(double lo, double hi) {
  std::ostringstream out;
  out << "a number in [" << lo << ", " << hi << "]";
  return out.str();
}

double parse_double(const std::string& text, double lo, double hi) {
  auto range = double_range(lo, hi);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())))
    throw bad_value{range};
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < lo || v > hi)
    throw bad_value{range};
  return v;
}

std::string parse_cleanup_policy(const std::string& text) {
  bool del = false, compact = false;
  for (const auto& item : split_list(text)) {
    if (item == "delete")
      del = true;
    else if (item == "compact")
      compact = true;
    else
      throw bad_value{"a comma list of delete and/or compact"};
  }
  if (!del && !compact)
    throw bad_value{"a comma list of delete and/or compact"};
  return del && compact ? "compact,delete" : del ? "delete" : "compact";
}

bool parse_bool(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true")
    return true;
  if (lower == "false")
    return false;
  throw bad_value{"true or false"};
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  if (trim(text).empty())
    return out;
  size_t pos = 0;
  while (true) {
    auto comma = text.find(',', pos);
    auto item = trim(text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (item.empty())
      throw bad_value{"a comma-separated list without empty items"};
    out.push_back(std::move(item));
    if (comma == std::string::npos)
      return out;
    pos = comma + 1;
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

static listener parse_listener(const std::string& text, bool for_advertising) {
  auto sep = text.find("://");
  if (sep == std::string::npos || sep == 0)
    throw bad_value{listener_form};
  listener l;
  l.name = text.substr(0, sep);
  for (auto& c : l.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      throw bad_value{std::string{listener_form} + " (NAME is letters, digits, _)"};
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  auto rest = text.substr(sep + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    throw bad_value{listener_form};
  l.host = rest.substr(0, colon);
  if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']')
    l.host = l.host.substr(1, l.host.size() - 2); // [v6]
  else if (l.host.find_first_of(":[]") != std::string::npos)
    throw bad_value{std::string{listener_form} + " (IPv6 hosts in brackets)"};
  if (l.host.find_first_of(" \t/@") != std::string::npos)
    throw bad_value{listener_form};
  if (l.host.empty())
    l.host = "0.0.0.0";
  if (for_advertising && (l.host == "0.0.0.0" || l.host == "::"))
    throw bad_value{"routable hosts (not empty, 0.0.0.0 or ::) in NAME://host:port"};
  try {
    l.port = static_cast<uint16_t>(parse_int(rest.substr(colon + 1), for_advertising ? 1 : 0, 65535));
  } catch (const bad_value&) {
    throw bad_value{std::string{listener_form} + " (port in [" + (for_advertising ? "1" : "0") +
                    ", 65535])"};
  }
  return l;
}

std::vector<listener> parse_listeners(const std::string& text, bool for_advertising) {
  std::vector<listener> out;
  for (const auto& item : split_list(text)) {
    auto l = parse_listener(item, for_advertising);
    for (const auto& other : out)
      if (other.name == l.name)
        throw bad_value{"unique listener names (" + l.name + " appears twice)"};
    out.push_back(std::move(l));
  }
  return out;
}

} // namespace cafka::values
