#pragma once
// Loads a broker_config from a server.properties file plus --override key=value pairs.
// Unknown keys and bad values are errors that name the key; nothing is silently ignored.
#include "config/broker_config.hpp"

#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cafka {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads `properties_file` (if given) and then applies `overrides` ("key=value" each, later wins).
// Throws config_error with a message naming the offending key.
broker_config load_config(const std::optional<std::string>& properties_file,
                          const std::vector<std::string>& overrides);

// Parses the command line `cafka-server [PROPERTIES_FILE] [--override key=value ...]`.
// Throws config_error on bad usage.
broker_config load_config_from_args(int argc, char** argv);

// What the command line asks for (parsed with Boost.ProgramOptions).
struct command_line {
  std::optional<std::string> properties_file;
  std::vector<std::string> overrides; // "key=value", in order
  bool help = false;                  // -h, --help
  bool print_config_docs = false;     // --print-config-docs
};

// Throws config_error on unknown flags, a missing --override argument or two positional files.
command_line parse_command_line(int argc, char** argv);

// The --help text: synopsis, flags, where options come from.
std::string usage();

// For main(): if argv has --help or --print-config-docs, writes usage() or options_markdown() to
// `out` and returns true (exit 0). Otherwise returns false; call load_config_from_args next.
// load_config_from_args itself rejects these two flags (so a forgotten check cannot start a broker).
bool print_info_if_requested(int argc, char** argv, std::ostream& out);

// Renders the option table as Markdown (name, type, default, bounds, doc) for docs/.
std::string options_markdown();

} // namespace cafka
