#include "actors/logging.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace cafka {

namespace {

std::atomic<int> current_level{static_cast<int>(log_level::info)};

const char* level_name(log_level level) {
  switch (level) {
    case log_level::trace: return "TRACE";
    case log_level::debug: return "DEBUG";
    case log_level::info: return "INFO ";
    case log_level::warn: return "WARN ";
    case log_level::error: return "ERROR";
  }
  return "?";
}

} // namespace

bool parse_log_level(std::string_view text, log_level& out) {
  static constexpr std::pair<std::string_view, log_level> names[] = {
    {"trace", log_level::trace}, {"debug", log_level::debug}, {"info", log_level::info},
    {"warn", log_level::warn},   {"error", log_level::error}};
  for (auto& [name, level] : names)
    if (name == text) {
      out = level;
      return true;
    }
  return false;
}

void set_log_level(log_level level) {
  current_level = static_cast<int>(level);
}

bool log_enabled(log_level level) {
  return static_cast<int>(level) >= current_level.load(std::memory_order_relaxed);
}

void write_log_line(log_level level, std::string_view component, const std::string& message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  char prefix[96];
  int n = std::snprintf(prefix, sizeof prefix, "%s.%03dZ %s [%.*s] ", stamp,
                        static_cast<int>(millis), level_name(level),
                        static_cast<int>(component.size()), component.data());
  std::string line;
  line.reserve(n + message.size() + 1);
  line.append(prefix, n).append(message).push_back('\n');
  // A single write(2) keeps concurrent lines whole.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace cafka
