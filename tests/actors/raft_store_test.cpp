// The raft::log_store contract, run over both implementations (memory_log_store and
// file_log_store), plus what only files do: restart from them, and a raft_node that restarts
// on a file store with its term, vote and log.
#include "actors/raft_file_log_store.hpp"
#include "actors/raft_memory_log_store.hpp"
#include "actors/raft_node.hpp"
#include "storage/fault_injection.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <filesystem>

using namespace cafka::raft;

namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cafka-raft-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

entry make(index_t index, term_t term, size_t size = 3) {
  entry e{term, index, entry_kind::command, std::vector<char>(size, static_cast<char>('a' + index % 26))};
  if (index % 5 == 0)
    e.kind = entry_kind::no_op;
  return e;
}

std::vector<entry> run(index_t from, index_t to, term_t term) {
  std::vector<entry> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(make(i, term));
  return out;
}

bool same(const entry& a, const entry& b) {
  return a.index == b.index && a.term == b.term && a.kind == b.kind && a.data == b.data;
}

// Both stores behind one interface; `reopen` is a restart after sync (files only).
struct store_under_test {
  temp_dir tmp;
  std::unique_ptr<log_store> store;
  bool on_files;
  explicit store_under_test(bool files) : on_files(files) {
    reopen();
  }
  void reopen() {
    if (!on_files) {
      if (!store)
        store = std::make_unique<memory_log_store>();
      return;
    }
    store.reset();
    std::error_code ec;
    store = file_log_store::open(tmp.path / "__cluster_metadata-0", ec, 4096);
    REQUIRE_FALSE(ec);
  }
};

void check_log(const log_store& s, const std::vector<entry>& want) {
  REQUIRE(s.last_index() == (want.empty() ? s.latest_snapshot().last_index : want.back().index));
  auto got = s.entries(s.first_index(), s.last_index(), SIZE_MAX);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(same(got[i], want[i]));
    CHECK(s.term_at(want[i].index) == want[i].term);
  }
}

} // namespace

TEST_CASE("raft log stores: append, read, truncate, snapshot", "[raft][store]") {
  bool files = GENERATE(false, true);
  INFO((files ? "file_log_store" : "memory_log_store"));
  store_under_test t{files};
  auto& s = *t.store;

  // Empty store.
  CHECK(s.first_index() == 1);
  CHECK(s.last_index() == 0);
  CHECK(s.term_at(0) == 0);
  CHECK_FALSE(s.term_at(1));
  CHECK(s.entries(1, 10, 100).empty());
  CHECK(s.load_hard_state().term == 0);
  CHECK(s.load_hard_state().voted_for == no_node);

  // Hard state.
  s.save_hard_state({4, 2});
  CHECK(s.load_hard_state().term == 4);
  CHECK(s.load_hard_state().voted_for == 2);

  // Append across segments (4 KiB segments on files), read with limits.
  auto want = run(1, 40, 1);
  auto more = run(41, 60, 2);
  s.append(want);
  s.append(more);
  want.insert(want.end(), more.begin(), more.end());
  s.sync();
  check_log(s, want);
  CHECK(s.entries(10, 12, SIZE_MAX).size() == 3);
  CHECK(s.entries(10, 20, 7).size() == 2);  // 3 bytes each: two fit in 7
  CHECK(s.entries(10, 20, 0).size() == 1);  // at least one
  CHECK(s.entries(59, 100, SIZE_MAX).size() == 2); // clamped
  CHECK(s.term_at(40) == 1);
  CHECK(s.term_at(41) == 2);
  CHECK_FALSE(s.term_at(61));
  CHECK_THROWS_AS(s.append({make(70, 2)}), std::logic_error);

  // Truncate a suffix and continue with another term.
  s.truncate_suffix(45);
  want.resize(44);
  auto term3 = run(45, 50, 3);
  s.append(term3);
  want.insert(want.end(), term3.begin(), term3.end());
  s.truncate_suffix(80); // beyond the end: nothing
  s.sync();
  check_log(s, want);
  t.reopen();
  check_log(*t.store, want);
  CHECK(t.store->load_hard_state().term == 4);

  // A snapshot of a prefix we hold keeps the entries after it.
  auto& s2 = *t.store;
  s2.install_snapshot({30, 1, {'s', '1'}});
  want.erase(want.begin(), want.begin() + 30);
  CHECK(s2.first_index() == 31);
  CHECK(s2.term_at(30) == 1);
  CHECK_FALSE(s2.term_at(29));
  CHECK(s2.latest_snapshot().data == std::vector<char>{'s', '1'});
  s2.sync();
  check_log(s2, want);
  CHECK(s2.entries(1, 35, SIZE_MAX).front().index == 31);
  t.reopen();
  check_log(*t.store, want);
  CHECK(t.store->latest_snapshot().last_index == 30);
  CHECK(t.store->latest_snapshot().data == std::vector<char>{'s', '1'});

  // A snapshot whose last entry we hold with another term discards the whole log.
  auto& s3 = *t.store;
  s3.install_snapshot({46, 4, {'s', '2'}});
  CHECK(s3.first_index() == 47);
  CHECK(s3.last_index() == 46);
  check_log(s3, {});
  // A snapshot beyond our log end too.
  s3.install_snapshot({200, 5, {'s', '3'}});
  CHECK(s3.last_index() == 200);
  CHECK(s3.term_at(200) == 5);
  auto after = run(201, 205, 5);
  s3.append(after);
  s3.sync();
  check_log(s3, after);
  t.reopen();
  check_log(*t.store, after);
  CHECK(t.store->latest_snapshot().last_index == 200);
  CHECK(t.store->latest_snapshot().data == std::vector<char>{'s', '3'});
}

TEST_CASE("file_log_store: files after restarts", "[raft][store]") {
  temp_dir tmp;
  auto dir = tmp.path / "__cluster_metadata-0";
  std::error_code ec;
  {
    auto s = file_log_store::open(dir, ec, 4096);
    REQUIRE_FALSE(ec);
    s->append(run(1, 30, 1));
    s->install_snapshot({20, 1, {'x'}});
    s->install_snapshot({25, 1, {'y'}});
    s->save_hard_state({7, 3});
    s->sync();
  } // no close: like a kill after sync
  int checkpoints = 0;
  for (auto& e : std::filesystem::directory_iterator(dir))
    checkpoints += e.path().extension() == ".checkpoint";
  CHECK(checkpoints == 1); // the older snapshot is gone
  CHECK(std::filesystem::exists(dir / "00000000000000000025-0000000001.checkpoint"));
  auto s = file_log_store::open(dir, ec, 4096);
  REQUIRE_FALSE(ec);
  CHECK(s->load_hard_state().term == 7);
  CHECK(s->load_hard_state().voted_for == 3);
  CHECK(s->first_index() == 26);
  CHECK(s->last_index() == 30);
  // A crash between writing a snapshot and moving the log start: a newer checkpoint file next
  // to a log that does not hold its last entry with its term. Opening applies the snapshot.
  std::ofstream{dir / "00000000000000000028-0000000009.checkpoint"} << "z";
  s.reset();
  s = file_log_store::open(dir, ec, 4096);
  REQUIRE_FALSE(ec);
  CHECK(s->latest_snapshot().last_index == 28);
  CHECK(s->latest_snapshot().data == std::vector<char>{'z'});
  CHECK(s->last_index() == 28); // entries 29, 30 followed a different entry 28: gone
  CHECK(s->term_at(28) == 9);
}

TEST_CASE("a raft_node restarted on its files keeps its term, vote and log", "[raft][store]") {
  temp_dir tmp;
  auto dir = tmp.path / "m";
  std::error_code ec;
  config c;
  c.id = 1;
  c.voters = {1};
  c.election_timeout_min_ms = 100;
  c.election_timeout_max_ms = 200;
  auto rnd = [] { return uint64_t{7}; };
  term_t term = 0;
  {
    auto s = file_log_store::open(dir, ec);
    REQUIRE_FALSE(ec);
    node n{c, *s, rnd, 0};
    auto r = n.tick(1000); // single voter: elected at once
    if (r.sync)
      s->sync();
    REQUIRE(n.is_leader());
    auto p = n.propose(1001, {'h', 'i'});
    REQUIRE(p.index > 0);
    if (p.out.sync)
      s->sync();
    REQUIRE(n.commit_index() == p.index);
    term = n.term();
  }
  auto s = file_log_store::open(dir, ec);
  REQUIRE_FALSE(ec);
  CHECK(s->load_hard_state().term == term);
  CHECK(s->load_hard_state().voted_for == 1);
  auto es = s->entries(1, 10, SIZE_MAX);
  REQUIRE(es.size() == 2); // the leader's no-op, then the command
  CHECK(es[0].kind == entry_kind::no_op);
  CHECK(es[1].data == std::vector<char>{'h', 'i'});
  node n{c, *s, rnd, 0};
  auto r = n.tick(1000);
  if (r.sync)
    s->sync();
  CHECK(n.is_leader());
  CHECK(n.term() == term + 1);
}

TEST_CASE("file_log_store: a crash at any file mutation leaves a consistent store", "[raft][store]") {
  namespace fi = cafka::storage::fault_injection;
  struct disarm_on_exit {
    ~disarm_on_exit() { fi::disarm(); }
  } guard;
  int points = 0;
  for (int64_t n = 0; n < 500; ++n) {
    temp_dir tmp;
    auto dir = tmp.path / "m";
    std::error_code ec;
    bool completed = false;
    {
      auto s = file_log_store::open(dir, ec, 4096);
      REQUIRE_FALSE(ec);
      s->append(run(1, 40, 1));
      s->sync();
      fi::arm(n, true);
      try { // a follower's step: drop a conflicting suffix, take the leader's, then a snapshot
        s->truncate_suffix(20);
        s->append(run(20, 25, 2));
        s->sync();
        s->install_snapshot({22, 2, {'s'}});
        completed = !fi::tripped();
      } catch (const std::system_error&) {
        REQUIRE(fi::tripped());
      }
    } // abandoned, like a kill -9
    fi::disarm();
    INFO("crash point " << n);
    auto s = file_log_store::open(dir, ec, 4096);
    REQUIRE_FALSE(ec);
    auto snap = s->latest_snapshot().last_index;
    CHECK((snap == 0 || snap == 22));
    if (completed) {
      CHECK(snap == 22);
      CHECK(s->last_index() == 25);
    }
    // Every entry is one that was written at its index: term 1 below 20, then term 1 (not yet
    // truncated) or 2 (the new suffix), never 1 after 2.
    term_t prev = 0;
    for (auto& e : s->entries(s->first_index(), s->last_index(), SIZE_MAX)) {
      CHECK((e.term == 1 || (e.term == 2 && e.index >= 20)));
      CHECK(e.term >= prev);
      prev = e.term;
      CHECK(same(e, make(e.index, e.term)));
      CHECK(s->term_at(e.index) == e.term);
    }
    CHECK(s->last_index() >= 19);
    s->append({make(s->last_index() + 1, 3)}); // the store goes on
    s->sync();
    if (completed)
      break;
    ++points;
  }
  CHECK(points >= 8);
}
