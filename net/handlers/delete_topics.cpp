// DeleteTopics (API key 20), v0-3: one delete_topic request to the node per name, in parallel.
// These versions carry no error message; the node's message is dropped.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

namespace cafka::net {

void delete_topics_handler::handle(const context_ptr& ctx, request_type&& req) {
  using response_t = protocol::delete_topics_response;
  using result_t = decltype(response_t::responses)::value_type;
  auto resp = std::make_shared<response_t>();
  resp->throttle_time_ms = 0;
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  const auto timeout = with_margin(req.timeout_ms);
  for (size_t i = 0; i < req.topic_names.size(); ++i) {
    result_t r;
    r.name = req.topic_names[i];
    r.error_code = to_kafka_error(errc::none);
    resp->responses.push_back(std::move(r));
    gather->expect();
    ctx->self->request(ctx->node, timeout, delete_topic_atom::value, req.topic_names[i])
      .then(
        [resp, gather, i](topic_result& res) {
          resp->responses[i].error_code = to_kafka_error(res.ec);
          gather->arrive();
        },
        [resp, gather, i](caf::error& err) {
          resp->responses[i].error_code = to_kafka_error(from_caf_error(err));
          gather->arrive();
        });
  }
  gather->seal();
}

} // namespace cafka::net
