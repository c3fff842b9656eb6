// The command line: cafka-server [PROPERTIES_FILE] [--override key=value ...] | --help | --print-config-docs
#include "config/load.hpp"
#include "helpers.hpp"

#include <sstream>

using namespace cafka;
using Catch::Matchers::Contains;

namespace {

// argv from string literals (argv[0] is the program).
struct args {
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
  args(std::initializer_list<std::string> list) : storage(list) {
    for (auto& s : storage)
      ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  int argc() const { return static_cast<int>(storage.size()); }
  char** argv() { return ptrs.data(); }
};

} // namespace

TEST_CASE("no arguments: embedded defaults") {
  args a{"cafka-server"};
  test::check_same(broker_config{}, load_config_from_args(a.argc(), a.argv()));
}

TEST_CASE("a properties file plus overrides in both spellings, applied in order") {
  test::temp_file f{"num.partitions=2\nlog.dirs=/from-file\n"};
  args a{"cafka-server", f.str(), "--override", "num.partitions=5", "--override=log.dirs=/o",
         "--override", "num.partitions=6"};
  auto cfg = load_config_from_args(a.argc(), a.argv());
  CHECK(cfg.num_partitions == 6);
  CHECK(cfg.log_dirs == std::vector<std::string>{"/o"});
}

TEST_CASE("bad command lines are config errors") {
  args unknown{"cafka-server", "--bogus"};
  CHECK_THROWS_WITH(load_config_from_args(unknown.argc(), unknown.argv()), Contains("--bogus"));
  args two_files{"cafka-server", "a.properties", "b.properties"};
  CHECK_THROWS_AS(load_config_from_args(two_files.argc(), two_files.argv()), config_error);
  args missing{"cafka-server", "--override"};
  CHECK_THROWS_AS(load_config_from_args(missing.argc(), missing.argv()), config_error);
  args bad{"cafka-server", "--override", "num.partitions=x"};
  CHECK_THROWS_WITH(load_config_from_args(bad.argc(), bad.argv()), Contains("'num.partitions'"));
}

TEST_CASE("help and config-docs flags print and report that they did") {
  std::ostringstream out;
  args help{"cafka-server", "--help"};
  CHECK(print_info_if_requested(help.argc(), help.argv(), out));
  CHECK(out.str() == usage());
  CHECK_THAT(out.str(), Contains("--override"));
  CHECK_THROWS_AS(load_config_from_args(help.argc(), help.argv()), config_error);

  std::ostringstream docs;
  args print{"cafka-server", "--print-config-docs"};
  CHECK(print_info_if_requested(print.argc(), print.argv(), docs));
  CHECK(docs.str() == options_markdown());

  std::ostringstream none;
  args run{"cafka-server", "--override", "node.id=3"};
  CHECK_FALSE(print_info_if_requested(run.argc(), run.argv(), none));
  CHECK(none.str().empty());
}
