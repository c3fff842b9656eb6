// DescribeConfigs (API key 32), v0-4: one describe request to the node per resource, in parallel.
// TOPIC resources list every topic-level key (actors/topic_config.cpp) with its effective value
// and source; BROKER resources (name = this node's id) every broker option, read-only; the empty
// broker name (cluster-wide dynamic defaults) is an empty list; BROKER_LOGGER lists "root".
// v0 reports is_default instead of a source; synonyms only when include_synonyms (v1+);
// documentation only when include_documentation (v3+).
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <chrono>

namespace cafka::net {

namespace {

using response_t = protocol::describe_configs_response;
using result_t = response_t::describe_configs_result;
using entry_t = response_t::describe_configs_resource_result;

// DescribeConfigs carries no timeout; the node answers from memory.
constexpr auto describe_timeout = std::chrono::seconds(30);

std::optional<std::string> nullable(const std::string& value, bool null) {
  return null ? std::nullopt : std::optional<std::string>{value};
}

entry_t to_wire(const config_entry& e, bool synonyms, bool documentation, int16_t version) {
  entry_t w;
  w.name = e.name;
  w.value = nullable(e.value, e.null);
  w.read_only = e.read_only;
  w.is_sensitive = e.sensitive;
  if (version == 0)
    w.is_default = e.source == config_source::default_config;
  else
    w.config_source = static_cast<int8_t>(e.source);
  if (synonyms && version >= 1)
    for (const auto& s : e.synonyms)
      w.synonyms.push_back({s.name, nullable(s.value, s.null), static_cast<int8_t>(s.source)});
  w.config_type = e.type;
  w.documentation = documentation ? std::optional<std::string>{e.doc} : std::nullopt;
  return w;
}

void set_error(result_t& r, errc ec, std::string message) {
  r.error_code = to_kafka_error(ec);
  if (ec == errc::none)
    r.error_message.reset();
  else
    r.error_message = message.empty() ? std::string{to_string(ec)} : std::move(message);
}

} // namespace

void describe_configs_handler::handle(const context_ptr& ctx, request_type&& req) {
  auto resp = std::make_shared<response_t>();
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  const auto version = ctx->version();
  const bool synonyms = req.include_synonyms;
  const bool documentation = req.include_documentation;
  for (size_t i = 0; i < req.resources.size(); ++i) {
    auto& res = req.resources[i];
    result_t r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    set_error(r, errc::none, {});
    resp->results.push_back(std::move(r));
    config_resource query;
    query.type = static_cast<config_resource_type>(res.resource_type);
    query.name = res.resource_name;
    gather->expect();
    ctx->self->request(ctx->node, describe_timeout, describe_configs_atom::value, std::move(query))
      .then(
        [resp, gather, i, keys = std::move(res.configuration_keys), synonyms, documentation,
         version](config_description& d) {
          auto& r = resp->results[i];
          set_error(r, d.ec, std::move(d.message));
          for (const auto& e : d.entries) {
            // configuration_keys: null lists every key; unknown names are simply absent.
            if (keys && std::find(keys->begin(), keys->end(), e.name) == keys->end())
              continue;
            r.configs.push_back(to_wire(e, synonyms, documentation, version));
          }
          gather->arrive();
        },
        [resp, gather, i](caf::error& err) {
          set_error(resp->results[i], from_caf_error(err), {});
          gather->arrive();
        });
  }
  gather->seal();
}

} // namespace cafka::net
