// CreatePartitions (API key 37), v0-1: one create_parts request to the node per topic, in
// parallel. Automatic assignment only: non-null assignments get INVALID_REQUEST.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

namespace cafka::net {

namespace {

using response_t = protocol::create_partitions_response;
using result_t = decltype(response_t::results)::value_type;

void set_result(result_t& r, errc ec, std::string message) {
  r.error_code = to_kafka_error(ec);
  if (ec == errc::none)
    r.error_message.reset(); // null when there is no error
  else
    r.error_message = message.empty() ? std::string{to_string(ec)} : std::move(message);
}

} // namespace

void create_partitions_handler::handle(const context_ptr& ctx, request_type&& req) {
  auto resp = std::make_shared<response_t>();
  resp->throttle_time_ms = 0;
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  const auto timeout = with_margin(req.timeout_ms);
  for (size_t i = 0; i < req.topics.size(); ++i) {
    const auto& topic = req.topics[i];
    result_t r;
    r.name = topic.name;
    if (topic.assignments) {
      set_result(r, errc::invalid_request, "Manual partition assignment is not supported.");
      resp->results.push_back(std::move(r));
      continue;
    }
    set_result(r, errc::none, {});
    resp->results.push_back(std::move(r));
    create_partitions_args args{topic.name, topic.count, req.validate_only};
    gather->expect();
    ctx->self->request(ctx->node, timeout, create_parts_atom::value, std::move(args))
      .then(
        [resp, gather, i](topic_result& res) {
          set_result(resp->results[i], res.ec, std::move(res.message));
          gather->arrive();
        },
        [resp, gather, i](caf::error& err) {
          set_result(resp->results[i], from_caf_error(err), {});
          gather->arrive();
        });
  }
  gather->seal();
}

} // namespace cafka::net
