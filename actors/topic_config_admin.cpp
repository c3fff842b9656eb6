// DescribeConfigs and AlterConfigs on top of the topic config table: describing a topic's keys
// with sources and synonyms, and computing a topic's overrides after an (incremental) alter.
#include "actors/topic_config.hpp"

#include "config/options.hpp"
#include "config/values.hpp"

#include <algorithm>
#include <set>

namespace cafka {

namespace {

config_synonym synonym(std::string name, std::string value, config_source source) {
  config_synonym s;
  s.null = value.empty();
  s.name = std::move(name);
  s.value = std::move(value);
  s.source = source;
  return s;
}

// The synonym Kafka lists last: the broker option that carries the default, with that default
// (retention.ms: log.retention.hours=168, as log.retention.ms/minutes default to unset).
config_synonym default_synonym(const topic_config_def& def) {
  for (const auto& key : broker_synonyms(def))
    if (auto opt = find_option(key); opt && !opt->default_text.empty())
      return synonym(key, opt->default_text, config_source::default_config);
  auto opt = find_option(def.broker_key);
  // Not a broker option (compression.type): its fixed default.
  return synonym(def.broker_key, opt ? opt->default_text : def.broker_default(broker_config{}),
                 config_source::default_config);
}

config_change_result failure(errc ec, std::string message) {
  config_change_result r;
  r.ec = ec;
  r.message = std::move(message);
  return r;
}

// APPEND / SUBTRACT of list items (comma-separated) to or from `base`.
std::string edit_list(const std::string& base, const std::string& items, bool append) {
  auto list = values::split_list(base);
  for (const auto& item : values::split_list(items)) {
    if (append) {
      if (std::find(list.begin(), list.end(), item) == list.end())
        list.push_back(item);
    } else {
      list.erase(std::remove(list.begin(), list.end(), item), list.end());
    }
  }
  return values::join(list);
}

config_change_result replace_all(const alter_configs_args& args) {
  topic_configs next;
  for (const auto& ch : args.changes) {
    if (ch.null)
      return failure(errc::invalid_request, "Null value not supported for topic configs: " + ch.name);
    next[ch.name] = ch.value;
  }
  if (auto why = topic_config_error(next); !why.empty())
    return failure(errc::invalid_config, why);
  config_change_result r;
  r.overrides = std::move(next);
  return r;
}

config_change_result incremental(const broker_config& cfg, const topic_configs& current,
                                 const alter_configs_args& args) {
  topic_configs next = current;
  std::set<std::string> seen;
  for (const auto& ch : args.changes) {
    if (!seen.insert(ch.name).second)
      return failure(errc::invalid_request, "Error due to duplicate config keys");
    auto def = find_topic_config(ch.name);
    if (!def)
      return failure(errc::invalid_config, "Unknown topic config name: " + ch.name);
    auto op = static_cast<config_op>(ch.op);
    if (op != config_op::remove && ch.null)
      return failure(errc::invalid_request, "Null value not supported for topic configs: " + ch.name);
    switch (op) {
      case config_op::set:
        next[ch.name] = ch.value;
        break;
      case config_op::remove:
        next.erase(ch.name);
        break;
      case config_op::append:
      case config_op::subtract: {
        bool append = op == config_op::append;
        if (def->type != config_type::list)
          return failure(errc::invalid_config, std::string{"Config value "}
                                                 + (append ? "append" : "subtract")
                                                 + " is not allowed for config key: " + ch.name);
        next[ch.name] = edit_list(effective_topic_config(cfg, next, *def), ch.value, append);
        break;
      }
      default:
        return failure(errc::invalid_request,
                       "Unknown config operation " + std::to_string(ch.op) + " for " + ch.name);
    }
  }
  if (auto why = topic_config_error(next); !why.empty())
    return failure(errc::invalid_config, why);
  config_change_result r;
  r.overrides = std::move(next);
  return r;
}

} // namespace

std::vector<std::string> broker_synonyms(const topic_config_def& def) {
  if (def.name == "retention.ms")
    return {"log.retention.ms", "log.retention.minutes", "log.retention.hours"};
  if (def.name == "segment.ms")
    return {"log.roll.ms", "log.roll.hours"};
  return {def.broker_key};
}

std::vector<config_entry> describe_topic_configs(const broker_config& cfg,
                                                 const topic_configs& overrides) {
  std::vector<config_entry> result;
  for (const auto& def : topic_config_table()) {
    config_entry e;
    e.name = def.name;
    e.type = static_cast<int8_t>(def.type);
    e.doc = def.doc;
    e.value = effective_topic_config(cfg, overrides, def);
    e.source = config_source::default_config;
    if (auto i = overrides.find(def.name); i != overrides.end()) {
      e.source = config_source::dynamic_topic;
      e.synonyms.push_back(synonym(def.name, i->second, config_source::dynamic_topic));
    }
    for (const auto& key : broker_synonyms(def)) {
      if (cfg.explicitly_set.count(key) == 0)
        continue;
      if (e.source == config_source::default_config)
        e.source = config_source::static_broker;
      e.synonyms.push_back(synonym(key, find_option(key)->get(cfg), config_source::static_broker));
    }
    e.synonyms.push_back(default_synonym(def));
    result.push_back(std::move(e));
  }
  return result;
}

config_change_result apply_config_changes(const broker_config& cfg, const topic_configs& current,
                                          const alter_configs_args& args) {
  return args.incremental ? incremental(cfg, current, args) : replace_all(args);
}

} // namespace cafka
