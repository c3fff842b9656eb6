#pragma once
// A driver for the pure group_state (no actors): virtual time with an ordered timer list, a store
// that answers at once (or with a chosen error, or not at all), and the replies delivered to
// parked JoinGroup/SyncGroup requests collected per member id.
#include "actors/group_state.hpp"
#include "net/protocol/generated/consumer_protocol_subscription.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafka::test {

inline std::vector<char> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

// A ConsumerProtocolSubscription v1 (what the Java client sends) naming these topics.
inline std::vector<char> subscription(const std::vector<std::string>& topics) {
  protocol::consumer_protocol_subscription sub;
  sub.topics = topics;
  std::vector<char> out;
  protocol::writer w{out};
  w.write_int16(1);
  sub.encode(w, 1);
  return out;
}

struct join_request {
  join_group_args args;
  join_request(std::string member_id = {}, std::vector<std::string> protocols = {"range"}) {
    args.group_id = "g";
    args.member_id = std::move(member_id);
    args.client_id = "client";
    args.client_host = "/127.0.0.1";
    args.protocol_type = "consumer";
    args.session_timeout_ms = 10000;
    args.rebalance_timeout_ms = 10000;
    for (auto& p : protocols)
      args.protocols.push_back({p, bytes("meta-" + p)});
  }
  join_request& instance(std::string id) {
    args.group_instance_id = std::move(id);
    return *this;
  }
  join_request& metadata(std::vector<char> md) {
    for (auto& p : args.protocols)
      p.metadata = md;
    return *this;
  }
  operator const join_group_args&() const { return args; }
};

struct group_sim {
  struct pending_timer {
    int64_t due;
    uint64_t order;
    timer_request t;
  };

  group_settings settings;
  std::unique_ptr<group_state> g;
  int next_id = 0;
  int64_t now = 0;
  uint64_t timer_order = 0;
  std::vector<pending_timer> timers;
  std::deque<store_request> unanswered;           // stores not answered yet
  std::vector<stored_group> stored;               // every snapshot ever handed to the store
  bool answer_stores = true;
  errc store_result = errc::none;
  std::map<std::string, join_group_reply> joins;  // delivered to parked joins, by member id
  std::map<std::string, sync_group_reply> syncs;

  explicit group_sim(group_settings s = {}) : settings(s) {
    g = std::make_unique<group_state>("g", s, [this](const std::string& prefix) {
      return prefix + "-" + std::to_string(++next_id);
    });
  }

  void absorb(group_effects& fx) {
    for (auto& j : fx.joins)
      joins[j.member_id] = std::move(j.reply);
    for (auto& s : fx.syncs)
      syncs[s.member_id] = std::move(s.reply);
    for (auto& t : fx.timers)
      timers.push_back({now + t.delay_ms, ++timer_order, t});
    for (auto& s : fx.stores) {
      stored.push_back(s.group);
      unanswered.push_back(std::move(s));
    }
    fx = {};
    if (answer_stores)
      answer_all_stores();
  }

  void answer_all_stores() {
    while (!unanswered.empty()) {
      auto s = std::move(unanswered.front());
      unanswered.pop_front();
      group_effects fx;
      g->on_stored(s.token, store_result, fx);
      absorb(fx);
    }
  }

  // Runs every timer due up to now + ms, in order.
  void advance(int64_t ms) {
    auto until = now + ms;
    for (;;) {
      auto i = std::min_element(timers.begin(), timers.end(), [](auto& a, auto& b) {
        return a.due != b.due ? a.due < b.due : a.order < b.order;
      });
      if (i == timers.end() || i->due > until)
        break;
      auto t = i->t;
      now = i->due;
      timers.erase(i);
      group_effects fx;
      g->on_timer(t.kind, t.member_id, t.seq, fx);
      absorb(fx);
    }
    now = until;
  }

  join_outcome join(const join_group_args& a) {
    group_effects fx;
    auto out = g->join(a, fx);
    absorb(fx);
    return out;
  }

  // The reply delivered to a parked join of `member_id`, taken out (nullopt: still parked).
  std::optional<join_group_reply> take_join(const std::string& member_id) {
    auto i = joins.find(member_id);
    if (i == joins.end())
      return std::nullopt;
    auto r = std::move(i->second);
    joins.erase(i);
    return r;
  }

  std::optional<sync_group_reply> take_sync(const std::string& member_id) {
    auto i = syncs.find(member_id);
    if (i == syncs.end())
      return std::nullopt;
    auto r = std::move(i->second);
    syncs.erase(i);
    return r;
  }

  sync_outcome sync(const std::string& member_id, int32_t generation,
                    std::vector<member_assignment> assignments = {},
                    std::string instance = {}) {
    sync_group_args a;
    a.group_id = "g";
    a.member_id = member_id;
    a.generation_id = generation;
    a.group_instance_id = std::move(instance);
    a.assignments = std::move(assignments);
    group_effects fx;
    auto out = g->sync(a, fx);
    absorb(fx);
    return out;
  }

  errc heartbeat(const std::string& member_id, int32_t generation, std::string instance = {}) {
    heartbeat_args a;
    a.group_id = "g";
    a.member_id = member_id;
    a.generation_id = generation;
    a.group_instance_id = std::move(instance);
    group_effects fx;
    auto ec = g->heartbeat(a, fx);
    absorb(fx);
    return ec;
  }

  leave_group_reply leave(std::vector<member_identity> who) {
    leave_group_args a;
    a.group_id = "g";
    a.members = std::move(who);
    group_effects fx;
    auto r = g->leave(a, fx);
    absorb(fx);
    return r;
  }

  errc commit(const std::string& member_id, int32_t generation, std::string instance = {}) {
    offset_commit_args a;
    a.group_id = "g";
    a.member_id = member_id;
    a.generation_id = generation;
    a.group_instance_id = std::move(instance);
    group_effects fx;
    auto ec = g->validate_commit(a, fx);
    absorb(fx);
    return ec;
  }

  // Joins a new dynamic member and returns its id (the join stays parked).
  std::string join_new(join_request req = {}) {
    auto out = join(req);
    REQUIRE(out.parked);
    return out.member_id;
  }

  // A Stable group of `n` dynamic members that joined together (first one leads); each gets
  // assignment "a-<index>".
  std::vector<std::string> stable_group(size_t n, join_request req = {}) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < n; ++i)
      ids.push_back(join_new(req));
    advance(settings.initial_rebalance_delay_ms * 4 + 1);
    for (auto& id : ids)
      REQUIRE(take_join(id));
    REQUIRE(g->phase() == group_phase::completing_rebalance);
    std::vector<member_assignment> as;
    for (size_t i = 0; i < n; ++i)
      as.push_back({ids[i], bytes("a-" + std::to_string(i))});
    for (size_t i = 1; i < n; ++i)
      REQUIRE(sync(ids[i], g->generation()).parked);
    REQUIRE(sync(ids[0], g->generation(), as).parked);
    REQUIRE(g->phase() == group_phase::stable);
    for (auto& id : ids)
      REQUIRE(take_sync(id));
    return ids;
  }
};

} // namespace cafka::test
