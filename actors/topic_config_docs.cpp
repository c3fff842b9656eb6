// docs/topic-configs.md, rendered from the topic config table (config/ cannot depend on actors/,
// so this table is not part of options_markdown()).
#include "actors/topic_config.hpp"

#include "config/options.hpp"

#include <sstream>

namespace cafka {

namespace {

const char* type_name(config_type t) {
  switch (t) {
    case config_type::boolean: return "boolean";
    case config_type::string: return "string";
    case config_type::int_: return "int";
    case config_type::short_: return "short";
    case config_type::long_: return "long";
    case config_type::double_: return "double";
    case config_type::list: return "list";
    default: return "unknown";
  }
}

// What the key's check accepts, in its own words: every check rejects "?" and says what a valid
// value looks like.
std::string valid_values(const topic_config_def& def) {
  try {
    def.check("?");
  } catch (const bad_value& e) {
    return e.expected;
  }
  return "any";
}

} // namespace

std::string topic_configs_markdown() {
  std::ostringstream md;
  md << "# Topic-level configs\n\n"
        "<!-- Generated from actors/topic_config.cpp by `CAFKA_UPDATE_DOCS=1 "
        "build/bin/cafka_actor_tests \"[docs]\"`. Do not edit by hand. -->\n\n"
        "A topic may override these keys at CreateTopics and change them later with AlterConfigs "
        "(the given set replaces all of the topic's overrides) or IncrementalAlterConfigs (SET, "
        "DELETE, and APPEND / SUBTRACT on list keys). Changes are validated as a whole, "
        "persisted in `cafka-topics.json` and applied to every partition at once: segment, "
        "timestamp and flush settings from the next append, retention from the next check "
        "(`log.retention.check.interval.ms`), `min.insync.replicas` from the next acks=all "
        "produce. Unknown keys and bad values are INVALID_CONFIG. Without an override a key "
        "takes its broker option's value ([configuration.md](configuration.md)); DescribeConfigs "
        "reports the source (DYNAMIC_TOPIC_CONFIG, STATIC_BROKER_CONFIG or DEFAULT_CONFIG).\n\n"
        "| Key | Type | Broker option | Broker default | Valid values | Description |\n"
        "|---|---|---|---|---|---|\n";
  broker_config defaults;
  for (const auto& def : topic_config_table()) {
    std::string option; // most specific first: retention.ms falls back to three options
    for (const auto& key : broker_synonyms(def))
      if (find_option(key))
        option += (option.empty() ? "`" : ", `") + key + "`";
    if (option.empty())
      option = "—";
    md << "| `" << def.name << "` | " << type_name(def.type) << " | " << option << " | `"
       << def.broker_default(defaults) << "` | " << valid_values(def) << " | " << def.doc
       << " |\n";
  }
  return md.str();
}

} // namespace cafka
