#pragma once
// Inside the controller actor (controller.hpp): what the broker-facing handlers share, and the
// handlers themselves, one file per job -- controller_brokers.cpp (registration, heartbeats,
// session timeouts), controller_topics.cpp (create/delete topics, create partitions),
// controller_partitions.cpp (AlterPartition). Each handler answers through its promise: at once
// with not_controller (and the leader this controller knows) unless this controller is active,
// with a validation error, or once the records it proposed are committed and applied.
#include "actors/controller.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace cafka::controller_ops {

using self_ptr = controller_impl_actor::stateful_pointer<controller_state>;

int64_t now_ms(self_ptr self);
std::string who(const controller_state& st);

// Runs `f` once this controller is active; at once when it is, or when it is not the Raft
// leader (f then sees !st.active and answers not_controller).
void when_active(self_ptr self, std::function<void()> f);

// The leader this controller knows (-1: none), for not_controller replies.
int32_t known_leader(const controller_state& st);

// Proposes `records` as one Raft entry and applies them to st.projected at once. `done` gets the
// outcome once the entry is committed and applied (ec = the first record's apply error), or
// not_controller. Only while active.
void propose_records(self_ptr self, std::vector<cluster::record> records,
                     std::function<void(const propose_reply&)> done);

// -- handlers ---------------------------------------------------------------------------------

void serve_registration(self_ptr self, const broker_registration& req,
                        caf::typed_response_promise<registration_reply> rp);
void serve_heartbeat(self_ptr self, const broker_heartbeat& req,
                     caf::typed_response_promise<heartbeat_reply> rp);
// On becoming active: every registered broker gets a fresh session.
void reset_sessions(self_ptr self);
// Fences every unfenced broker whose session expired (run on every Raft timer while active).
void check_sessions(self_ptr self);

void serve_create_topic(self_ptr self, const create_topic_args& args,
                        caf::typed_response_promise<topic_result> rp);
void serve_delete_topic(self_ptr self, const std::string& name,
                        caf::typed_response_promise<topic_result> rp);
void serve_create_partitions(self_ptr self, const create_partitions_args& args,
                             caf::typed_response_promise<topic_result> rp);

void serve_alter_partition(self_ptr self, const alter_partition_args& args,
                           caf::typed_response_promise<alter_partition_reply> rp);

} // namespace cafka::controller_ops
