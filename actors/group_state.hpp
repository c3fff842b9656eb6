#pragma once
// The classic consumer-group state machine (Kafka 3.4's GroupCoordinator + GroupMetadata) as
// plain data and transitions, without CAF, so every rule is unit-testable without an actor.
// Operations never block and never talk to anyone: they append what must happen to a
// group_effects — replies to parked JoinGroup/SyncGroup requests (keyed by member id), timers to
// arm, group snapshots to persist — and the actor (group_coordinator.*) carries them out, owning
// the response promises, the clock and the shard. Timers and store replies come back through
// on_timer/on_stored with the sequence number or token they were issued with; stale ones are
// ignored, so nothing ever needs cancelling.
#include "actors/group_messages.hpp"
#include "actors/offsets_records.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cafka {

// Broker settings for every group (Kafka's group.* options).
struct group_settings {
  int32_t initial_rebalance_delay_ms = 3000;   // group.initial.rebalance.delay.ms
  int32_t min_session_timeout_ms = 6000;       // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;    // group.max.session.timeout.ms
  int32_t max_size = 2147483647;               // group.max.size
};

enum class group_phase { empty, preparing_rebalance, completing_rebalance, stable, dead };

// Kafka's state names (DescribeGroups, ListGroups).
const char* to_string(group_phase p);

struct group_member {
  std::string member_id;
  std::string group_instance_id;          // empty: dynamic member
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::vector<group_protocol> protocols;  // in the member's order of preference
  std::vector<char> assignment;
  bool awaiting_join = false;             // a JoinGroup of this member is parked
  bool awaiting_sync = false;             // a SyncGroup of this member is parked
  uint64_t session_seq = 0;               // the live session timer (older ones are stale)

  // The member's metadata for a protocol (nullptr when it does not support it).
  const std::vector<char>* metadata_for(const std::string& protocol) const;
};

enum class timer_kind : int32_t {
  session = 0,         // a member's session timeout
  pending_member = 1,  // a MEMBER_ID_REQUIRED member that has not joined yet
  join = 2,            // the rebalance's (initial) join delay / rebalance timeout
  sync = 3,            // members that must send SyncGroup within the rebalance timeout
};

struct timer_request {
  timer_kind kind = timer_kind::session;
  std::string member_id;                  // session / pending_member only
  uint64_t seq = 0;
  int32_t delay_ms = 0;
};

struct join_delivery {
  std::string member_id;
  join_group_reply reply;
};

struct sync_delivery {
  std::string member_id;
  sync_group_reply reply;
};

// Persist this snapshot (GroupMetadataValue), then report on_stored(token, result).
struct store_request {
  uint64_t token = 0;
  stored_group group;
};

struct group_effects {
  std::vector<join_delivery> joins;
  std::vector<sync_delivery> syncs;
  std::vector<timer_request> timers;
  std::vector<store_request> stores;
};

// Either an answer now, or "parked": the reply comes later as a delivery for member_id.
template <class Reply>
struct request_outcome {
  bool parked = false;
  std::string member_id;
  Reply reply;
};
using join_outcome = request_outcome<join_group_reply>;
using sync_outcome = request_outcome<sync_group_reply>;

// Maps a failed append of group records to what Kafka tells clients (GroupMetadataManager).
errc coordinator_store_error(errc ec);

// A JoinGroup answer carrying only an error (and the member id the client should use, if any).
join_group_reply join_error(errc ec, std::string member_id);

class group_state {
public:
  // Makes a fresh member id from a prefix (client id or group instance id): "<prefix>-<uuid>".
  using id_generator = std::function<std::string(const std::string& prefix)>;

  group_state(std::string group_id, group_settings settings, id_generator make_id);

  // Loads the group's last persisted metadata: Stable with its members (sessions restart), or
  // Empty when it has none.
  void restore(const stored_group& g, group_effects& fx);

  join_outcome join(const join_group_args& args, group_effects& fx);
  sync_outcome sync(const sync_group_args& args, group_effects& fx);
  errc heartbeat(const heartbeat_args& args, group_effects& fx);
  leave_group_reply leave(const leave_group_args& args, group_effects& fx);

  // Whether an OffsetCommit may be written (a member commit also counts as a heartbeat).
  errc validate_commit(const offset_commit_args& args, group_effects& fx);
  // Group-level check of OffsetDelete; then subscribed_to() per topic.
  errc validate_offset_delete() const;
  bool subscribed_to(const std::string& topic) const;

  group_description describe() const;

  // DeleteGroups: Empty → Dead (until the tombstone is durable; abort_delete if it is not).
  errc begin_delete();
  void abort_delete();

  void on_timer(timer_kind kind, const std::string& member_id, uint64_t seq, group_effects& fx);
  void on_stored(uint64_t token, errc ec, group_effects& fx);

  group_phase phase() const { return phase_; }
  int32_t generation() const { return generation_; }
  const std::string& group_id() const { return group_id_; }
  const std::string& leader() const { return leader_; }
  const std::string& protocol_type() const { return protocol_type_; }
  const std::string& protocol() const { return protocol_; }
  const std::vector<group_member>& members() const { return members_; }
  const group_member* find(const std::string& member_id) const;
  bool is_pending(const std::string& member_id) const { return pending_.count(member_id) > 0; }

private:
  // What a store was for, to finish the operation when the shard answers.
  enum class store_kind { assignment, empty_group, static_replace };
  struct store_context {
    store_kind kind = store_kind::empty_group;
    int32_t generation = 0;
    std::map<std::string, std::vector<char>> assignment;  // store_kind::assignment
    std::string old_id, new_id, old_leader;               // store_kind::static_replace
    std::vector<group_protocol> old_protocols;
    int32_t old_rebalance_timeout_ms = 0;
    int32_t old_session_timeout_ms = 0;
  };

  // The delayed operation that completes the join phase (Kafka's InitialDelayedJoin /
  // DelayedJoin). `initial` ones cannot complete early; they may extend themselves.
  struct join_op {
    bool active = false;
    bool initial = false;
    uint64_t seq = 0;
    int32_t configured_ms = 0;
    int32_t delay_ms = 0;
    int32_t remaining_ms = 0;
  };

  group_member* find_mut(const std::string& member_id);
  const group_member* static_member(const std::string& instance_id) const;
  bool fenced(const std::string& instance_id, const std::string& member_id) const;
  bool accept_joining_member(const std::string& member_id) const;
  bool supports_protocols(const std::string& type, const std::vector<group_protocol>& protocols,
                          const group_member* excluding) const;
  int32_t rebalance_timeout_ms() const;
  bool all_joined() const;
  std::string select_protocol() const;

  join_outcome join_new(const join_group_args& a, group_effects& fx);
  join_outcome join_current(const join_group_args& a, group_effects& fx);
  join_outcome add_member_and_rebalance(const std::string& id, const join_group_args& a,
                                        group_effects& fx);
  join_outcome update_member_and_rebalance(group_member& m, const join_group_args& a,
                                           group_effects& fx);
  // Ids by value: callers pass fields of the member being renamed.
  join_outcome update_static_member(std::string old_id, std::string new_id,
                                    const join_group_args& a, group_effects& fx);
  group_member& replace_static_member(std::string old_id, std::string new_id,
                                      group_effects& fx);
  join_group_reply join_reply_for(const group_member& m, bool with_members) const;

  void remove_member(const std::string& member_id, group_effects& fx);
  void remove_member_and_update(const std::string& member_id, group_effects& fx);
  void maybe_prepare_rebalance(group_effects& fx);
  void prepare_rebalance(group_effects& fx);
  void try_complete_join(group_effects& fx);
  void complete_join(group_effects& fx);
  void on_join_timer(uint64_t seq, group_effects& fx);
  void on_sync_timer(uint64_t seq, group_effects& fx);
  void init_next_generation();
  void compute_subscriptions();
  void propagate_assignment(errc ec, group_effects& fx);
  void reset_and_propagate_assignment_error(errc ec, group_effects& fx);
  void arm_session(group_member& m, group_effects& fx);
  void arm_join_timer(int32_t delay_ms, group_effects& fx);

  stored_group snapshot(const std::map<std::string, std::vector<char>>* assignment) const;
  void store(store_context ctx, const stored_group& g, group_effects& fx);
  void on_static_replace_stored(const store_context& ctx, errc ec, group_effects& fx);

  std::string group_id_;
  group_settings settings_;
  id_generator make_id_;
  group_phase phase_ = group_phase::empty;
  int32_t generation_ = 0;
  std::string protocol_type_;
  std::string protocol_;
  std::string leader_;
  std::vector<group_member> members_;              // in join order (the leader falls back to the
                                                   // first one)
  std::map<std::string, uint64_t> pending_;        // MEMBER_ID_REQUIRED ids → their timer seq
  std::set<std::string> pending_sync_;             // members yet to send SyncGroup
  std::optional<std::set<std::string>> subscribed_; // consumer groups: topics; nullopt: unknown
  bool restored_ = false;
  bool new_member_added_ = false;                  // extends the initial join delay
  join_op join_op_;
  uint64_t next_seq_ = 0;                          // timers (all kinds) and store tokens
  uint64_t sync_seq_ = 0;
  int32_t assignment_store_generation_ = -1;       // the leader's assignment being persisted
  std::map<uint64_t, store_context> stores_;
};

} // namespace cafka
