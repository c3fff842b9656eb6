#pragma once
// Operator-facing log lines: "2026-11-21T06:12:02.123Z INFO  [component] message" on stderr.
// One write per line so lines from different threads never interleave.
#include <sstream>
#include <string>
#include <string_view>

namespace cafka {

enum class log_level { trace, debug, info, warn, error };

// Parses "trace|debug|info|warn|error"; returns false on anything else.
bool parse_log_level(std::string_view text, log_level& out);
void set_log_level(log_level level);
bool log_enabled(log_level level);
void write_log_line(log_level level, std::string_view component, const std::string& message);

} // namespace cafka

#define CAFKA_LOG(level, component, ...)                                                          \
  do {                                                                                            \
    if (::cafka::log_enabled(level)) {                                                            \
      std::ostringstream cafka_log_os_;                                                           \
      cafka_log_os_ << __VA_ARGS__;                                                               \
      ::cafka::write_log_line(level, component, cafka_log_os_.str());                             \
    }                                                                                             \
  } while (false)

#define CAFKA_DEBUG(component, ...) CAFKA_LOG(::cafka::log_level::debug, component, __VA_ARGS__)
#define CAFKA_INFO(component, ...) CAFKA_LOG(::cafka::log_level::info, component, __VA_ARGS__)
#define CAFKA_WARN(component, ...) CAFKA_LOG(::cafka::log_level::warn, component, __VA_ARGS__)
#define CAFKA_ERROR(component, ...) CAFKA_LOG(::cafka::log_level::error, component, __VA_ARGS__)
