#pragma once
// In-memory stand-ins for the node, one group shard and its group actors, for deterministic
// tests of the consumer-group handlers on CAF's test coordinator. Everything they decide and
// record lives in one `group_world` the test shares with them: the test coordinator runs all
// actors on the test's own thread, so plain shared state is safe here (and keeps the fakes free
// of query messages). Untyped actors, cast to the typed handles of actors/actors.hpp.
#include "actors/actors.hpp"

#include <caf/all.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cafka::test {

struct group_world {
  // Node: what coordinator_atom answers (the shard handle is added when node_id is this node).
  coordinator_lookup coord{errc::none, 1, "127.0.0.1", 9092, 7, {}};
  int32_t self_node_id = 1;
  size_t shard_count = 1; // group_shards_atom lists this many shards (extra ones only list)
  std::map<std::string, size_t> topics{{"t", 2}, {"bad", 1}, {"subscribed", 1}}; // partitions

  // Shard.
  bool loading = false;               // group_atom / offset_fetch: COORDINATOR_LOAD_IN_PROGRESS
  int group_lookups = 0;
  int dead_lookups_left = 0;          // hand out `dead_group` this many times (quit meanwhile)
  caf::actor dead_group;
  std::map<std::string, caf::actor> groups;
  std::map<std::string, std::vector<partition_offset>> committed; // by group
  std::vector<std::vector<group_listing>> listings;               // by shard index

  // Groups.
  bool silent = false;                // join requests are never answered (timeout tests)
  bool non_empty = false;             // delete_group answers NON_EMPTY_GROUP
  std::vector<caf::response_promise> held;
  std::vector<join_group_args> joins;
  std::vector<sync_group_args> syncs;
  std::vector<leave_group_args> leaves;
  std::vector<offset_commit_args> commits;
  std::vector<group_member_description> members; // what describe reports
  int next_member = 0;
};

using world_ptr = std::shared_ptr<group_world>;

inline void store_offset(std::vector<partition_offset>& all, const partition_offset& o) {
  for (auto& x : all)
    if (x.topic == o.topic && x.partition == o.partition) {
      x = o;
      return;
    }
  all.push_back(o);
}

inline caf::behavior fake_group(caf::event_based_actor* self, world_ptr w, std::string id) {
  return {
    [=](join_group_atom, const join_group_args& a) -> caf::result<join_group_reply> {
      w->joins.push_back(a);
      if (w->silent) {
        w->held.push_back(self->make_response_promise());
        return caf::delegated<join_group_reply>{};
      }
      join_group_reply r;
      if (a.member_id.empty() && a.require_known_member_id) {
        r.ec = errc::member_id_required;
        r.member_id = "member-" + std::to_string(++w->next_member);
        return r;
      }
      r.member_id = a.member_id.empty() ? "member-" + std::to_string(++w->next_member)
                                        : a.member_id;
      r.generation_id = 1;
      r.protocol_type = a.protocol_type;
      r.protocol_name = a.protocols.empty() ? "" : a.protocols.front().name;
      r.leader = r.member_id;
      r.members.push_back(join_group_member{
        r.member_id, a.group_instance_id,
        a.protocols.empty() ? std::vector<char>{} : a.protocols.front().metadata});
      return r;
    },
    [=](sync_group_atom, const sync_group_args& a) {
      w->syncs.push_back(a);
      sync_group_reply r;
      if (a.generation_id != 1)
        r.ec = errc::illegal_generation;
      for (auto& m : a.assignments)
        if (m.member_id == a.member_id)
          r.assignment = m.assignment;
      return r;
    },
    [=](heartbeat_atom, const heartbeat_args& a) {
      return a.generation_id == 1 ? errc::none : errc::illegal_generation;
    },
    [=](leave_group_atom, const leave_group_args& a) {
      w->leaves.push_back(a);
      leave_group_reply r;
      for (auto& m : a.members) {
        bool known = m.member_id == "m1" || m.group_instance_id == "i1";
        r.members.push_back(member_result{m.member_id, m.group_instance_id,
                                          known ? errc::none : errc::unknown_member_id});
      }
      return r;
    },
    [=](offset_commit_atom, const offset_commit_args& a) {
      w->commits.push_back(a);
      offset_commit_reply r;
      for (auto o : a.offsets) {
        o.ec = o.topic == "bad" ? errc::unknown_topic_or_partition : errc::none;
        if (o.ec == errc::none)
          store_offset(w->committed[id], o);
        r.offsets.push_back(o);
      }
      return r;
    },
    [=](offset_delete_atom, const offset_delete_args& a) {
      offset_commit_reply r;
      for (auto o : a.partitions) {
        o.ec = o.topic == "subscribed" ? errc::group_subscribed_to_topic : errc::none;
        r.offsets.push_back(o);
      }
      return r;
    },
    [=](describe_group_atom) {
      return group_description{errc::none, id, "Stable", "consumer", "range", w->members};
    },
    [=](delete_group_atom) {
      if (w->non_empty)
        return errc::non_empty_group;
      w->groups.erase(id);
      self->quit();
      return errc::none;
    },
  };
}

inline caf::behavior fake_shard(caf::event_based_actor* self, world_ptr w, size_t index) {
  return {
    [=](group_atom, const std::string& id, bool create) {
      ++w->group_lookups;
      group_lookup r;
      if (w->loading) {
        r.ec = errc::coordinator_load_in_progress;
      } else if (w->dead_lookups_left > 0) {
        --w->dead_lookups_left;
        r.group = caf::actor_cast<group_actor>(w->dead_group);
      } else if (auto i = w->groups.find(id); i != w->groups.end()) {
        r.group = caf::actor_cast<group_actor>(i->second);
      } else if (create) {
        // Linked: the groups die with the shard when the test ends.
        auto g = self->spawn<caf::linked>(fake_group, w, id);
        w->groups[id] = g;
        r.group = caf::actor_cast<group_actor>(g);
      } else {
        r.ec = errc::group_id_not_found;
      }
      return r;
    },
    [=](offset_fetch_atom, const offset_fetch_args& a) {
      offset_fetch_reply r;
      if (w->loading) {
        r.ec = errc::coordinator_load_in_progress;
        return r;
      }
      auto& all = w->committed[a.group_id];
      if (a.all_partitions)
        r.offsets = all;
      else
        for (auto& want : a.partitions)
          for (auto& have : all)
            if (have.topic == want.topic && have.partition == want.partition)
              r.offsets.push_back(have);
      return r;
    },
    [=](list_groups_atom) {
      return index < w->listings.size() ? w->listings[index] : std::vector<group_listing>{};
    },
    [=](store_atom, const std::vector<offsets_record>&) { return errc::none; },
  };
}

inline caf::behavior fake_group_node(caf::event_based_actor* self, world_ptr w) {
  std::vector<caf::actor> shards;
  for (size_t i = 0; i < std::max<size_t>(w->shard_count, 1); ++i)
    shards.push_back(self->spawn<caf::linked>(fake_shard, w, i));
  return {
    [=](coordinator_atom, const std::string&) {
      auto r = w->coord;
      if (r.ec == errc::none && r.node_id == w->self_node_id)
        r.shard = caf::actor_cast<group_shard_actor>(shards.front());
      return r;
    },
    [=](route_atom, const std::string& name) {
      topic_route r;
      auto i = w->topics.find(name);
      if (i == w->topics.end())
        r.ec = errc::unknown_topic_or_partition;
      else
        r.replicas.resize(i->second); // handles stay empty: only the count matters here
      return r;
    },
    [=](group_shards_atom) {
      std::vector<group_shard_actor> out;
      for (size_t i = 0; i < w->shard_count; ++i)
        out.push_back(caf::actor_cast<group_shard_actor>(shards[i]));
      return out;
    },
  };
}

} // namespace cafka::test
