// ListOffsets (API key 2), v1-3: per partition, the replica's offset for a timestamp (-1 latest,
// -2 earliest, else the first offset with timestamp >= t). Nothing found → offset -1 and
// timestamp -1 (the replica's defaults). isolation_level is ignored until transactions exist
// (then "latest" must become the LSO for read_committed).
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>

namespace cafka::net {

namespace {

using request_t = list_offsets_handler::request_type;
using response_t = protocol::list_offsets_response;
using topic_response_t = decltype(response_t::topics)::value_type;
using partition_response_t = decltype(topic_response_t::partitions)::value_type;

void set_result(partition_response_t& p, errc ec, int64_t offset, int64_t timestamp) {
  p.error_code = to_kafka_error(ec);
  p.offset = ec == errc::none ? offset : -1;
  p.timestamp = ec == errc::none ? timestamp : -1;
}

void dispatch(const context_ptr& ctx, const request_t& req, const route_map& routes) {
  auto resp = std::make_shared<response_t>();
  resp->throttle_time_ms = 0;
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
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
      set_result(p, ec, -1, -1);
      t.partitions.push_back(std::move(p));
      if (replica == nullptr) {
        forget_route(ctx, topic.name, ec);
        continue;
      }
      gather->expect();
      ctx->self->request(*replica, node_timeout, list_offsets_atom::value, part.timestamp)
        .then(
          [ctx, resp, gather, ti, pi](offset_reply& r) {
            if (r.ec != errc::none)
              forget_route(ctx, resp->topics[ti].name, r.ec);
            set_result(resp->topics[ti].partitions[pi], r.ec, r.offset, r.timestamp);
            gather->arrive();
          },
          [ctx, resp, gather, ti, pi](caf::error& err) {
            auto ec = from_caf_error(err);
            forget_route(ctx, resp->topics[ti].name, ec);
            set_result(resp->topics[ti].partitions[pi], ec, -1, -1);
            gather->arrive();
          });
    }
    resp->topics.push_back(std::move(t));
  }
  gather->seal();
}

} // namespace

void list_offsets_handler::handle(const context_ptr& ctx, request_type&& req) {
  route_wants wants;
  for (const auto& topic : req.topics)
    for (const auto& part : topic.partitions)
      want(wants, topic.name, part.partition_index);
  auto shared_req = std::make_shared<request_type>(std::move(req));
  lookup_routes(ctx, wants, [ctx, shared_req](route_map_ptr routes) {
    dispatch(ctx, *shared_req, *routes);
  });
}

} // namespace cafka::net
