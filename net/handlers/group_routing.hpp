#pragma once
// Shared plumbing of the consumer-group handlers: group id → coordinator (node) → group shard →
// group actor, with Kafka's coordinator errors. Every step has a timeout; every failure reaches
// the handler as an errc (mapped to a Kafka code only by net/error_mapping).
//
//   node coordinator_atom ─▶ lookup.ec set            → that error (e.g. COORDINATOR_LOAD_IN_PROGRESS)
//                           ─▶ another node leads it   → NOT_COORDINATOR (client asks FindCoordinator)
//                           ─▶ this node: shard ─▶ group_atom(group, create) ─▶ group actor
//
// A group actor can quit between lookup and request (group deleted, shard unloading): the
// request then fails with request_receiver_down and ask_group looks the group up once more
// before answering COORDINATOR_NOT_AVAILABLE.
#include "net/handler.hpp"
#include "net/handlers/routes.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

namespace cafka::net {

// How long the group actor may take to answer a JoinGroup: the rebalance timeout (session
// timeout for v0) plus group.initial.rebalance.delay.ms (a join into an Empty group waits that
// long for more members first) plus reply_margin.
std::chrono::milliseconds join_timeout(const broker_config& config, int32_t rebalance_timeout_ms);

// How long a SyncGroup may wait: a follower waits for the leader's assignments; at the latest
// when the leader's session (≤ group.max.session.timeout.ms) expires the group rebalances and the
// follower is answered.
std::chrono::milliseconds sync_timeout(const broker_config& config);

using group_fail = std::function<void(errc)>;

// Any failed actor request on the group path (timeout, dead actor): clients react to
// COORDINATOR_NOT_AVAILABLE by finding the coordinator again and retrying, which is what a
// stuck or vanished coordinator needs (Kafka maps its own append timeouts the same way).
errc group_error(const caf::error& e) noexcept;

// The shard owning group_id on this node; NOT_COORDINATOR when another node leads it.
void resolve_shard(const context_ptr& ctx, const std::string& group_id,
                   std::function<void(group_shard_actor)> then, group_fail fail);

// The group's coordinator actor (created on first use when `create`).
void resolve_group(const context_ptr& ctx, const std::string& group_id, bool create,
                   std::function<void(group_actor)> then, group_fail fail);

// Kafka's client_host for JoinGroup ("/" + peer address) when the peer is known, else "".
std::string client_host(const context_ptr& ctx);

namespace detail {

template <class Reply, class... Ts>
void ask_group_attempt(const context_ptr& ctx, const std::string& group_id, bool create,
                       std::chrono::milliseconds timeout, std::shared_ptr<std::tuple<Ts...>> msg,
                       std::function<void(Reply&)> ok, group_fail fail, int attempts_left) {
  resolve_group(
    ctx, group_id, create,
    [=](group_actor group) {
      std::apply(
        [&](const auto&... xs) {
          ctx->self->request(group, timeout, xs...)
            .then([ok](Reply& reply) { ok(reply); },
                  [=](const caf::error& err) {
                    if (err == caf::sec::request_receiver_down && attempts_left > 1)
                      ask_group_attempt<Reply>(ctx, group_id, create, timeout, msg, ok, fail,
                                               attempts_left - 1);
                    else
                      fail(group_error(err));
                  });
        },
        *msg);
    },
    fail);
}

} // namespace detail

// Sends (atom, args...) to group_id's actor and passes its reply to `ok` (on the bridge actor);
// every failure goes to `fail`. The group is looked up again once if its actor died meanwhile.
template <class Reply, class... Ts>
void ask_group(const context_ptr& ctx, const std::string& group_id, bool create,
               std::chrono::milliseconds timeout, std::function<void(Reply&)> ok,
               group_fail fail, Ts... msg) {
  detail::ask_group_attempt<Reply>(ctx, group_id, create, timeout,
                                   std::make_shared<std::tuple<Ts...>>(std::move(msg)...),
                                   std::move(ok), std::move(fail), 2);
}

} // namespace cafka::net
