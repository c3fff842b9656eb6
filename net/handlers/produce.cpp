// Produce (API key 0). Advertised v0-7 (librdkafka only compresses when v0 is in range), served
// v3-7: one magic-2 batch per partition. Per partition: validate the batch here, on the
// connection's bridge actor (CRC work spreads across connections instead of piling up on the
// replica), then hand the same bytes to the partition's replica and gather all answers.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"
#include "storage/record_batch.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

namespace cafka::net {

namespace {

using response_t = protocol::produce_response;
using topic_response_t = decltype(response_t::responses)::value_type;
using partition_response_t = decltype(topic_response_t::partition_responses)::value_type;

// Kafka answers failed partitions with -1 offsets and times.
partition_response_t failed_partition(int32_t index, int16_t code) {
  partition_response_t p;
  p.index = index;
  p.error_code = code;
  p.base_offset = -1;
  p.log_append_time_ms = -1;
  p.log_start_offset = -1;
  return p;
}

// The response skeleton: every partition of the request, in request order, with `code`.
response_t skeleton(const produce_handler::request_type& req, int16_t code) {
  response_t resp;
  resp.throttle_time_ms = 0;
  resp.responses.reserve(req.topic_data.size());
  for (const auto& topic : req.topic_data) {
    topic_response_t t;
    t.name = topic.name;
    t.partition_responses.reserve(topic.partition_data.size());
    for (const auto& part : topic.partition_data)
      t.partition_responses.push_back(failed_partition(part.index, code));
    resp.responses.push_back(std::move(t));
  }
  return resp;
}

// Checks a partition's records field. Kafka 3.4 (ProduceRequest.validateRecords) rejects a
// missing or empty records field with INVALID_RECORD; validate_batch covers CRC (corrupt_message)
// and the one-batch / magic / count rules (invalid_record).
errc check_records(std::optional<protocol::record_bytes>& records) {
  if (!records || records->empty())
    return errc::invalid_record;
  auto bytes = records->contiguous(); // one slice of the request frame: no copy
  storage::batch_header header;
  if (auto ec = storage::validate_batch(bytes.data(), bytes.size(), header))
    return to_errc(ec);
  return errc::none;
}

// Second step, once the routes are known: validate and dispatch every partition.
void dispatch(const context_ptr& ctx, produce_handler::request_type& req,
              const route_map& routes) {
  const auto acks = req.acks;
  auto resp = std::make_shared<response_t>(skeleton(req, kafka_error::none));
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  const auto timeout = with_margin(req.timeout_ms);
  for (size_t ti = 0; ti < req.topic_data.size(); ++ti) {
    auto& topic = req.topic_data[ti];
    for (size_t pi = 0; pi < topic.partition_data.size(); ++pi) {
      auto& part = topic.partition_data[pi];
      auto& slot = resp->responses[ti].partition_responses[pi];
      errc ec = errc::none;
      // Unknown topics first, like Kafka (it checks the metadata cache before the records).
      const auto* replica = find_replica(routes, topic.name, part.index, ec);
      if (ec != errc::none)
        forget_route(ctx, topic.name, ec);
      if (ec == errc::none)
        ec = check_records(part.records);
      if (ec != errc::none) {
        slot = failed_partition(part.index, to_kafka_error(ec));
        continue;
      }
      produce_args args{std::move(*part.records), acks, req.timeout_ms};
      if (acks == 0) {
        // Nobody waits for the answer: anonymous, so the reply is dropped instead of landing
        // in the bridge's mailbox as an unexpected message.
        caf::anon_send(*replica, produce_atom::value, std::move(args));
        continue;
      }
      gather->expect();
      ctx->self->request(*replica, timeout, produce_atom::value, std::move(args))
        .then(
          [ctx, resp, gather, ti, pi](produce_reply& r) {
            auto& p = resp->responses[ti].partition_responses[pi];
            if (r.ec != errc::none) {
              forget_route(ctx, resp->responses[ti].name, r.ec);
              p = failed_partition(p.index, to_kafka_error(r.ec));
            } else {
              p.error_code = kafka_error::none;
              p.base_offset = r.base_offset;
              p.log_append_time_ms = r.log_append_time;
              p.log_start_offset = r.log_start_offset;
            }
            gather->arrive();
          },
          [ctx, resp, gather, ti, pi](caf::error& err) {
            auto& p = resp->responses[ti].partition_responses[pi];
            auto ec = from_caf_error(err);
            forget_route(ctx, resp->responses[ti].name, ec);
            p = failed_partition(p.index, to_kafka_error(ec));
            gather->arrive();
          });
    }
  }
  if (acks == 0) {
    // acks=0: the appends are on their way (mailboxes keep their order); the client expects no
    // response. Kafka would close the connection on errors; our handler contract cannot, so
    // errors are dropped silently, as the client asked.
    ctx->respond_nothing();
    return;
  }
  gather->seal();
}

} // namespace

void produce_handler::handle(const context_ptr& ctx, request_type&& req) {
  if (ctx->version() < 3) {
    // v0-2 carry magic 0/1 message sets, which cafka never stores.
    if (req.acks == 0)
      return ctx->respond_nothing();
    return ctx->respond(skeleton(req, kafka_error::unsupported_version));
  }
  if (req.acks != 0 && req.acks != 1 && req.acks != -1)
    return ctx->respond(skeleton(req, kafka_error::invalid_required_acks));
  route_wants wants;
  for (const auto& topic : req.topic_data)
    for (const auto& part : topic.partition_data)
      want(wants, topic.name, part.index);
  // The request moves into the callback: its record bytes travel on to the replicas uncopied.
  auto shared_req = std::make_shared<request_type>(std::move(req));
  lookup_routes(ctx, wants, [ctx, shared_req](route_map_ptr routes) {
    dispatch(ctx, *shared_req, *routes);
  });
}

} // namespace cafka::net
