#pragma once
// Shared plumbing of the partition-level handlers (Produce, Fetch, ListOffsets): resolving topic
// names to replica actors through the node, and turning failed actor requests into errc.
#include "net/handler.hpp"
#include "net/handlers/in_order.hpp"

#include <caf/error.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cafka::net {

// How long a handler waits for the node to answer a lookup. The node is in-process; this only
// bounds the damage when it is stuck (a request without timeout would hang the connection).
constexpr std::chrono::milliseconds node_timeout{10000};

// Added to a client-given wait (produce timeout, fetch max wait) for an actor request's own
// timeout, so that the actor's regular answer at the end of its wait wins the race.
constexpr std::chrono::milliseconds reply_margin{5000};

// Client-given milliseconds (may be negative or huge) plus reply_margin.
std::chrono::milliseconds with_margin(int64_t client_ms) noexcept;

// Replica actors by topic name; topics the node does not know carry an error.
using route_map = std::map<std::string, topic_route>;
using route_map_ptr = std::shared_ptr<route_map>;

// Per-connection cache of topic → route, so Produce/Fetch/ListOffsets do not ask the node (one
// actor serialising every connection) on each request. Lives in the bridge's state and is only
// touched on the bridge actor. Only complete routes are kept (no error, no offline partition).
// An entry is dropped when a request through it fails as if the topic were gone (a deleted
// topic's replicas are dead), when a request names a partition beyond it (the topic grew), and
// after max_age, so deletions, re-creations and growth are all noticed within max_age at worst.
// Lookups through the cache complete in the order they started, so a hit never overtakes an
// earlier miss still waiting for the node.
class route_cache {
public:
  using clock = std::chrono::steady_clock;
  using now_fn = std::function<clock::time_point()>;
  static constexpr std::chrono::milliseconds default_max_age{1000};
  static constexpr size_t max_entries = 4096; // clients naming ever new topics: start over

  explicit route_cache(std::chrono::milliseconds max_age = default_max_age, now_fn now = {})
    : max_age_(max_age), now_(std::move(now)) {}

  // The route of `topic` if cached, younger than max_age and with a partition `max_partition`;
  // else nullptr (a stale or too small entry is dropped).
  const topic_route* find(const std::string& topic, int32_t max_partition);
  // Keeps `route` if it is complete; otherwise forgets `topic`.
  void store(const std::string& topic, const topic_route& route);
  void invalidate(const std::string& topic) { entries_.erase(topic); }
  size_t size() const noexcept { return entries_.size(); }
  in_order& completions() noexcept { return completions_; }

private:
  clock::time_point now() const { return now_ ? now_() : clock::now(); }
  struct entry {
    topic_route route;
    clock::time_point stored;
  };
  std::chrono::milliseconds max_age_;
  now_fn now_;
  std::map<std::string, entry> entries_;
  in_order completions_;
};

// Asks the node for the route of every distinct name (one request each, in parallel) and calls
// `then` on the bridge actor once all answered. Failed lookups become routes with an error.
// Never uses the cache (callers that do not report failures back through forget_route).
void lookup_routes(const context_ptr& ctx, const std::vector<std::string>& names,
                   std::function<void(route_map_ptr)> then);

// Topic name → highest partition index a request names in it.
using route_wants = std::map<std::string, int32_t>;

// Like the above, but served from ctx->routes where possible (when the context has a cache);
// `then` may run before this returns. With a cache, the `then`s of one connection run in the
// order of their calls. Callers must report failed partitions with forget_route.
void lookup_routes(const context_ptr& ctx, const route_wants& wants,
                   std::function<void(route_map_ptr)> then);

// Adds `partition` of `topic` to `wants`.
inline void want(route_wants& wants, const std::string& topic, int32_t partition) {
  auto [i, fresh] = wants.emplace(topic, partition);
  if (!fresh && partition > i->second)
    i->second = partition;
}

// A request for `topic` failed with `ec` (from find_replica, a replica's reply or a failed actor
// request): drops the cached route when the error means it may be outdated.
void forget_route(const context_ptr& ctx, const std::string& topic, errc ec) noexcept;

// The replica serving topic/partition, or nullptr with `ec` set (unknown topic, partition index
// out of range, offline partition, or the lookup's own error).
const partition_replica_actor* find_replica(const route_map& routes, const std::string& topic,
                                            int32_t partition, errc& ec) noexcept;

// The internal error for a failed actor request: timeout → request_timed_out; a replica that died
// meanwhile (topic deleted) → unknown_topic_or_partition; anything else → unknown.
errc from_caf_error(const caf::error& e) noexcept;

} // namespace cafka::net
