#pragma once
// Shared plumbing of the partition-level handlers (Produce, Fetch, ListOffsets): resolving topic
// names to replica actors through the node, and turning failed actor requests into errc.
#include "net/handler.hpp"

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

// Asks the node for the route of every distinct name (one request each, in parallel) and calls
// `then` on the bridge actor once all answered. Failed lookups become routes with an error.
void lookup_routes(const context_ptr& ctx, const std::vector<std::string>& names,
                   std::function<void(route_map_ptr)> then);

// The replica serving topic/partition, or nullptr with `ec` set (unknown topic, partition index
// out of range, offline partition, or the lookup's own error).
const partition_replica_actor* find_replica(const route_map& routes, const std::string& topic,
                                            int32_t partition, errc& ec) noexcept;

// The internal error for a failed actor request: timeout → request_timed_out; a replica that died
// meanwhile (topic deleted) → unknown_topic_or_partition; anything else → unknown.
errc from_caf_error(const caf::error& e) noexcept;

} // namespace cafka::net
