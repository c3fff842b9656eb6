#pragma once
// What the `id@...` list options share (controller.quorum.voters, cluster.nodes): the comma
// list with its error messages and duplicate-id check, the `id@` prefix, host literals, ports.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cafka::id_list {

// "id@rest": sets the id (>= 0) and what follows the '@'; returns an error text or "" (without
// an '@': "expected <syntax>").
std::string split_id(std::string_view item, const char* syntax, int32_t& id,
                     std::string_view& rest);

// A host as written, without the brackets of an IPv6 literal; empty when there is no host.
std::string_view unbracket(std::string_view host);

// The host as the option writes it (IPv6 literals in brackets).
std::string bracket(const std::string& host);

bool parse_port(std::string_view text, uint16_t& out);

std::string_view trim(std::string_view s);

// Parses each comma-separated item with parse_item(item, T&) → error text or "", and rejects
// duplicate ids. On error, sets `error` to "<what> <n> '<item>': <why>" and returns nothing.
// Empty text gives an empty list.
template <class T, class ParseItem>
std::vector<T> parse(std::string_view text, const char* what, ParseItem parse_item,
                     std::string& error) {
  std::vector<T> out;
  if (trim(text).empty())
    return out;
  size_t pos = 0;
  for (int n = 1;; ++n) {
    auto comma = text.find(',', pos);
    auto item = trim(text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos));
    T x;
    auto why = parse_item(item, x);
    for (const auto& y : out)
      if (why.empty() && y.id == x.id)
        why = "duplicate node id " + std::to_string(x.id);
    if (!why.empty()) {
      error = std::string{what} + " " + std::to_string(n) + " '" + std::string{item} + "': " + why;
      return {};
    }
    out.push_back(std::move(x));
    if (comma == std::string_view::npos)
      return out;
    pos = comma + 1;
  }
}

} // namespace cafka::id_list
