#include "actors/offsets_state.hpp"

#include "actors/logging.hpp"
#include "actors/overload.hpp"
#include "storage/record_reader.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace cafka {

namespace {

constexpr const char* component = "groups";

} // namespace

void offsets_state::apply(offsets_entry entry) {
  std::visit(overload{
               [this](stored_group& g) {
                 auto id = g.group_id;
                 groups[id] = std::move(g);
               },
               [this](stored_offset& o) {
                 auto& per_group = offsets[o.group_id];
                 per_group[topic_partition{o.topic, o.partition}] = std::move(o);
               },
               [this](group_tombstone& t) { groups.erase(t.group_id); },
               [this](offset_tombstone& t) {
                 auto i = offsets.find(t.group_id);
                 if (i == offsets.end())
                   return;
                 i->second.erase(topic_partition{t.topic, t.partition});
                 if (i->second.empty())
                   offsets.erase(i);
               },
             },
             entry);
}

int64_t offsets_state::apply_batches(const char* data, size_t size, int64_t next,
                                     size_t& skipped) {
  storage::batch_iterator it{data, size};
  storage::batch_header h;
  const char* batch = nullptr;
  size_t batch_size = 0;
  while (it.next(h, batch, batch_size)) {
    next = h.last_offset() + 1;
    // Control batches (transaction markers) carry no offsets records.
    if (h.is_control())
      continue;
    storage::record_reader reader{batch, batch_size};
    storage::record_view rv;
    while (reader.next(rv)) {
      if (!rv.key) {
        ++skipped;
        continue;
      }
      offsets_entry entry;
      auto ec = decode(rv.key->data(), rv.key->size(), rv.value ? rv.value->data() : nullptr,
                       rv.value ? rv.value->size() : 0, !rv.value, entry);
      if (ec) {
        ++skipped;
        continue;
      }
      apply(std::move(entry));
    }
    if (reader.error()) {
      CAFKA_WARN(component, "undecodable batch at offset " << h.base_offset << ": "
                                                           << reader.error().message());
      ++skipped;
    }
  }
  return next;
}

bool offsets_state::known(const std::string& group_id) const {
  return groups.count(group_id) > 0 || offsets.count(group_id) > 0;
}

bool offsets_state::empty_membership(const std::string& group_id) const {
  auto i = groups.find(group_id);
  return i == groups.end() || i->second.members.empty();
}

std::vector<std::string> offsets_state::group_ids() const {
  std::set<std::string> ids;
  for (auto& [id, g] : groups)
    ids.insert(id);
  for (auto& [id, o] : offsets)
    ids.insert(id);
  return {ids.begin(), ids.end()};
}

std::vector<offsets_record> expired_records(const offsets_state& st, int64_t now_ms,
                                            int64_t retention_ms,
                                            const std::vector<std::string>& live_groups) {
  auto is_live = [&](const std::string& id) {
    return std::find(live_groups.begin(), live_groups.end(), id) != live_groups.end();
  };
  std::vector<offsets_record> out;
  for (auto& id : st.group_ids()) {
    if (!st.empty_membership(id))
      continue;
    int64_t state_ts = -1;
    if (auto g = st.groups.find(id); g != st.groups.end())
      state_ts = g->second.state_timestamp;
    size_t remaining = 0;
    if (auto o = st.offsets.find(id); o != st.offsets.end()) {
      for (auto& [tp, off] : o->second) {
        auto base = std::max(off.commit_timestamp, state_ts);
        if (now_ms - base >= retention_ms)
          out.push_back(encode(offset_tombstone{id, tp.first, tp.second}));
        else
          ++remaining;
      }
    }
    if (remaining == 0 && st.groups.count(id) > 0 && !is_live(id))
      out.push_back(encode(group_tombstone{id}));
  }
  return out;
}

std::string lag_line(const std::string& group_id, const group_offsets& offsets,
                     const std::map<topic_partition, int64_t>& end_offsets) {
  std::ostringstream os;
  os << "group " << group_id << ":";
  const char* sep = " ";
  for (auto& [tp, off] : offsets) {
    os << sep << tp.first << "-" << tp.second << " committed=" << off.offset;
    auto e = end_offsets.find(tp);
    if (e == end_offsets.end() || e->second < 0)
      os << " end=? lag=?";
    else
      os << " end=" << e->second << " lag=" << std::max<int64_t>(0, e->second - off.offset);
    sep = ", ";
  }
  return os.str();
}

} // namespace cafka
