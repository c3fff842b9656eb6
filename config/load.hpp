#pragma once
// Loads a broker_config from a server.properties file plus --override key=value pairs.
// Unknown keys and bad values are errors that name the key; nothing is silently ignored.
#include "config/broker_config.hpp"

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

// Renders the option table as Markdown (name, type, default, bounds, doc) for docs/.
std::string options_markdown();

} // namespace cafka
