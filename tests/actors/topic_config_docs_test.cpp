// docs/topic-configs.md is generated from the topic config table and must stay in sync with it.
// Regenerate: CAFKA_UPDATE_DOCS=1 build/bin/cafka_actor_tests "[docs]"
#include "actors/topic_config.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace cafka;

TEST_CASE("docs/topic-configs.md equals topic_configs_markdown()", "[docs]") {
  const std::string path = std::string{CAFKA_TEST_DATA_DIR} + "/../../docs/topic-configs.md";
  if (std::getenv("CAFKA_UPDATE_DOCS"))
    std::ofstream(path) << topic_configs_markdown();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  INFO(path << " is stale. Regenerate: CAFKA_UPDATE_DOCS=1 build/bin/cafka_actor_tests \"[docs]\"");
  CHECK(text.str() == topic_configs_markdown());
}

TEST_CASE("topic_configs_markdown() lists every key with what it accepts", "[docs]") {
  auto md = topic_configs_markdown();
  for (const auto& def : topic_config_table()) {
    INFO(def.name);
    CHECK(md.find("| `" + def.name + "` |") != std::string::npos);
  }
  CHECK(md.find("an integer in [14, 2147483647]") != std::string::npos); // segment.bytes
  CHECK(md.find("a comma list of delete and/or compact") != std::string::npos);
}
