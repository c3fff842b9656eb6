#include "net/handlers/routes.hpp"

#include "net/handlers/fan_in.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include <algorithm>

namespace cafka::net {

std::chrono::milliseconds with_margin(int64_t client_ms) noexcept {
  // Clamp: a negative wait means "none"; an absurd one must not overflow CAF's duration.
  constexpr int64_t max_wait_ms = 24LL * 3600 * 1000;
  return std::chrono::milliseconds(std::clamp<int64_t>(client_ms, 0, max_wait_ms)) + reply_margin;
}

void lookup_routes(const context_ptr& ctx, const std::vector<std::string>& names,
                   std::function<void(route_map_ptr)> then) {
  auto routes = std::make_shared<route_map>();
  auto gather = std::make_shared<fan_in>([routes, then = std::move(then)] { then(routes); });
  for (const auto& name : names) {
    if (routes->count(name) > 0)
      continue; // a topic named twice is looked up once
    (*routes)[name].ec = errc::unknown_topic_or_partition; // until the node says otherwise
    gather->expect();
    ctx->self->request(ctx->node, node_timeout, route_atom::value, name)
      .then(
        [routes, gather, name](topic_route& route) {
          (*routes)[name] = std::move(route);
          gather->arrive();
        },
        [routes, gather, name](caf::error& err) {
          (*routes)[name].ec = from_caf_error(err);
          gather->arrive();
        });
  }
  gather->seal();
}

const partition_replica_actor* find_replica(const route_map& routes, const std::string& topic,
                                            int32_t partition, errc& ec) noexcept {
  auto i = routes.find(topic);
  if (i == routes.end()) {
    ec = errc::unknown_topic_or_partition;
    return nullptr;
  }
  const auto& route = i->second;
  if (route.ec != errc::none) {
    ec = route.ec;
    return nullptr;
  }
  if (partition < 0 || static_cast<size_t>(partition) >= route.replicas.size()) {
    ec = errc::unknown_topic_or_partition;
    return nullptr;
  }
  if (!route.replicas[partition]) {
    // The node marks partitions whose log failed to open as offline (empty handle); Kafka
    // answers those with KAFKA_STORAGE_ERROR, which clients retry.
    ec = errc::storage_error;
    return nullptr;
  }
  ec = errc::none;
  return &route.replicas[partition];
}

errc from_caf_error(const caf::error& e) noexcept {
  if (e == caf::sec::request_timeout)
    return errc::request_timed_out;
  if (e == caf::sec::request_receiver_down)
    return errc::unknown_topic_or_partition;
  return errc::unknown;
}

} // namespace cafka::net
