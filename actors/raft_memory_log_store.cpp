#include "actors/raft_memory_log_store.hpp"

#include "actors/overload.hpp"

#include <algorithm>
#include <stdexcept>

namespace cafka::raft {

void memory_log_store::state::apply(const write& w) {
  std::visit(overload{
               [this](const hard_state& x) { hs = x; },
               [this](const std::vector<entry>& xs) {
                 for (auto& e : xs) {
                   if (e.index != snap.last_index + static_cast<index_t>(log.size()) + 1)
                     throw std::logic_error("raft log append leaves a gap");
                   log.push_back(e);
                 }
               },
               [this](const truncate_op& t) {
                 if (t.from <= snap.last_index)
                   throw std::logic_error("raft log truncation below the snapshot");
                 auto keep = static_cast<size_t>(t.from - snap.last_index - 1);
                 if (keep < log.size())
                   log.resize(keep);
               },
               [this](const snapshot& s) {
                 auto last = snap.last_index + static_cast<index_t>(log.size());
                 bool holds = s.last_index > snap.last_index && s.last_index <= last
                              && log[static_cast<size_t>(s.last_index - snap.last_index - 1)].term
                                   == s.last_term;
                 if (holds)
                   log.erase(log.begin(), log.begin() + (s.last_index - snap.last_index));
                 else
                   log.clear();
                 snap = s;
               },
             },
             w);
}

void memory_log_store::record(write w) {
  visible_.apply(w);
  pending_.push_back(std::move(w));
}

void memory_log_store::save_hard_state(const hard_state& hs) {
  record(hs);
}

std::optional<term_t> memory_log_store::term_at(index_t index) const {
  if (index == visible_.snap.last_index)
    return visible_.snap.last_term;
  if (index < first_index() || index > last_index())
    return std::nullopt;
  return at(index).term;
}

const entry& memory_log_store::at(index_t index) const {
  return visible_.log[static_cast<size_t>(index - first_index())];
}

std::vector<entry> memory_log_store::entries(index_t from, index_t to, size_t max_bytes) const {
  std::vector<entry> out;
  size_t bytes = 0;
  for (auto i = std::max(from, first_index()); i <= std::min(to, last_index()); ++i) {
    auto& e = at(i);
    if (!out.empty() && bytes + e.data.size() > max_bytes)
      break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

void memory_log_store::append(const std::vector<entry>& entries) {
  if (!entries.empty())
    record(entries);
}

void memory_log_store::truncate_suffix(index_t from) {
  if (from <= last_index())
    record(truncate_op{from});
}

void memory_log_store::install_snapshot(snapshot s) {
  record(std::move(s));
}

void memory_log_store::sync() {
  for (auto& w : pending_)
    durable_.apply(w);
  pending_.clear();
}

void memory_log_store::crash(size_t keep_unsynced) {
  for (size_t i = 0; i < keep_unsynced && i < pending_.size(); ++i)
    durable_.apply(pending_[i]);
  pending_.clear();
  visible_ = durable_;
}

} // namespace cafka::raft
