#pragma once
// What one __consumer_offsets partition says, as of the records applied so far: the latest group
// metadata per group and the committed offsets per (group, topic, partition). Group shards build
// it only by applying decoded records (replay on start, then each successful append), so a
// restarted shard ends up exactly where the old one was (NOTES §1). No CAF here.
#include "actors/offsets_records.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cafka {

using topic_partition = std::pair<std::string, int32_t>;
using group_offsets = std::map<topic_partition, stored_offset>;

struct offsets_state {
  std::map<std::string, stored_group> groups;    // latest GroupMetadataValue per group
  std::map<std::string, group_offsets> offsets;  // committed offsets per group

  // Applies one decoded record: a value replaces, a tombstone deletes.
  void apply(offsets_entry entry);

  // Decodes and applies every record of a fetch result (whole batches; control batches and
  // records of unknown types are skipped). Returns the offset after the last batch seen, or
  // `next` when `data` held no whole batch; `skipped` counts records that could not be decoded.
  int64_t apply_batches(const char* data, size_t size, int64_t next, size_t& skipped);

  // A group exists when it has stored metadata or committed offsets.
  bool known(const std::string& group_id) const;

  // The stored membership has no members (also true for groups with only offsets).
  bool empty_membership(const std::string& group_id) const;

  // Every group id known, sorted.
  std::vector<std::string> group_ids() const;
};

// The records that expire offsets under Kafka's retention rule for groups without members: an
// offset expires when now - base >= retention_ms, where base is the later of its commit time and
// the group's last state change (so a group that just emptied keeps its offsets for the whole
// retention period). Groups with members are skipped; a group without members whose offsets all
// expire also loses its metadata (a group tombstone; Kafka moves it to Dead). Groups in
// `live_groups` keep their metadata: their coordinator actor owns it.
std::vector<offsets_record> expired_records(const offsets_state& st, int64_t now_ms,
                                            int64_t retention_ms,
                                            const std::vector<std::string>& live_groups);

// One lag report line: "group g: t-0 committed=100 end=150 lag=50, t-1 committed=7 end=? lag=?"
// (end offsets the shard could not learn print as "?").
std::string lag_line(const std::string& group_id, const group_offsets& offsets,
                     const std::map<topic_partition, int64_t>& end_offsets);

} // namespace cafka
