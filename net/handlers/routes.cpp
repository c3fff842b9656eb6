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

const topic_route* route_cache::find(const std::string& topic, int32_t max_partition) {
  auto i = entries_.find(topic);
  if (i == entries_.end())
    return nullptr;
  if (now() - i->second.stored >= max_age_
      || (max_partition >= 0
          && static_cast<size_t>(max_partition) >= i->second.route.replicas.size())) {
    entries_.erase(i);
    return nullptr;
  }
  return &i->second.route;
}

void route_cache::store(const std::string& topic, const topic_route& route) {
  // Partitions hosted by other nodes (cluster mode) do not make a route incomplete: a client
  // that sends there anyway gets not_leader_or_follower, which also drops the entry.
  bool complete = route.ec == errc::none && !route.replicas.empty();
  for (size_t p = 0; complete && p < route.replicas.size(); ++p)
    complete = route.replicas[p]
               || (p < route.missing.size() && route.missing[p] == errc::not_leader_or_follower);
  if (!complete) {
    entries_.erase(topic);
    return;
  }
  if (entries_.size() >= max_entries && entries_.count(topic) == 0)
    entries_.clear();
  entries_[topic] = entry{route, now()};
}

namespace {

// Asks the node for `name`'s route; the answer goes into `routes` (and `cache`, if any).
void ask_node(const context_ptr& ctx, const std::string& name, const route_map_ptr& routes,
              const std::shared_ptr<fan_in>& gather, route_cache* cache) {
  (*routes)[name].ec = errc::unknown_topic_or_partition; // until the node says otherwise
  gather->expect();
  // The cache lives in the bridge's state and these callbacks run on the bridge, so it is alive
  // whenever they run.
  ctx->self->request(ctx->node, node_timeout, route_atom::value, name)
    .then(
      [routes, gather, name, cache](topic_route& route) {
        if (cache != nullptr)
          cache->store(name, route);
        (*routes)[name] = std::move(route);
        gather->arrive();
      },
      [routes, gather, name](caf::error& err) {
        (*routes)[name].ec = from_caf_error(err);
        gather->arrive();
      });
}

} // namespace

void lookup_routes(const context_ptr& ctx, const std::vector<std::string>& names,
                   std::function<void(route_map_ptr)> then) {
  auto routes = std::make_shared<route_map>();
  auto gather = std::make_shared<fan_in>([routes, then = std::move(then)] { then(routes); });
  for (const auto& name : names)
    if (routes->count(name) == 0) // a topic named twice is looked up once
      ask_node(ctx, name, routes, gather, nullptr);
  gather->seal();
}

void lookup_routes(const context_ptr& ctx, const route_wants& wants,
                   std::function<void(route_map_ptr)> then) {
  auto routes = std::make_shared<route_map>();
  std::function<void()> done = [routes, then = std::move(then)] { then(routes); };
  if (auto* cache = ctx->routes) // the cache lives on the bridge, where the gather completes
    done = [cache, t = cache->completions().start(), step = std::move(done)]() mutable {
      cache->completions().finish(t, std::move(step));
    };
  auto gather = std::make_shared<fan_in>(std::move(done));
  for (const auto& [name, max_partition] : wants) {
    if (ctx->routes != nullptr)
      if (const auto* cached = ctx->routes->find(name, max_partition)) {
        (*routes)[name] = *cached;
        continue;
      }
    ask_node(ctx, name, routes, gather, ctx->routes);
  }
  gather->seal();
}

void forget_route(const context_ptr& ctx, const std::string& topic, errc ec) noexcept {
  // unknown_topic_or_partition: no such partition in the route, or its replica is dead (topic
  // deleted); storage_error / not_leader: the partition's actor may have been replaced.
  if (ctx->routes != nullptr
      && (ec == errc::unknown_topic_or_partition || ec == errc::storage_error
          || ec == errc::not_leader_or_follower))
    ctx->routes->invalidate(topic);
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
    // answers those with KAFKA_STORAGE_ERROR, which clients retry. In cluster mode a partition
    // hosted only by other nodes is not_leader_or_follower: the client refreshes its metadata.
    auto p = static_cast<size_t>(partition);
    ec = p < route.missing.size() && route.missing[p] != errc::none ? route.missing[p]
                                                                      : errc::storage_error;
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
