// CreateTopics (API key 19), v0-4: one create_topic request to the node per topic, in parallel.
// Automatic assignment only: manual replica assignments get INVALID_REQUEST. timeout_ms only
// bounds how long we wait for the node (plus a margin). error_message exists from v1.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

#include <set>

namespace cafka::net {

namespace {

using response_t = protocol::create_topics_response;
using result_t = decltype(response_t::topics)::value_type;

void set_result(result_t& r, errc ec, std::string message) {
  r.error_code = to_kafka_error(ec);
  if (ec == errc::none)
    r.error_message.reset();
  else
    r.error_message = message.empty() ? std::string{to_string(ec)} : std::move(message);
}

// Request-level checks Kafka makes before asking the controller; empty message when fine.
template <class Topic>
std::pair<errc, std::string> precheck(const Topic& topic, const std::set<std::string>& dups) {
  if (dups.count(topic.name) > 0)
    return {errc::invalid_request, "Topic '" + topic.name + "' is named more than once."};
  if (!topic.assignments.empty())
    return {errc::invalid_request, "Manual partition assignment is not supported."};
  for (const auto& cfg : topic.configs)
    if (!cfg.value)
      return {errc::invalid_config, "Null value not supported for topic config " + cfg.name};
  return {errc::none, {}};
}

} // namespace

void create_topics_handler::handle(const context_ptr& ctx, request_type&& req) {
  auto resp = std::make_shared<response_t>();
  resp->throttle_time_ms = 0;
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  // Kafka rejects every entry of a topic named twice (it cannot tell which one was meant).
  std::set<std::string> seen, dups;
  for (const auto& topic : req.topics)
    if (!seen.insert(topic.name).second)
      dups.insert(topic.name);
  const auto timeout = with_margin(req.timeout_ms);
  for (size_t i = 0; i < req.topics.size(); ++i) {
    auto& topic = req.topics[i];
    result_t r;
    r.name = topic.name;
    auto [ec, message] = precheck(topic, dups);
    set_result(r, ec, std::move(message));
    resp->topics.push_back(std::move(r));
    if (ec != errc::none)
      continue;
    create_topic_args args;
    args.name = topic.name;
    args.num_partitions = topic.num_partitions;
    args.replication_factor = topic.replication_factor;
    for (auto& cfg : topic.configs)
      args.configs[cfg.name] = std::move(*cfg.value);
    args.validate_only = req.validate_only;
    gather->expect();
    ctx->self->request(ctx->node, timeout, create_topic_atom::value, std::move(args))
      .then(
        [resp, gather, i](topic_result& res) {
          set_result(resp->topics[i], res.ec, std::move(res.message));
          gather->arrive();
        },
        [resp, gather, i](caf::error& err) {
          set_result(resp->topics[i], from_caf_error(err), {});
          gather->arrive();
        });
  }
  gather->seal();
}

} // namespace cafka::net
