#pragma once
// A stand-in group coordinator for shard and node tests: answers describe with a fixed state and
// everything else with an error, and records what it was spawned with.
#include "actors/group_shard.hpp"

#include <caf/all.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cafka::test {

struct fake_group_spawns {
  std::vector<std::string> group_ids;
  std::vector<std::optional<stored_group>> restored;
};

inline group_actor::behavior_type fake_group_impl(group_actor::pointer self, std::string id) {
  return {
    [](join_group_atom, const join_group_args&) {
      join_group_reply r;
      r.ec = errc::unknown;
      return r;
    },
    [](sync_group_atom, const sync_group_args&) {
      sync_group_reply r;
      r.ec = errc::unknown;
      return r;
    },
    [](heartbeat_atom, const heartbeat_args&) { return errc::unknown; },
    [](leave_group_atom, const leave_group_args&) {
      leave_group_reply r;
      r.ec = errc::unknown;
      return r;
    },
    [](offset_commit_atom, const offset_commit_args&) {
      offset_commit_reply r;
      r.ec = errc::unknown;
      return r;
    },
    [](offset_delete_atom, const offset_delete_args&) {
      offset_commit_reply r;
      r.ec = errc::unknown;
      return r;
    },
    [id](describe_group_atom) {
      group_description d;
      d.group_id = id;
      d.state = "PreparingRebalance";
      d.protocol_type = "consumer";
      return d;
    },
    [self](delete_group_atom) {
      self->quit();
      return errc::none;
    },
  };
}

// A group_factory that spawns fake groups and notes each spawn in `log`.
inline group_factory fake_group_factory(std::shared_ptr<fake_group_spawns> log) {
  return [log](caf::actor_system& sys, std::string id, group_settings, group_shard_actor,
               std::optional<stored_group> restored) -> group_actor {
    log->group_ids.push_back(id);
    log->restored.push_back(std::move(restored));
    return sys.spawn(fake_group_impl, id);
  };
}

} // namespace cafka::test
