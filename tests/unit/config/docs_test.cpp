// docs/configuration.md is generated from the option table and must stay in sync with it.
// Regenerate: build/bin/cafka-server --print-config-docs > docs/configuration.md
//         or: CAFKA_UPDATE_DOCS=1 build/bin/cafka_config_tests "[docs]"
#include "config/load.hpp"
#include "helpers.hpp"

#include <cstdlib>
#include <sstream>

using namespace cafka;

TEST_CASE("docs/configuration.md equals options_markdown()", "[docs]") {
  const std::string path = std::string{CAFKA_SOURCE_DIR} + "/docs/configuration.md";
  if (std::getenv("CAFKA_UPDATE_DOCS"))
    std::ofstream(path) << options_markdown();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  INFO(path << " is stale. Regenerate: build/bin/cafka-server --print-config-docs > "
               "docs/configuration.md (or CAFKA_UPDATE_DOCS=1 build/bin/cafka_config_tests "
               "\"[docs]\")");
  CHECK(text.str() == options_markdown());
}

TEST_CASE("options_markdown() lists every option with its default") {
  auto md = options_markdown();
  for (const auto& opt : option_table()) {
    INFO("option " << opt.name);
    CHECK(md.find("| `" + opt.name + "` |") != std::string::npos);
    if (!opt.default_text.empty())
      CHECK(md.find("`" + opt.default_text + "`") != std::string::npos);
  }
}
