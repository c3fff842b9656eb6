#pragma once
// A small reader for Java-style .properties files, as Kafka's server.properties uses them.
//
// Hand-written rather than po::parse_config_file: Boost's reader is INI-flavoured (no `key: value`,
// no `!` comments, no line continuations, sections) and its errors carry no line numbers; here
// every error names file:line. Boost.ProgramOptions still parses the command line (load.cpp).
#include <istream>
#include <string>
#include <vector>

namespace cafka {

struct property {
  std::string key;
  std::string value;
  int line = 0; // 1-based line where the entry starts
};

// Syntax: `key=value` or `key: value` (first '=' or ':' separates); `#` and `!` start comment
// lines; blank lines are skipped; key and value are trimmed; a line ending in a single `\`
// continues on the next line. Throws config_error("<source>:<line>: ...") on a line without a
// separator or with an empty key.
std::vector<property> parse_properties(std::istream& in, const std::string& source);

} // namespace cafka
