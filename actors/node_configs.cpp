// DescribeConfigs and AlterConfigs on the node actor. Topic overrides change only here: validated
// as a whole, persisted (cafka-topics.json) and then applied live to every partition's log
// (configure_atom, log_settings) and replica (configure_atom, min.insync.replicas). Broker options
// are read-only: cafka has no dynamic broker configs.
#include "actors/node.hpp"

#include "actors/logging.hpp"
#include "actors/partition_replica.hpp"
#include "actors/topic_config.hpp"
#include "actors/topic_names.hpp"
#include "config/options.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <sstream>

namespace cafka {

namespace {

constexpr const char* component = "node";

config_description fail(errc ec, std::string message) {
  config_description d;
  d.ec = ec;
  d.message = std::move(message);
  return d;
}

config_type type_of(const option_def& opt) {
  if (opt.type == "boolean")
    return config_type::boolean;
  if (opt.type == "short")
    return config_type::short_;
  if (opt.type == "int")
    return config_type::int_;
  if (opt.type == "long")
    return config_type::long_;
  if (opt.type == "double")
    return config_type::double_;
  if (opt.type == "list")
    return config_type::list;
  return config_type::string;
}

// Every broker option with its current value; read-only (no dynamic broker configs).
std::vector<config_entry> describe_broker(const broker_config& cfg) {
  std::vector<config_entry> result;
  for (const auto& opt : option_table()) {
    const auto& canonical = opt.alias_of.empty() ? opt.name : opt.alias_of;
    bool set = cfg.explicitly_set.count(canonical) > 0;
    config_entry e;
    e.name = opt.name;
    e.value = opt.get(cfg);
    e.null = e.value.empty() && !set; // unset optional options, like Kafka's null defaults
    e.source = set ? config_source::static_broker : config_source::default_config;
    e.read_only = true;
    e.type = static_cast<int8_t>(type_of(opt));
    e.doc = opt.doc;
    if (set)
      e.synonyms.push_back({opt.name, e.value, false, config_source::static_broker});
    if (opt.alias_of.empty())
      e.synonyms.push_back({opt.name, opt.default_text, opt.default_text.empty(),
                            config_source::default_config});
    result.push_back(std::move(e));
  }
  return result;
}

// Kafka's resource name of a broker: its id in decimal. Empty `error` when it is this broker.
std::string broker_id_error(const broker_config& cfg, const std::string& name) {
  bool digits = !name.empty() && name.size() <= 10
                && std::all_of(name.begin(), name.end(),
                               [](unsigned char c) { return std::isdigit(c) != 0; });
  if (!digits)
    return "Broker id must be an integer, but it is: " + name;
  if (std::stoll(name) != cfg.node_id)
    return "Unexpected broker id, expected " + std::to_string(cfg.node_id)
           + " or empty string, but received " + name;
  return {};
}

// Kafka describes log4j loggers; cafka has one level for every component.
config_description describe_loggers(const broker_config& cfg, const std::string& name) {
  if (name.empty())
    return fail(errc::invalid_request, "Broker id must not be empty");
  if (auto why = broker_id_error(cfg, name); !why.empty())
    return fail(errc::invalid_request, why);
  config_entry e;
  e.name = "root";
  e.value = cfg.log_level;
  std::transform(e.value.begin(), e.value.end(), e.value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  e.source = config_source::broker_logger;
  e.read_only = true; // log.level is fixed at startup
  e.type = static_cast<int8_t>(config_type::string);
  config_description d;
  d.entries.push_back(std::move(e));
  return d;
}

std::string describe_changes(const topic_configs& overrides) {
  std::ostringstream out;
  for (const auto& [key, value] : overrides)
    out << ' ' << key << '=' << value;
  return overrides.empty() ? std::string{" (none)"} : out.str();
}

} // namespace

config_description describe_configs(node_self self, const config_resource& res) {
  auto& st = self->state;
  switch (res.type) {
    case config_resource_type::topic: {
      if (auto why = topic_name_error(res.name); !why.empty())
        return fail(errc::invalid_topic, why);
      auto i = st.topics.find(res.name);
      if (i == st.topics.end())
        return fail(errc::unknown_topic_or_partition,
                    "The topic '" + res.name + "' does not exist.");
      config_description d;
      d.entries = describe_topic_configs(st.cfg, i->second.def.configs);
      return d;
    }
    case config_resource_type::broker: {
      // Kafka: the empty name is the cluster-wide dynamic defaults, of which there are none.
      if (res.name.empty())
        return config_description{};
      if (auto why = broker_id_error(st.cfg, res.name); !why.empty())
        return fail(errc::invalid_request, why);
      config_description d;
      d.entries = describe_broker(st.cfg);
      return d;
    }
    case config_resource_type::broker_logger:
      return describe_loggers(st.cfg, res.name);
    default:
      return fail(errc::invalid_request, "Unsupported resource type: "
                                           + std::to_string(static_cast<int>(res.type)));
  }
}

caf::typed_response_promise<topic_result> alter_configs(node_self self,
                                                        const alter_configs_args& args) {
  auto& st = self->state;
  auto rp = self->make_response_promise<topic_result>();
  auto reply = [&rp](errc ec, std::string message) {
    topic_result r;
    r.ec = ec;
    r.message = std::move(message);
    rp.deliver(std::move(r));
    return rp;
  };
  if (st.shutting_down)
    return reply(errc::request_timed_out, "broker is shutting down");
  auto i = st.topics.find(args.topic);
  if (i == st.topics.end())
    return reply(errc::unknown_topic_or_partition,
                 "The topic '" + args.topic + "' does not exist.");
  auto& entry = i->second;
  auto change = apply_config_changes(st.cfg, entry.def.configs, args);
  if (change.ec != errc::none || args.validate_only)
    return reply(change.ec, std::move(change.message));
  auto previous = std::move(entry.def.configs);
  entry.def.configs = change.overrides;
  if (auto ec = persist_topics(self)) {
    entry.def.configs = std::move(previous);
    CAFKA_ERROR(component, "cannot persist configs of " << args.topic << ": " << ec.message());
    return reply(errc::storage_error, "cannot persist topic configs: " + ec.message());
  }
  CAFKA_INFO(component, "topic " << args.topic << " configs now:"
                                 << describe_changes(change.overrides));
  // Apply to every online partition; reply once all have answered (or failed: the overrides are
  // persisted either way and apply at the partition's next start).
  auto settings = resolve_log_settings(st.cfg, change.overrides);
  auto min_isr = resolve_min_insync_replicas(st.cfg, change.overrides);
  auto pending = std::make_shared<size_t>(1);
  auto arrive = [rp, pending]() mutable {
    if (--*pending == 0)
      rp.deliver(topic_result{});
  };
  auto on_error = [arrive, topic = args.topic](const char* what, caf::error& err) mutable {
    CAFKA_WARN(component, topic << ": applying new configs to a " << what
                                << " failed: " << to_string(err));
    arrive();
  };
  auto on_reply = [arrive, topic = args.topic](const char* what, errc ec) mutable {
    if (ec != errc::none)
      CAFKA_WARN(component, topic << ": applying new configs to a " << what
                                  << " failed: " << to_string(ec));
    arrive();
  };
  for (auto& pa : entry.partitions) {
    if (!pa)
      continue;
    *pending += 2;
    self->request(pa.log, log_request_timeout, configure_atom::value, settings)
      .then([on_reply](errc ec) mutable { on_reply("log", ec); },
            [on_error](caf::error& err) mutable { on_error("log", err); });
    self->request(pa.replica, log_request_timeout, configure_atom::value, min_isr)
      .then([on_reply](errc ec) mutable { on_reply("replica", ec); },
            [on_error](caf::error& err) mutable { on_error("replica", err); });
  }
  arrive(); // the initial count
  return rp;
}

} // namespace cafka
