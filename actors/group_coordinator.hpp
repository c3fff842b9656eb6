#pragma once
// The group coordinator actor: one per consumer group, spawned by the group shard that owns the
// group's __consumer_offsets partition. The rules live in group_state (no CAF); this actor parks
// the JoinGroup/SyncGroup response promises, runs the timers (session, join delay, rebalance and
// pending-sync timeouts) with delayed_send, and persists group metadata and offsets through the
// shard (store_atom), answering only once the shard reports the records durable.
#include "actors/actors.hpp"
#include "actors/group_state.hpp"
#include "actors/offsets_records.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace cafka {

// The coordinator's own interface: the public one plus its private timer message
// (timer_kind as int32_t, member id, sequence number). Handles convert to group_actor.
using group_impl_actor =
  group_actor::extend<caf::reacts_to<timeout_atom, int32_t, std::string, uint64_t>>;

// Requests to the shard never wait forever (a stuck append must surface as an error).
constexpr auto group_store_timeout = std::chrono::seconds(30);

// offset.metadata.max.bytes
constexpr size_t max_offset_metadata_bytes = 4096;

struct group_coordinator_state {
  static inline const char* name = "cafka.group";
  group_shard_actor shard;
  std::unique_ptr<group_state> group;
  // Parked requests by member id; group_state says when and what to answer.
  std::map<std::string, caf::typed_response_promise<join_group_reply>> joins;
  std::map<std::string, caf::typed_response_promise<sync_group_reply>> syncs;
};

group_impl_actor::behavior_type
group_coordinator(group_impl_actor::stateful_pointer<group_coordinator_state> self,
                  std::string group_id, group_settings settings, group_shard_actor shard,
                  std::optional<stored_group> restored);

// Spawns the coordinator of one group. `restored` is the group's last GroupMetadataValue from
// __consumer_offsets replay (members restored with their session timers restarted), if any.
group_actor spawn_group(caf::actor_system& sys, std::string group_id, group_settings settings,
                        group_shard_actor shard, std::optional<stored_group> restored);

// "<prefix>-<random UUID>", as Kafka names members (prefix: client id or group instance id).
std::string generate_member_id(const std::string& prefix);

// Wall-clock milliseconds (commit timestamps, GroupMetadataValue's current_state_timestamp).
int64_t group_now_ms();

// OffsetCommit / OffsetDelete (group_offsets.cpp).
using group_self = group_impl_actor::stateful_pointer<group_coordinator_state>;
caf::typed_response_promise<offset_commit_reply> commit_offsets(group_self self,
                                                                offset_commit_args& args);
caf::typed_response_promise<offset_commit_reply> delete_offsets(group_self self,
                                                                offset_delete_args& args);

// Carries out what group_state asked for: answers parked requests, arms timers, stores.
void apply_effects(group_self self, group_effects& fx);

// Appends records through the shard; `done` gets errc::none once they are durable.
void store_records(group_self self, std::vector<offsets_record> records,
                   std::function<void(errc)> done);

} // namespace cafka
