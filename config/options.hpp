#pragma once
// The option table: every broker option declared once (Kafka name, type, default, valid values,
// doc, and where it lives in broker_config). The loader, the defaults check and
// docs/configuration.md are all driven by this table.
#include "config/broker_config.hpp"

#include <functional>
#include <string>
#include <vector>

namespace cafka {

// Thrown by an option's setter when the text does not parse or is out of bounds. `expected`
// completes "expected ..." in the error message, e.g. "an integer in [1, 1000000]".
struct bad_value {
  std::string expected;
};

struct option_def {
  std::string name;          // Kafka spelling, e.g. "log.segment.bytes"
  std::string type;          // shown in docs: int, short, long, boolean, string, list
  std::string default_text;  // applied through `set` like any file value; empty for aliases
  std::string valid;         // valid values, e.g. "an integer in [14, 9223372036854775807]"
  std::string doc;           // one sentence or two
  std::string alias_of;      // non-empty: a synonym of that option (no default of its own)
  std::function<void(broker_config&, const std::string&)> set;  // throws bad_value
  std::function<std::string(const broker_config&)> get;         // canonical text of the value
};

// All options, in documentation order.
const std::vector<option_def>& option_table();

// The option called `name`, or nullptr.
const option_def* find_option(const std::string& name);

// Listener text: "NAME://host:port" (host may be empty = 0.0.0.0, or [v6]).
std::string to_string(const listener& l);

} // namespace cafka
