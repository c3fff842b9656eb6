// The group shard actor (see group_shard.hpp): replay, appends, offsets and group lookups.
#include "actors/group_shard.hpp"

#include "actors/logging.hpp"
#include "storage/batch_builder.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <memory>
#include <set>

namespace cafka {

namespace {

constexpr const char* component = "groups";
// Every request has a deadline: a stuck replica must surface as an error, not a hung shard.
constexpr auto replica_timeout = std::chrono::seconds(35);
constexpr int32_t produce_timeout_ms = 30000;
constexpr auto describe_timeout = std::chrono::seconds(5);
constexpr auto replay_retry_delay = std::chrono::seconds(1);
constexpr int32_t replay_chunk_bytes = 1 << 20;

void finish_replay(group_shard_self self, size_t skipped) {
  auto& st = self->state;
  st.loading = false;
  if (skipped > 0)
    CAFKA_WARN(component, st.label << ": skipped " << skipped << " undecodable records");
  CAFKA_INFO(component, st.label << ": loaded the metadata of " << st.data.groups.size()
                                 << " groups and the offsets of " << st.data.offsets.size()
                                 << " groups");
  schedule_timer(self, st.cfg.retention_check_interval_ms, caf::atom("retention"));
  schedule_timer(self, st.cfg.lag_log_interval_ms, caf::atom("lag"));
}

void replay_retry(group_shard_self self, const std::string& why) {
  CAFKA_WARN(component, self->state.label << ": load failed (" << why << "), retrying");
  self->delayed_send(self, replay_retry_delay, timeout_atom::value, caf::atom("replay"));
}

// Fetches [replay_next, replay_end) chunk by chunk, applying every record.
void replay_chunk(group_shard_self self, std::shared_ptr<size_t> skipped) {
  auto& st = self->state;
  if (st.replay_next >= st.replay_end) {
    finish_replay(self, *skipped);
    return;
  }
  fetch_args args;
  args.offset = st.replay_next;
  args.max_bytes = replay_chunk_bytes;
  self->request(st.cfg.replica, replica_timeout, fetch_atom::value, args)
    .then(
      [self, skipped](fetch_reply& r) {
        auto& st = self->state;
        if (r.ec == errc::offset_out_of_range && r.log_start_offset > st.replay_next) {
          st.replay_next = r.log_start_offset; // retention moved the start: go on from there
        } else if (r.ec != errc::none) {
          replay_retry(self, std::string{to_string(r.ec)});
          return;
        } else {
          const auto& bytes = r.records.owned(); // contiguous (copies the slices once)
          auto next = st.data.apply_batches(bytes.data(), bytes.size(), st.replay_next, *skipped);
          if (next <= st.replay_next) {
            replay_retry(self, "no progress at offset " + std::to_string(st.replay_next));
            return;
          }
          st.replay_next = next;
        }
        replay_chunk(self, skipped);
      },
      [self](caf::error& err) { replay_retry(self, to_string(err)); });
}

// Starts (or restarts) the load: learn the partition's range, then replay it from the start.
void start_replay(group_shard_self self) {
  auto& st = self->state;
  st.data = offsets_state{};
  self->request(st.cfg.replica, replica_timeout, status_atom::value)
    .then(
      [self](replica_status& s) {
        auto& st = self->state;
        st.replay_next = s.log_start_offset;
        st.replay_end = s.high_watermark;
        replay_chunk(self, std::make_shared<size_t>(0));
      },
      [self](caf::error& err) { replay_retry(self, to_string(err)); });
}

group_lookup lookup_group(group_shard_self self, const std::string& group_id, bool create) {
  auto& st = self->state;
  group_lookup r;
  if (st.loading) {
    r.ec = errc::coordinator_load_in_progress;
    return r;
  }
  if (group_id.empty()) {
    r.ec = errc::invalid_group_id;
    return r;
  }
  if (auto i = st.live->find(group_id); i != st.live->end()) {
    r.group = i->second;
    return r;
  }
  if (!create && !st.data.known(group_id)) {
    r.ec = errc::group_id_not_found;
    return r;
  }
  std::optional<stored_group> restored;
  if (auto g = st.data.groups.find(group_id); g != st.data.groups.end())
    restored = g->second;
  auto shard = caf::actor_cast<group_shard_actor>(self);
  r.group = st.cfg.factory ? st.cfg.factory(self->system(), group_id, st.cfg.settings, shard,
                                            std::move(restored))
                           : spawn_group(self->system(), group_id, st.cfg.settings, shard,
                                         std::move(restored));
  if (!r.group) {
    r.ec = errc::coordinator_not_available;
    return r;
  }
  self->monitor(r.group);
  st.live->emplace(group_id, r.group);
  return r;
}

offset_fetch_reply fetch_offsets(group_shard_self self, const offset_fetch_args& args) {
  auto& st = self->state;
  offset_fetch_reply r;
  if (st.loading) {
    r.ec = errc::coordinator_load_in_progress;
    return r;
  }
  auto found = st.data.offsets.find(args.group_id);
  auto to_reply = [](const stored_offset& o) {
    partition_offset p;
    p.topic = o.topic;
    p.partition = o.partition;
    p.offset = o.offset;
    p.leader_epoch = o.leader_epoch;
    p.metadata = o.metadata;
    return p;
  };
  if (args.all_partitions) {
    if (found != st.data.offsets.end())
      for (auto& [tp, o] : found->second)
        r.offsets.push_back(to_reply(o));
    return r;
  }
  for (auto& want : args.partitions) {
    partition_offset p;
    p.topic = want.topic;
    p.partition = want.partition;
    p.offset = -1; // Kafka's "no committed offset"
    if (found != st.data.offsets.end()) {
      auto i = found->second.find(topic_partition{want.topic, want.partition});
      if (i != found->second.end())
        p = to_reply(i->second);
    }
    r.offsets.push_back(std::move(p));
  }
  return r;
}

// The state a group has when no actor runs for it (Kafka's rule when it loads a group).
group_listing stored_listing(const offsets_state& data, const std::string& id) {
  group_listing l;
  l.group_id = id;
  l.state = "Empty";
  if (auto g = data.groups.find(id); g != data.groups.end()) {
    l.protocol_type = g->second.protocol_type;
    if (!g->second.members.empty())
      l.state = "Stable";
  }
  return l;
}

caf::typed_response_promise<std::vector<group_listing>> list_groups(group_shard_self self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<std::vector<group_listing>>();
  // Groups only known from the log; groups with an actor ask it (its state is the live one).
  std::set<std::string> ids;
  for (auto& id : st.data.group_ids())
    ids.insert(id);
  for (auto& [id, g] : *st.live)
    ids.insert(id);
  auto result = std::make_shared<std::vector<group_listing>>();
  auto pending = std::make_shared<size_t>(1); // one for this function: deliver at the end
  auto done = [rp, result, pending]() mutable {
    if (--*pending == 0)
      rp.deliver(std::move(*result));
  };
  for (auto& id : ids) {
    auto live = st.live->find(id);
    if (live == st.live->end()) {
      result->push_back(stored_listing(st.data, id));
      continue;
    }
    ++*pending;
    self->request(live->second, describe_timeout, describe_group_atom::value)
      .then(
        [result, done, id](group_description& d) mutable {
          if (d.ec == errc::none && d.state != "Dead")
            result->push_back(group_listing{id, d.protocol_type, d.state});
          done();
        },
        [self, result, done, id](caf::error&) mutable {
          result->push_back(stored_listing(self->state.data, id));
          done();
        });
  }
  done();
  return rp;
}

} // namespace

void schedule_timer(group_shard_self self, int64_t ms, caf::atom_value tag) {
  constexpr int64_t day_ms = 24 * 3600 * 1000LL;
  if (ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(std::min(ms, day_ms)), timeout_atom::value,
                       tag);
}

int64_t shard_now_ms(group_shard_self self) {
  auto& st = self->state;
  auto elapsed = self->clock().now() - st.clock_at_start;
  return st.wall_at_start_ms
         + std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

void append_records(group_shard_self self, std::vector<offsets_record> records,
                   std::function<void(errc)> done) {
  auto& st = self->state;
  if (records.empty()) {
    done(errc::none);
    return;
  }
  // Deleting a group deletes its offsets in the same batch (atomic, and replay agrees).
  std::vector<offsets_record> extra;
  for (auto& rec : records) {
    offsets_entry e;
    if (!rec.tombstone || decode(rec.key.data(), rec.key.size(), nullptr, 0, true, e))
      continue;
    if (auto* t = std::get_if<group_tombstone>(&e))
      if (auto o = st.data.offsets.find(t->group_id); o != st.data.offsets.end())
        for (auto& [tp, off] : o->second)
          extra.push_back(encode(offset_tombstone{t->group_id, tp.first, tp.second}));
  }
  records.insert(records.end(), extra.begin(), extra.end());
  storage::batch_builder b;
  auto now = shard_now_ms(self);
  for (auto& rec : records) {
    std::string_view key{rec.key.data(), rec.key.size()};
    std::optional<std::string_view> value;
    if (!rec.tombstone)
      value = std::string_view{rec.value.data(), rec.value.size()};
    b.add(key, value, now);
  }
  // One copy serves both the log (which leaves its input untouched) and the replay below.
  auto batch = std::make_shared<const std::vector<char>>(b.build());
  produce_args args;
  args.batch.append(storage::byte_slice{batch, batch->data(), batch->size()});
  args.acks = -1;
  args.timeout_ms = produce_timeout_ms;
  ++st.appends_in_flight;
  self->request(st.cfg.replica, replica_timeout, produce_atom::value, std::move(args))
    .then(
      [self, batch, done](produce_reply& r) {
        --self->state.appends_in_flight;
        if (r.ec != errc::none) {
          done(r.ec);
          return;
        }
        // Durable: the state follows the records just written (the same code as replay).
        size_t skipped = 0;
        self->state.data.apply_batches(batch->data(), batch->size(), 0, skipped);
        done(errc::none);
      },
      [self, done](caf::error& err) {
        --self->state.appends_in_flight;
        CAFKA_WARN(component, self->state.label << ": append failed: " << to_string(err));
        done(errc::request_timed_out);
      });
}

group_shard_actor spawn_group_shard(caf::local_actor* parent, group_shard_config cfg) {
  auto impl = [](group_shard_self self,
                 group_shard_config cfg) -> group_shard_impl_actor::behavior_type {
    auto& st = self->state;
    st.label = "__consumer_offsets-" + std::to_string(cfg.partition);
    st.cfg = std::move(cfg);
    st.wall_at_start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    st.clock_at_start = self->clock().now();
    self->set_down_handler([self](caf::down_msg& msg) {
      auto& live = *self->state.live;
      for (auto i = live.begin(); i != live.end(); ++i)
        if (caf::actor_cast<caf::actor_addr>(i->second) == msg.source) {
          live.erase(i);
          return;
        }
    });
    // Group actors are not linked (one group's crash must not take the shard down); they end
    // with the shard, for whatever reason it ends.
    self->attach_functor([live = st.live](const caf::error&) {
      for (auto& [id, g] : *live)
        caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
    });
    start_replay(self);
    return {
      [self](group_atom, const std::string& id, bool create) {
        return lookup_group(self, id, create);
      },
      [self](offset_fetch_atom, const offset_fetch_args& args) {
        return fetch_offsets(self, args);
      },
      [self](list_groups_atom) { return list_groups(self); },
      [self](store_atom, std::vector<offsets_record>& records) {
        auto rp = self->make_response_promise<errc>();
        if (self->state.loading)
          rp.deliver(errc::coordinator_load_in_progress);
        else
          append_records(self, std::move(records), [rp](errc ec) mutable { rp.deliver(ec); });
        return rp;
      },
      [self](timeout_atom, caf::atom_value tag) {
        if (tag == caf::atom("replay"))
          start_replay(self);
        else if (tag == caf::atom("retention"))
          run_retention(self);
        else if (tag == caf::atom("lag"))
          run_lag_report(self);
      },
    };
  };
  return parent->spawn(impl, std::move(cfg));
}

} // namespace cafka
