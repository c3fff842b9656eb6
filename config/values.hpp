#pragma once
// Strict parsers for option values; each throws bad_value (options.hpp) on bad text.
#include "config/broker_config.hpp"
#include "config/options.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cafka::values {

// Decimal integer with optional sign, nothing else (no suffixes, no spaces), in [lo, hi].
int64_t parse_int(const std::string& text, int64_t lo, int64_t hi);
// "an integer in [lo, hi]".
std::string int_range(int64_t lo, int64_t hi);

// Decimal number (strtod syntax, whole text, finite) in [lo, hi].
double parse_double(const std::string& text, double lo, double hi);
// "a number in [lo, hi]".
std::string double_range(double lo, double hi);

// cleanup.policy values: a comma list of "delete" and/or "compact", at least one, normalised to
// "delete", "compact" or "compact,delete".
std::string parse_cleanup_policy(const std::string& text);

// "true" or "false", case-insensitive (as Kafka).
bool parse_bool(const std::string& text);

// Comma-separated items, each trimmed; empty items are errors. Empty text gives an empty list.
std::vector<std::string> split_list(const std::string& text);

// Comma list of NAME://host:port. Names are upper-cased and must be unique.
// `for_advertising`: hosts must be routable (no empty host, no 0.0.0.0) and port >= 1.
std::vector<listener> parse_listeners(const std::string& text, bool for_advertising);

std::string join(const std::vector<std::string>& items);

} // namespace cafka::values
