// OffsetCommit and OffsetDelete of the group coordinator: the group state decides whether the
// request may write; the records go through the shard, and each partition's result follows the
// append's outcome.
#include "actors/group_coordinator.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace cafka {

namespace {

offset_commit_reply all_failed(std::vector<partition_offset> offsets, errc ec) {
  offset_commit_reply reply;
  reply.ec = ec;
  for (auto& p : offsets)
    p.ec = ec;
  reply.offsets = std::move(offsets);
  return reply;
}

// Writes `records` for the partitions of `reply` still at errc::none and sets their result.
void store_and_reply(group_self self, std::vector<offsets_record> records,
                     offset_commit_reply reply,
                     caf::typed_response_promise<offset_commit_reply> rp) {
  if (records.empty()) {
    rp.deliver(std::move(reply));
    return;
  }
  store_records(self, std::move(records), [reply, rp](errc ec) mutable {
    auto result = coordinator_store_error(ec);
    for (auto& p : reply.offsets)
      if (p.ec == errc::none)
        p.ec = result;
    rp.deliver(std::move(reply));
  });
}

} // namespace

caf::typed_response_promise<offset_commit_reply> commit_offsets(group_self self,
                                                                offset_commit_args& args) {
  auto rp = self->make_response_promise<offset_commit_reply>();
  auto& group = *self->state.group;
  group_effects fx;
  auto ec = group.validate_commit(args, fx);
  apply_effects(self, fx); // a member commit restarts its session timer, like a heartbeat
  if (ec != errc::none) {
    rp.deliver(all_failed(std::move(args.offsets), ec));
    return rp;
  }
  auto now = group_now_ms();
  offset_commit_reply reply;
  std::vector<offsets_record> records;
  for (auto& p : args.offsets) {
    partition_offset res = p;
    res.ec = errc::none;
    if (p.metadata.size() > max_offset_metadata_bytes) {
      res.ec = errc::offset_metadata_too_large;
    } else {
      records.push_back(encode(stored_offset{group.group_id(), p.topic, p.partition, p.offset,
                                             p.leader_epoch, p.metadata, now}));
    }
    reply.offsets.push_back(std::move(res));
  }
  store_and_reply(self, std::move(records), std::move(reply), rp);
  return rp;
}

caf::typed_response_promise<offset_commit_reply> delete_offsets(group_self self,
                                                                offset_delete_args& args) {
  auto rp = self->make_response_promise<offset_commit_reply>();
  auto& group = *self->state.group;
  auto ec = group.validate_offset_delete();
  if (ec != errc::none) {
    rp.deliver(all_failed(std::move(args.partitions), ec));
    return rp;
  }
  offset_commit_reply reply;
  std::vector<offsets_record> records;
  for (auto& p : args.partitions) {
    partition_offset res = p;
    res.ec = errc::none;
    if (group.subscribed_to(p.topic))
      res.ec = errc::group_subscribed_to_topic;
    else
      records.push_back(encode(offset_tombstone{group.group_id(), p.topic, p.partition}));
    reply.offsets.push_back(std::move(res));
  }
  store_and_reply(self, std::move(records), std::move(reply), rp);
  return rp;
}

} // namespace cafka
