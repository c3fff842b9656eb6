// The example files in config/ load, and say what their comments promise.
#include "config/load.hpp"
#include "helpers.hpp"

using namespace cafka;

static const std::string config_dir = std::string{CAFKA_SOURCE_DIR} + "/config/";

TEST_CASE("config/server.properties loads and equals the embedded defaults") {
  test::check_same(broker_config{}, load_config(config_dir + "server.properties", {}));
}

TEST_CASE("config/server.properties sets every option explicitly") {
  std::ifstream in(config_dir + "server.properties");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& opt : option_table()) {
    if (!opt.alias_of.empty())
      continue;
    INFO("option " << opt.name);
    CHECK(text.find("\n" + opt.name + "=") != std::string::npos);
  }
}

TEST_CASE("config/dev.properties: small segments, 3 partitions, data under ./data-dev") {
  auto cfg = load_config(config_dir + "dev.properties", {});
  CHECK(cfg.log_segment_bytes == 16 * 1024 * 1024);
  CHECK(cfg.num_partitions == 3);
  CHECK(cfg.log_dirs == std::vector<std::string>{"./data-dev"});
  CHECK(cfg.listeners[0].port == 9092);
}
