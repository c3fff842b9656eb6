// The embedded defaults (broker_config.hpp) and the option table's declared defaults agree.
#include "config/load.hpp"
#include "helpers.hpp"

using namespace cafka;

TEST_CASE("default-constructed config equals config loaded from an empty file") {
  test::temp_file empty{""};
  test::check_same(broker_config{}, load_config(empty.str(), {}));
  test::check_same(broker_config{}, load_config(std::nullopt, {}));
}

TEST_CASE("each declared default is the canonical text of the struct's default") {
  broker_config defaults;
  for (const auto& opt : option_table()) {
    if (!opt.alias_of.empty())
      continue;
    INFO("option " << opt.name);
    CHECK(opt.get(defaults) == opt.default_text);
  }
}

TEST_CASE("embedded defaults: single node on 127.0.0.1:9092, data under ./data") {
  auto cfg = load_config(std::nullopt, {});
  REQUIRE(cfg.listeners.size() == 1);
  CHECK(cfg.listeners[0].name == "PLAINTEXT");
  CHECK(cfg.listeners[0].host == "127.0.0.1");
  CHECK(cfg.listeners[0].port == 9092);
  CHECK(cfg.advertised_listeners.empty());
  CHECK(cfg.advertised().size() == 1);
  CHECK(cfg.log_dirs == std::vector<std::string>{"./data"});
  CHECK(cfg.caf_max_threads == 2);
}

TEST_CASE("the option table names each option once and documents it") {
  for (const auto& opt : option_table()) {
    INFO("option " << opt.name);
    CHECK(find_option(opt.name) == &opt);
    CHECK(!opt.doc.empty());
    CHECK(!opt.valid.empty());
    if (!opt.alias_of.empty())
      CHECK(find_option(opt.alias_of) != nullptr);
  }
  CHECK(find_option("log.segmnt.bytes") == nullptr);
}
