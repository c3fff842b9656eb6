// Fetch (API key 1), v4-11. Full fetches only: we never create fetch sessions, so every response
// carries session_id 0 and all requested partitions; clients (librdkafka sends epoch -1, the Java
// client falls back on session id 0) then keep sending full fetches. forgotten_topics is ignored.
//
// min_bytes / max_wait_ms in rounds, all driven from the bridge actor:
//   round 1: every partition with max_wait 0. Done when bytes >= min_bytes, max_wait_ms <= 0, or
//            any partition failed (Kafka answers errors at once).
//   round 2: every partition again, waiting in the replica for the remaining time; the first
//            reply carrying data (or an error) ends the wait...
//   round 3: ...and the partitions that had not answered round 2 are asked once more with
//            max_wait 0, so the response shows everything that is there now.
// Replies of an ended round are ignored (round counter). Finally the response-level max_bytes
// is applied in request order, whole batches only, the first non-empty partition always whole
// (KIP-74).
// Records stay slices of the segments' mappings all the way (cut by whole batches, never copied);
// the connection splices them into the response with one gather write.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/routes.hpp"
#include "storage/record_batch.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <chrono>

namespace cafka::net {

namespace {

using request_t = fetch_handler::request_type;
using response_t = protocol::fetch_response;
using topic_response_t = decltype(response_t::responses)::value_type;
using partition_response_t = decltype(topic_response_t::partitions)::value_type;
using clock = std::chrono::steady_clock;

// One requested partition: where its answer goes and how to ask for it.
struct slot {
  size_t topic = 0;             // index into response.responses
  size_t part = 0;              // index into responses[topic].partitions
  partition_replica_actor replica;
  fetch_args args;
  bool answered = false;        // answered in the current round
};

struct fetch_state {
  context_ptr ctx;
  response_t resp;
  std::vector<slot> slots;      // only partitions with a replica; the rest failed up front
  int32_t min_bytes = 1;
  int32_t max_bytes = 0;
  clock::time_point deadline;
  int round = 0;
  bool failed = false;          // some partition has an error: answer without waiting

  partition_response_t& out(const slot& s) { return resp.responses[s.topic].partitions[s.part]; }

  int64_t total_bytes() {
    int64_t n = 0;
    for (auto& s : slots)
      if (auto& r = out(s).records)
        n += static_cast<int64_t>(r->size());
    return n;
  }
};
using state_ptr = std::shared_ptr<fetch_state>;

// Kafka's answer for a failed partition: -1 offsets, empty (not null) records.
void set_error(partition_response_t& p, errc ec) {
  p.error_code = to_kafka_error(ec);
  p.high_watermark = -1;
  p.last_stable_offset = -1;
  p.log_start_offset = -1;
  p.records = protocol::record_bytes{};
}

// Stores one replica reply; returns whether it carries data or an error (ends a wait).
bool store(fetch_state& st, const slot& s, fetch_reply& r) {
  auto& p = st.out(s);
  if (r.ec != errc::none) {
    forget_route(st.ctx, st.resp.responses[s.topic].topic, r.ec);
    set_error(p, r.ec);
    st.failed = true;
    return true;
  }
  p.error_code = kafka_error::none;
  p.high_watermark = r.high_watermark;
  p.last_stable_offset = r.last_stable_offset;
  p.log_start_offset = r.log_start_offset;
  bool has_data = !r.records.empty();
  p.records = std::move(r.records);
  return has_data;
}

// Length of the longest prefix of whole batches within budget (reads only batch headers).
size_t whole_batches(const protocol::record_bytes& records, size_t budget) {
  size_t used = 0;
  char head[storage::batch_header_size];
  while (used < records.size()) {
    storage::batch_header h;
    if (!records.copy_out(used, sizeof(head), head)
        || storage::parse_batch_header(head, sizeof(head), h))
      break;
    if (used + h.total_size() > budget || used + h.total_size() > records.size())
      break;
    used += h.total_size();
  }
  return used;
}

// Response-level max_bytes, in request order (KIP-74: the first non-empty partition is whole).
void apply_max_bytes(fetch_state& st) {
  size_t budget = st.max_bytes > 0 ? static_cast<size_t>(st.max_bytes) : 0;
  bool first = true;
  for (auto& topic : st.resp.responses) {
    for (auto& p : topic.partitions) {
      if (!p.records || p.records->empty())
        continue;
      auto& records = *p.records;
      size_t keep = first ? records.size() : whole_batches(records, budget);
      first = false;
      records.truncate(keep);
      budget -= std::min(budget, keep);
    }
  }
}

void finish(const state_ptr& st) {
  st->round = -1; // late replies of any round are ignored from now on
  apply_max_bytes(*st);
  st->ctx->respond(st->resp);
}

// Asks every slot accepted by `want` with max_wait `wait`; `on_reply` runs per reply of this
// round (returns true to end the round early), `on_done` once all replies of the round arrived.
template <class Want, class OnReply, class OnDone>
void ask(const state_ptr& st, int32_t wait_ms, Want want, OnReply on_reply, OnDone on_done) {
  const int round = ++st->round;
  auto gather = std::make_shared<fan_in>([st, round, on_done] {
    if (st->round == round)
      on_done(st);
  });
  const auto timeout = with_margin(wait_ms);
  for (size_t i = 0; i < st->slots.size(); ++i) {
    auto& s = st->slots[i];
    if (!want(s))
      continue;
    s.answered = false;
    auto args = s.args;
    args.max_wait_ms = wait_ms;
    gather->expect();
    st->ctx->self->request(s.replica, timeout, fetch_atom::value, args)
      .then(
        [st, gather, round, i, on_reply](fetch_reply& r) {
          if (st->round != round)
            return; // a later round or the response took over
          auto& s = st->slots[i];
          s.answered = true;
          if (on_reply(st, store(*st, s, r)))
            return;
          gather->arrive();
        },
        [st, gather, round, i, on_reply](caf::error& err) {
          if (st->round != round)
            return;
          auto& s = st->slots[i];
          s.answered = true;
          auto ec = from_caf_error(err);
          forget_route(st->ctx, st->resp.responses[s.topic].topic, ec);
          set_error(st->out(s), ec);
          st->failed = true;
          if (on_reply(st, true))
            return;
          gather->arrive();
        });
  }
  gather->seal();
}

auto everyone = [](const slot&) { return true; };
auto never_early = [](const state_ptr&, bool) { return false; };

// Round 3: everything round 2 did not hear from, without waiting.
void collect_rest(const state_ptr& st) {
  ask(st, 0, [](const slot& s) { return !s.answered; }, never_early, finish);
}

// Round 2: wait in the replicas for data until the deadline.
void wait_for_data(const state_ptr& st) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(st->deadline - clock::now());
  if (left.count() <= 0)
    return finish(st);
  ask(st, static_cast<int32_t>(left.count()), everyone,
      [](const state_ptr& state, bool has_data) {
        if (!has_data)
          return false;
        collect_rest(state); // bumps the round: the other waits' replies are ignored
        return true;
      },
      finish);
}

// Round 1: what is there now.
void first_look(const state_ptr& st, int32_t max_wait_ms) {
  ask(st, 0, everyone, never_early, [max_wait_ms](const state_ptr& state) {
    if (max_wait_ms <= 0 || state->failed || state->total_bytes() >= state->min_bytes)
      return finish(state);
    wait_for_data(state);
  });
}

// The response skeleton in request order; partitions without a replica fail here.
void start(const context_ptr& ctx, const request_t& req, const route_map& routes) {
  auto st = std::make_shared<fetch_state>();
  st->ctx = ctx;
  st->min_bytes = req.min_bytes;
  st->max_bytes = req.max_bytes;
  st->deadline = clock::now() + std::chrono::milliseconds(std::max(req.max_wait_ms, 0));
  st->resp.throttle_time_ms = 0;
  st->resp.error_code = kafka_error::none;
  st->resp.session_id = 0;
  // Partition reads never need more than the whole response may carry.
  const int32_t response_cap = std::max(req.max_bytes, 0);
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& topic = req.topics[ti];
    topic_response_t t;
    t.topic = topic.topic;
    for (size_t pi = 0; pi < topic.partitions.size(); ++pi) {
      const auto& part = topic.partitions[pi];
      partition_response_t p;
      p.partition_index = part.partition;
      p.preferred_read_replica = -1;
      p.records.emplace(); // Kafka sends empty records, not null, when there is nothing
      // No transactions yet: always an empty (non-null) list, which every client accepts at
      // both isolation levels (read_committed ones require it to be non-null).
      p.aborted_transactions.emplace();
      errc ec = errc::none;
      const auto* replica = find_replica(routes, topic.topic, part.partition, ec);
      if (replica == nullptr) {
        forget_route(ctx, topic.topic, ec);
        set_error(p, ec);
        st->failed = true;
      } else {
        p.error_code = kafka_error::none;
        slot s;
        s.topic = ti;
        s.part = pi;
        s.replica = *replica;
        s.args.offset = part.fetch_offset;
        s.args.max_bytes = std::min(part.partition_max_bytes, response_cap);
        s.args.current_leader_epoch = part.current_leader_epoch;
        st->slots.push_back(std::move(s));
      }
      t.partitions.push_back(std::move(p));
    }
    st->resp.responses.push_back(std::move(t));
  }
  first_look(st, req.max_wait_ms);
}

} // namespace

void fetch_handler::handle(const context_ptr& ctx, request_type&& req) {
  route_wants wants;
  for (const auto& topic : req.topics)
    for (const auto& part : topic.partitions)
      want(wants, topic.topic, part.partition);
  auto shared_req = std::make_shared<request_type>(std::move(req));
  lookup_routes(ctx, wants, [ctx, shared_req](route_map_ptr routes) {
    start(ctx, *shared_req, *routes);
  });
}

} // namespace cafka::net
