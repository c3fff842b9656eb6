// The group shard's periodic work: offsets expiry and the consumer-lag report.
#include "actors/group_shard.hpp"

#include "actors/logging.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <set>

namespace cafka {

namespace {

constexpr const char* component = "groups";
constexpr auto lag_request_timeout = std::chrono::seconds(10);

// End offsets of the partitions a lag report needs, filled by concurrent requests.
struct lag_context {
  std::map<topic_partition, int64_t> ends;
  size_t pending = 1; // one for the function that starts the requests
};

void finish_lag_report(group_shard_self self, lag_context& ctx) {
  auto& st = self->state;
  std::map<std::string, std::string> lines;
  for (auto& [id, offsets] : st.data.offsets) {
    auto line = lag_line(id, offsets, ctx.ends);
    auto last = st.last_lag.find(id);
    if (last == st.last_lag.end() || last->second != line)
      CAFKA_INFO(component, line);
    lines.emplace(id, std::move(line));
  }
  st.last_lag = std::move(lines); // groups without offsets drop out
}

} // namespace

void run_retention(group_shard_self self) {
  auto& st = self->state;
  // Tombstones computed now must not land after a commit already on its way to the log (they
  // would delete it): with appends in flight, try again a little later.
  if (st.appends_in_flight > 0) {
    schedule_timer(self, 100, caf::atom("retention"));
    return;
  }
  std::vector<std::string> live;
  for (auto& [id, g] : *st.live)
    live.push_back(id);
  auto records = expired_records(st.data, shard_now_ms(self), st.cfg.retention_ms, live);
  auto count = records.size();
  auto next = [self] { schedule_timer(self, self->state.cfg.retention_check_interval_ms,
                                caf::atom("retention")); };
  if (count == 0) {
    next();
    return;
  }
  // The next round starts only after this one is applied, so rounds never overlap.
  append_records(self, std::move(records), [self, count, next](errc ec) {
    if (ec == errc::none)
      CAFKA_INFO(component, self->state.label << ": expired " << count << " offsets records");
    else
      CAFKA_WARN(component, self->state.label << ": offsets expiry failed: " << to_string(ec));
    next();
  });
}

void run_lag_report(group_shard_self self) {
  auto& st = self->state;
  schedule_timer(self, st.cfg.lag_log_interval_ms, caf::atom("lag"));
  if (!st.cfg.node || st.data.offsets.empty())
    return;
  // Which partitions of which topics the groups committed to.
  std::map<std::string, std::set<int32_t>> wanted;
  for (auto& [id, offsets] : st.data.offsets)
    for (auto& [tp, off] : offsets)
      wanted[tp.first].insert(tp.second);
  auto ctx = std::make_shared<lag_context>();
  auto done = [self, ctx] {
    if (--ctx->pending == 0)
      finish_lag_report(self, *ctx);
  };
  for (auto& [topic, parts] : wanted) {
    ++ctx->pending;
    self->request(st.cfg.node, lag_request_timeout, route_atom::value, topic)
      .then(
        [self, ctx, done, topic = topic, parts = parts](topic_route& route) {
          for (auto p : parts) {
            if (route.ec != errc::none || p < 0
                || static_cast<size_t>(p) >= route.replicas.size() || !route.replicas[p])
              continue; // deleted topic or offline partition: reported as "end=?"
            ++ctx->pending;
            self->request(route.replicas[p], lag_request_timeout, list_offsets_atom::value,
                          int64_t{-1})
              .then(
                [ctx, done, tp = topic_partition{topic, p}](offset_reply& r) {
                  if (r.ec == errc::none)
                    ctx->ends[tp] = r.offset;
                  done();
                },
                [done](caf::error&) { done(); });
          }
          done();
        },
        [done](caf::error&) { done(); });
  }
  done();
}

} // namespace cafka
