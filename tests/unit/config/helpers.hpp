#pragma once
// Test helpers: temporary properties files and field-by-field comparison through the option table.
#include "config/broker_config.hpp"
#include "config/options.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace cafka::test {

// A properties file in the temp dir, removed at scope exit.
struct temp_file {
  std::filesystem::path path;
  explicit temp_file(const std::string& text) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("cafka-config-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
            ".properties");
    std::ofstream(path) << text;
  }
  ~temp_file() { std::filesystem::remove(path); }
  std::string str() const { return path.string(); }
};

// Every table option of `a` equals that of `b` (compared as canonical text, named on failure).
inline void check_same(const broker_config& a, const broker_config& b) {
  for (const auto& opt : option_table()) {
    INFO("option " << opt.name);
    CHECK(opt.get(a) == opt.get(b));
  }
}

} // namespace cafka::test
