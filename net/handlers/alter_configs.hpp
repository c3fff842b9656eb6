#pragma once
// What AlterConfigs and IncrementalAlterConfigs share: per-resource checks (only TOPIC resources
// can change: cafka has no dynamic broker configs and a fixed log level), one alter_configs
// request to the node per topic, in parallel, and the per-resource result. `to_changes` turns a
// request resource's configs into the node's config_change list.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <utility>

namespace cafka::net {

// The node answers once every partition applied the change (log actors' 30 s limit + margin).
constexpr auto alter_configs_timeout = std::chrono::seconds(35);

template <class Result>
void set_alter_result(Result& r, errc ec, std::string message) {
  r.error_code = to_kafka_error(ec);
  if (ec == errc::none)
    r.error_message.reset();
  else
    r.error_message = message.empty() ? std::string{to_string(ec)} : std::move(message);
}

// Kafka's answer for a resource that is not a topic; empty message when it is one.
inline std::string non_topic_error(int8_t resource_type) {
  switch (static_cast<config_resource_type>(resource_type)) {
    case config_resource_type::topic:
      return {};
    case config_resource_type::broker:
      return "Cannot update broker configs dynamically: cafka's broker options are read-only "
             "(set them in server.properties)";
    case config_resource_type::broker_logger:
      return "Cannot update broker loggers: cafka's log.level is fixed at startup";
    default:
      return "Unsupported resource type: " + std::to_string(resource_type);
  }
}

template <class Response, class Request, class ToChanges>
void alter_config_resources(const context_ptr& ctx, Request& req, bool incremental,
                            ToChanges to_changes) {
  auto resp = std::make_shared<Response>();
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  // A resource named twice is ambiguous: every entry of it is rejected, as in Kafka.
  std::map<std::pair<int8_t, std::string>, int> count;
  for (const auto& res : req.resources)
    ++count[{res.resource_type, res.resource_name}];
  for (size_t i = 0; i < req.resources.size(); ++i) {
    auto& res = req.resources[i];
    typename decltype(Response::responses)::value_type r;
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    set_alter_result(r, errc::none, {});
    auto why = non_topic_error(res.resource_type);
    if (why.empty() && count[{res.resource_type, res.resource_name}] > 1)
      why = "Duplicate resource in the request: " + res.resource_name;
    if (!why.empty())
      set_alter_result(r, errc::invalid_request, std::move(why));
    resp->responses.push_back(std::move(r));
    if (resp->responses.back().error_code != 0)
      continue;
    alter_configs_args args;
    args.topic = res.resource_name;
    args.incremental = incremental;
    args.changes = to_changes(res);
    args.validate_only = req.validate_only;
    gather->expect();
    ctx->self->request(ctx->node, alter_configs_timeout, alter_configs_atom::value, std::move(args))
      .then(
        [resp, gather, i](topic_result& res) {
          set_alter_result(resp->responses[i], res.ec, std::move(res.message));
          gather->arrive();
        },
        [resp, gather, i](caf::error& err) {
          set_alter_result(resp->responses[i], from_caf_error(err), {});
          gather->arrive();
        });
  }
  gather->seal();
}

} // namespace cafka::net
