#pragma once
// In-memory stand-ins for the node and partition replicas, for deterministic handler tests on
// CAF's test coordinator. They speak the typed interfaces of actors/actors.hpp but are untyped
// actors (so they can send themselves timers) cast to the typed handles.
#include "actors/actors.hpp"
#include "storage/record_batch.hpp"

#include <caf/all.hpp>

#include <map>
#include <string>
#include <vector>

namespace cafka::test {

struct fake_replica_state {
  std::vector<std::vector<char>> batches; // with base offsets patched in
  std::vector<int64_t> bases;
  int64_t end = 0;
  int produced = 0;
  bool silent = false;                    // never answer produce (timeout tests)
  std::vector<caf::response_promise> held; // the unanswered produce requests
  std::map<uint64_t, std::pair<fetch_args, caf::response_promise>> waiters;
  uint64_t next_id = 0;
};

inline fetch_reply fake_read(const fake_replica_state& st, const fetch_args& args) {
  fetch_reply r;
  r.high_watermark = st.end;
  r.last_stable_offset = st.end;
  r.log_start_offset = 0;
  if (args.offset > st.end) {
    r.ec = errc::offset_out_of_range;
    return r;
  }
  for (size_t i = 0; i < st.batches.size(); ++i) {
    if (st.bases[i] < args.offset)
      continue;
    if (!r.records.empty() && r.records.size() + st.batches[i].size() > size_t(args.max_bytes))
      break;
    r.records.append(st.batches[i].data(), st.batches[i].size());
  }
  return r;
}

inline caf::behavior fake_replica(caf::stateful_actor<fake_replica_state>* self, bool silent) {
  self->state.silent = silent;
  return {
    [self](produce_atom, produce_args& args) -> caf::result<produce_reply> {
      auto& st = self->state;
      ++st.produced;
      if (st.silent) {
        st.held.push_back(self->make_response_promise()); // never delivered
        return caf::delegated<produce_reply>{};
      }
      auto& bytes = args.batch.owned();
      storage::batch_header h;
      storage::parse_batch_header(bytes.data(), bytes.size(), h);
      storage::patch_batch(bytes.data(), st.end, 0);
      produce_reply reply;
      reply.base_offset = st.end;
      st.bases.push_back(st.end);
      st.batches.push_back(std::move(bytes));
      st.end += h.last_offset_delta + 1;
      // Wake long polls.
      auto waiters = std::move(st.waiters);
      st.waiters.clear();
      for (auto& [id, w] : waiters)
        w.second.deliver(fake_read(st, w.first));
      return reply;
    },
    [self](fetch_atom, fetch_args& args) -> caf::result<fetch_reply> {
      auto& st = self->state;
      if (args.offset != st.end || args.max_wait_ms <= 0)
        return fake_read(st, args);
      auto id = ++st.next_id;
      auto rp = self->make_response_promise();
      st.waiters.emplace(id, std::make_pair(args, rp));
      self->delayed_send(self, std::chrono::milliseconds(args.max_wait_ms), timeout_atom::value,
                         id);
      return caf::delegated<fetch_reply>{};
    },
    [self](timeout_atom, uint64_t id) {
      auto& st = self->state;
      auto i = st.waiters.find(id);
      if (i == st.waiters.end())
        return;
      auto w = std::move(i->second);
      st.waiters.erase(i);
      w.second.deliver(fake_read(st, w.first));
    },
    [self](list_offsets_atom, int64_t ts) -> offset_reply {
      offset_reply r;
      if (ts == -1) {
        r.offset = self->state.end;
      } else if (ts == -2) {
        r.offset = 0;
      }
      return r;
    },
    [self](status_atom) { return replica_status{}; },
    [self](delete_atom) {
      self->quit();
      return errc::none;
    },
  };
}

struct fake_node_state {
  std::map<std::string, std::vector<caf::actor>> topics;
  bool silent_replicas = false;
};

inline caf::behavior fake_node(caf::stateful_actor<fake_node_state>* self) {
  auto spawn_parts = [self](std::vector<caf::actor>& parts, int32_t count) {
    while (int32_t(parts.size()) < count)
      // Linked: they die with the node (a silent replica's held promise keeps it alive else).
      parts.push_back(self->spawn<caf::linked>(fake_replica, self->state.silent_replicas));
  };
  return {
    [self](route_atom, const std::string& name) {
      topic_route route;
      auto i = self->state.topics.find(name);
      if (i == self->state.topics.end()) {
        route.ec = errc::unknown_topic_or_partition;
        return route;
      }
      for (auto& a : i->second)
        route.replicas.push_back(caf::actor_cast<partition_replica_actor>(a));
      return route;
    },
    [self, spawn_parts](create_topic_atom, const create_topic_args& args) {
      topic_result r;
      if (self->state.topics.count(args.name) > 0) {
        r.ec = errc::topic_already_exists;
        r.message = "Topic '" + args.name + "' already exists.";
        return r;
      }
      if (!args.validate_only)
        spawn_parts(self->state.topics[args.name], args.num_partitions < 0 ? 1 : args.num_partitions);
      return r;
    },
    [self](delete_topic_atom, const std::string& name) {
      topic_result r;
      auto i = self->state.topics.find(name);
      if (i == self->state.topics.end()) {
        r.ec = errc::unknown_topic_or_partition;
        return r;
      }
      for (auto& a : i->second)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
      self->state.topics.erase(i);
      return r;
    },
    [self, spawn_parts](create_parts_atom, const create_partitions_args& args) {
      topic_result r;
      auto i = self->state.topics.find(args.name);
      if (i == self->state.topics.end()) {
        r.ec = errc::unknown_topic_or_partition;
      } else if (args.count <= int32_t(i->second.size())) {
        r.ec = errc::invalid_partitions;
        r.message = "Topic already has " + std::to_string(i->second.size()) + " partitions.";
      } else if (!args.validate_only) {
        spawn_parts(i->second, args.count);
      }
      return r;
    },
    // Test control: make replicas created from now on ignore produce requests.
    [self](caf::atom_constant<caf::atom("silent")>) { self->state.silent_replicas = true; },
  };
}

} // namespace cafka::test
