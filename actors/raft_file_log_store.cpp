// raft::file_log_store: the controller's Raft log on storage::log (layout in the header).
#include "actors/raft_file_log_store.hpp"

#include "actors/atomic_file.hpp"
#include "storage/batch_builder.hpp"
#include "storage/log.hpp"
#include "storage/record_reader.hpp"

#include <charconv>
#include <cstdio>
#include <limits>
#include <sstream>

namespace cafka::raft {

namespace fs = std::filesystem;

namespace {

constexpr const char* quorum_state_file = "quorum-state";
constexpr const char* checkpoint_ext = ".checkpoint";

[[noreturn]] void fail(std::error_code ec, const char* what) {
  throw std::system_error(ec, std::string{"raft log store: "} + what);
}

std::string checkpoint_name(index_t last_index, term_t last_term) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%020lld-%010lld%s", static_cast<long long>(last_index),
                static_cast<long long>(last_term), checkpoint_ext);
  return buf;
}

// "<end offset>-<term>.checkpoint" -> (last index, term); false for any other name.
bool parse_checkpoint_name(const std::string& name, index_t& index, term_t& term) {
  auto ext = std::string{checkpoint_ext};
  if (name.size() != 20 + 1 + 10 + ext.size() || name.compare(31, ext.size(), ext) != 0
      || name[20] != '-')
    return false;
  auto a = std::from_chars(name.data(), name.data() + 20, index);
  auto b = std::from_chars(name.data() + 21, name.data() + 31, term);
  return a.ec == std::errc{} && a.ptr == name.data() + 20 && b.ec == std::errc{}
         && b.ptr == name.data() + 31;
}

// Calls f(index, term, kind, value) for each entry stored at offsets [from, end), reading at
// most max_bytes of values (at least one entry) unless max_bytes is SIZE_MAX.
template <class F>
std::error_code walk(const storage::log& l, int64_t from, int64_t end, size_t max_bytes, F f) {
  size_t bytes = 0;
  bool first = true;
  for (int64_t offset = from; offset < end;) {
    auto r = l.read(offset, 1 << 20);
    if (r.ec)
      return r.ec;
    auto data = r.records.flatten();
    storage::batch_iterator it{data.data(), data.size()};
    storage::batch_header h;
    const char* batch;
    size_t size;
    int64_t before = offset;
    while (offset < end && it.next(h, batch, size)) {
      if (h.base_offset != offset || h.last_offset_delta != 0)
        return errc::corrupt_message; // one entry per batch, no gaps
      storage::record_reader rr{batch, size};
      storage::record_view rv;
      if (!rr.next(rv) || !rv.key || rv.key->size() != 1)
        return rr.error() ? rr.error() : std::error_code{errc::corrupt_message};
      auto value = rv.value.value_or(std::string_view{});
      if (!first && bytes + value.size() > max_bytes)
        return {};
      bytes += value.size();
      first = false;
      if (!f(offset + 1, static_cast<term_t>(h.partition_leader_epoch),
             static_cast<entry_kind>((*rv.key)[0]), value))
        return {};
      ++offset;
    }
    if (it.error())
      return it.error();
    if (offset == before)
      return errc::corrupt_message; // nothing readable where entries should be
  }
  return {};
}

} // namespace

file_log_store::file_log_store(fs::path dir, std::unique_ptr<storage::log> log)
  : dir_(std::move(dir)), log_(std::move(log)) {
}

file_log_store::~file_log_store() = default;

std::unique_ptr<file_log_store> file_log_store::open(const fs::path& dir, std::error_code& ec,
                                                     uint64_t segment_bytes) {
  storage::log_config cfg;
  cfg.dir = dir;
  cfg.segment_bytes = segment_bytes;
  cfg.max_message_bytes = static_cast<uint32_t>(std::min<uint64_t>(segment_bytes, INT32_MAX));
  cfg.max_index_bytes = 1 << 20;
  auto l = storage::log::open(cfg, ec);
  if (ec)
    return nullptr;
  std::unique_ptr<file_log_store> s{new file_log_store(dir, std::move(l))};
  if ((ec = s->load()))
    return nullptr;
  return s;
}

std::error_code file_log_store::load() {
  std::error_code ec;
  auto text = read_file(dir_ / quorum_state_file, ec);
  if (ec == std::errc::no_such_file_or_directory) {
    ec.clear();
  } else if (ec) {
    return ec;
  } else {
    std::istringstream in{text};
    int version = -1;
    if (!(in >> version >> hs_.term >> hs_.voted_for) || version != 0)
      return errc::corrupt_message;
  }
  // The newest snapshot (older ones are left only by a crash right after a new one).
  for (auto& e : fs::directory_iterator(dir_, ec)) {
    index_t index = 0;
    term_t term = 0;
    if (parse_checkpoint_name(e.path().filename().string(), index, term)
        && index > snap_.last_index) {
      snap_.last_index = index;
      snap_.last_term = term;
    }
  }
  if (ec)
    return ec;
  if (snap_.last_index > 0) {
    auto data = read_file(dir_ / checkpoint_name(snap_.last_index, snap_.last_term), ec);
    if (ec)
      return ec;
    snap_.data.assign(data.begin(), data.end());
    remove_other_snapshots();
    if ((ec = discard_after_snapshot()))
      return ec;
  }
  if (log_->log_start_offset() != snap_.last_index)
    return errc::corrupt_message; // entries missing between the snapshot and the log
  return walk(*log_, snap_.last_index, log_->log_end_offset(),
              std::numeric_limits<size_t>::max(),
              [this](index_t, term_t term, entry_kind, std::string_view) {
                terms_.push_back(term);
                return true;
              });
}

// Makes the log start right after the snapshot: keeps the entries after it when the log holds
// its last entry with its term, else discards them all (install_snapshot's rule, also what
// repairs a crash in the middle of install_snapshot).
std::error_code file_log_store::discard_after_snapshot() {
  auto offset = snap_.last_index; // where the entry after the snapshot lives
  if (log_->log_end_offset() < offset)
    return log_->reset_to(offset);
  // A log that starts right after the snapshot was checked when it was moved there.
  bool holds = log_->log_start_offset() == offset;
  if (!holds && log_->log_start_offset() <= offset - 1) {
    auto ec = walk(*log_, offset - 1, offset, 0,
                   [&](index_t, term_t term, entry_kind, std::string_view) {
                     holds = term == snap_.last_term;
                     return false;
                   });
    if (ec)
      return ec;
  }
  if (!holds)
    if (auto ec = log_->truncate_to(std::max(offset, log_->log_start_offset())))
      return ec;
  return log_->advance_start_offset(offset, 0, 0);
}

void file_log_store::remove_other_snapshots() const {
  std::error_code ec;
  auto keep = checkpoint_name(snap_.last_index, snap_.last_term);
  std::vector<fs::path> doomed;
  for (auto& e : fs::directory_iterator(dir_, ec)) {
    auto name = e.path().filename().string();
    index_t i;
    term_t t;
    if ((parse_checkpoint_name(name, i, t) && name != keep)
        || (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0))
      doomed.push_back(e.path());
  }
  for (auto& p : doomed)
    fs::remove(p, ec); // best effort: a leftover is ignored and removed at the next open
}

void file_log_store::save_hard_state(const hard_state& hs) {
  if (hs.term == hs_.term && hs.voted_for == hs_.voted_for)
    return;
  auto text = "0\n" + std::to_string(hs.term) + "\n" + std::to_string(hs.voted_for) + "\n";
  if (auto ec = write_file_atomically(dir_ / quorum_state_file, text))
    fail(ec, "writing quorum-state");
  hs_ = hs;
}

std::optional<term_t> file_log_store::term_at(index_t index) const {
  if (index == snap_.last_index)
    return snap_.last_term;
  if (index < first_index() || index > last_index())
    return std::nullopt;
  return terms_[static_cast<size_t>(index - first_index())];
}

std::vector<entry> file_log_store::entries(index_t from, index_t to, size_t max_bytes) const {
  std::vector<entry> out;
  from = std::max(from, first_index());
  to = std::min(to, last_index());
  if (from > to)
    return out;
  auto ec = walk(*log_, from - 1, to, max_bytes,
                 [&](index_t index, term_t term, entry_kind kind, std::string_view value) {
                   out.push_back(entry{term, index, kind, {value.begin(), value.end()}});
                   return true;
                 });
  if (ec)
    fail(ec, "reading entries");
  return out;
}

void file_log_store::append(const std::vector<entry>& entries) {
  for (auto& e : entries) {
    if (e.index != last_index() + 1)
      throw std::logic_error("raft log append leaves a gap");
    if (e.term < 0 || e.term > std::numeric_limits<int32_t>::max())
      throw std::logic_error("raft term does not fit a partition leader epoch");
    storage::batch_builder b;
    char kind = static_cast<char>(e.kind);
    b.add(std::string_view{&kind, 1}, std::string_view{e.data.data(), e.data.size()},
          storage::wall_clock_ms());
    auto batch = b.build();
    auto r = log_->append(batch.data(), batch.size(), static_cast<int32_t>(e.term));
    if (r.ec)
      fail(r.ec, "appending an entry");
    terms_.push_back(e.term);
  }
}

void file_log_store::truncate_suffix(index_t from) {
  if (from <= snap_.last_index)
    throw std::logic_error("raft log truncation below the snapshot");
  if (from > last_index())
    return;
  if (auto ec = log_->truncate_to(from - 1))
    fail(ec, "truncating the log");
  terms_.resize(static_cast<size_t>(from - first_index()));
}

void file_log_store::install_snapshot(snapshot s) {
  auto name = checkpoint_name(s.last_index, s.last_term);
  if (auto ec = write_file_atomically(dir_ / name, std::string{s.data.begin(), s.data.end()}))
    fail(ec, "writing a snapshot");
  auto old_first = first_index();
  bool holds = s.last_index >= old_first && s.last_index <= last_index()
               && terms_[static_cast<size_t>(s.last_index - old_first)] == s.last_term;
  if (holds)
    terms_.erase(terms_.begin(), terms_.begin() + (s.last_index - old_first + 1));
  else
    terms_.clear();
  snap_ = std::move(s);
  if (auto ec = discard_after_snapshot())
    fail(ec, "installing a snapshot");
  remove_other_snapshots();
}

void file_log_store::sync() {
  if (auto ec = log_->flush())
    fail(ec, "syncing the log");
}

std::error_code file_log_store::close() {
  return log_->close();
}

} // namespace cafka::raft
