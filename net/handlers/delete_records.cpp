// DeleteRecords (API key 21), v0-1: per partition, ask the replica to raise its log start offset
// to `offset` (-1: the high watermark). Beyond the HW → OFFSET_OUT_OF_RANGE; unknown topic or
// partition → UNKNOWN_TOPIC_OR_PARTITION. low_watermark is the new log start offset (-1 on
// error, as Kafka sends). v1 only bumps the version (throttling semantics).
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

namespace cafka::net {

namespace {

using request_t = delete_records_handler::request_type;
using response_t = protocol::delete_records_response;
using topic_response_t = decltype(response_t::topics)::value_type;
using partition_response_t = decltype(topic_response_t::partitions)::value_type;

void set_result(partition_response_t& p, errc ec, int64_t low_watermark) {
  p.error_code = to_kafka_error(ec);
  p.low_watermark = ec == errc::none ? low_watermark : -1;
}

void dispatch(const context_ptr& ctx, const request_t& req, const route_map& routes) {
  auto resp = std::make_shared<response_t>();
  resp->throttle_time_ms = 0;
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  const auto timeout = with_margin(req.timeout_ms);
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& topic = req.topics[ti];
    topic_response_t t;
    t.name = topic.name;
    for (size_t pi = 0; pi < topic.partitions.size(); ++pi) {
      const auto& part = topic.partitions[pi];
      partition_response_t p;
      p.partition_index = part.partition_index;
      errc ec = errc::none;
      const auto* replica = find_replica(routes, topic.name, part.partition_index, ec);
      set_result(p, ec, -1);
      t.partitions.push_back(std::move(p));
      if (replica == nullptr)
        continue;
      gather->expect();
      ctx->self->request(*replica, timeout, delete_records_atom::value, part.offset)
        .then(
          [resp, gather, ti, pi](offset_reply& r) {
            set_result(resp->topics[ti].partitions[pi], r.ec, r.offset);
            gather->arrive();
          },
          [resp, gather, ti, pi](caf::error& err) {
            set_result(resp->topics[ti].partitions[pi], from_caf_error(err), -1);
            gather->arrive();
          });
    }
    resp->topics.push_back(std::move(t));
  }
  gather->seal();
}

} // namespace

void delete_records_handler::handle(const context_ptr& ctx, request_type&& req) {
  std::vector<std::string> names;
  names.reserve(req.topics.size());
  for (const auto& topic : req.topics)
    names.push_back(topic.name);
  auto shared_req = std::make_shared<request_type>(std::move(req));
  lookup_routes(ctx, names, [ctx, shared_req](route_map_ptr routes) {
    dispatch(ctx, *shared_req, *routes);
  });
}

} // namespace cafka::net
