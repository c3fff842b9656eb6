// The log actor's replication messages on CAF's test scheduler: replicate_atom (follower
// append of the leader's batches), epoch_end_atom (the leader epoch cache) and truncate_atom.
// Two log actors stand for a leader's and a follower's log.
#include "actors/log_actor.hpp"
#include "fixture.hpp"

#include "storage/record_batch.hpp"

using namespace cafka;
using namespace cafka::test;

namespace {

struct replication_fixture : fixture {
  log_actor leader;
  log_actor follower;

  log_actor spawn_log(const std::string& name, storage::log_config lcfg = {}) {
    lcfg.dir = dir.path / name;
    std::error_code ec;
    auto lg = open_partition_log(lcfg, name, ec);
    REQUIRE(lg);
    return sys.spawn(log_actor_impl, std::move(lg), name);
  }

  replication_fixture() {
    leader = spawn_log("leader-0");
    follower = spawn_log("follower-0");
  }

  ~replication_fixture() {
    for (auto* a : {&leader, &follower})
      if (*a)
        caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  append_reply append(const log_actor& to, std::vector<std::string> values, int32_t epoch) {
    auto r = call<append_reply>(to, append_atom::value, storage::record_bytes(make_batch(values)), epoch);
    REQUIRE(r.ec == errc::none);
    return r;
  }

  // What a leader would serve a follower fetching at `offset` (slices of its mapping).
  storage::record_bytes leader_records(int64_t offset) {
    auto r = call<read_reply>(leader, read_atom::value, offset, int32_t{1 << 20});
    REQUIRE(r.ec == errc::none);
    return r.records;
  }

  append_reply replicate(storage::record_bytes records) {
    return call<append_reply>(follower, replicate_atom::value, std::move(records));
  }

  epoch_end_reply epoch_end(const log_actor& of, int32_t epoch) {
    return call<epoch_end_reply>(of, epoch_end_atom::value, epoch);
  }

  offset_reply truncate(int64_t offset) {
    return call<offset_reply>(follower, truncate_atom::value, offset);
  }

  std::vector<decoded_record> contents(const log_actor& of) {
    auto r = call<read_reply>(of, read_atom::value, int64_t{0}, int32_t{1 << 20});
    REQUIRE(r.ec == errc::none);
    return decode(r.records);
  }

  std::vector<int32_t> batch_epochs(const log_actor& of) {
    auto r = call<read_reply>(of, read_atom::value, int64_t{0}, int32_t{1 << 20});
    auto bytes = r.records.flatten();
    storage::batch_iterator it{bytes.data(), bytes.size()};
    storage::batch_header h;
    const char* p;
    size_t n;
    std::vector<int32_t> out;
    while (it.next(h, p, n))
      out.push_back(h.partition_leader_epoch);
    return out;
  }
};

bool same(const epoch_end_reply& r, int32_t epoch, int64_t end) {
  return r.ec == errc::none && r.epoch == epoch && r.end_offset == end;
}

} // namespace

TEST_CASE_METHOD(replication_fixture, "epoch_end answers from the leader epoch cache",
                 "[log_actor][replication]") {
  CHECK(same(epoch_end(leader, 0), -1, -1));  // empty log
  CHECK(same(epoch_end(leader, -1), -1, 0));  // latest: none yet, log end 0
  append(leader, {"a", "b"}, 1);              // 0..1
  append(leader, {"c"}, 1);                   // 2
  append(leader, {"d", "e"}, 4);              // 3..4
  CHECK(same(epoch_end(leader, 0), -1, -1));  // below the first epoch
  CHECK(same(epoch_end(leader, 1), 1, 3));
  CHECK(same(epoch_end(leader, 3), 1, 3));
  CHECK(same(epoch_end(leader, 4), 4, 5));
  CHECK(same(epoch_end(leader, 9), 4, 5));
  CHECK(same(epoch_end(leader, -1), 4, 5));
}

TEST_CASE_METHOD(replication_fixture, "replicate appends the leader's batches as they are",
                 "[log_actor][replication]") {
  append(leader, {"a", "b"}, 1);
  append(leader, {"c"}, 2);
  auto r = replicate(leader_records(0)); // slices of the leader's segment
  REQUIRE(r.ec == errc::none);
  CHECK(r.base_offset == 0);
  CHECK(r.last_offset == 2);
  CHECK(r.log_start_offset == 0);
  append(leader, {"d"}, 2);
  r = replicate(leader_records(3).flatten()); // owned bytes, as over the network
  REQUIRE(r.ec == errc::none);
  CHECK(r.base_offset == 3);
  CHECK(call<read_reply>(follower, read_atom::value, int64_t{0}, int32_t{1 << 20}).records
          .flatten()
        == call<read_reply>(leader, read_atom::value, int64_t{0}, int32_t{1 << 20}).records
             .flatten());
  CHECK(batch_epochs(follower) == std::vector<int32_t>{1, 2, 2});
  CHECK(same(epoch_end(follower, -1), 2, 4));
  CHECK(same(epoch_end(follower, 1), 1, 2));
  // Nothing to append: a no-op; last_offset + 1 is still the log end.
  r = replicate(storage::record_bytes{});
  CHECK(r.ec == errc::none);
  CHECK(r.base_offset == 4);
  CHECK(r.last_offset == 3);
  // An overlap is refused and changes nothing.
  r = replicate(leader_records(3));
  CHECK(r.ec == errc::offset_out_of_range);
  // So is a damaged batch.
  append(leader, {"e"}, 2);
  auto bad = leader_records(4).flatten();
  bad.back() ^= 1;
  CHECK(replicate(bad).ec == errc::corrupt_message);
  CHECK(call<offset_reply>(follower, offset_for_ts_atom::value, int64_t{-1}).offset == 4);
}

TEST_CASE_METHOD(replication_fixture, "truncate cuts a diverged tail and the follower catches up",
                 "[log_actor][replication]") {
  // Shared history at epoch 1, then the follower (a deposed leader) wrote at epoch 2 what
  // nobody else has; the new leader writes at epoch 3.
  append(leader, {"a", "b"}, 1);
  REQUIRE(replicate(leader_records(0)).ec == errc::none);
  append(follower, {"x"}, 2);
  append(follower, {"y", "z"}, 2);
  append(leader, {"c"}, 3);
  append(leader, {"d"}, 3);
  // The follower's divergence check, as the replica does it.
  auto latest = epoch_end(follower, -1);
  CHECK(same(latest, 2, 5));
  auto at_leader = epoch_end(leader, latest.epoch);
  CHECK(same(at_leader, 1, 2)); // epoch 2 is unknown there: epoch 1 ended at 2
  auto t = truncate(at_leader.end_offset);
  CHECK(t.ec == errc::none);
  CHECK(t.offset == 2);
  CHECK(same(epoch_end(follower, -1), 1, 2));
  REQUIRE(replicate(leader_records(2)).ec == errc::none);
  auto got = contents(follower);
  REQUIRE(got.size() == 4);
  CHECK(got[2].value == "c");
  CHECK(got[3].value == "d");
  CHECK(batch_epochs(follower) == std::vector<int32_t>{1, 3, 3});
  CHECK(same(epoch_end(follower, 2), 1, 2));
  CHECK(same(epoch_end(follower, -1), 3, 4));
}

TEST_CASE_METHOD(replication_fixture, "truncate clamps to the log start and ignores the end",
                 "[log_actor][replication]") {
  append(follower, {"a", "b"}, 1); // 0..1
  append(follower, {"c", "d"}, 1); // 2..3
  append(follower, {"e"}, 2);      // 4
  // Past the end: nothing to do, the reply is the log end.
  auto t = truncate(9);
  CHECK(t.ec == errc::none);
  CHECK(t.offset == 5);
  // Inside a batch: the whole batch goes (the follower fetches it again).
  t = truncate(3);
  CHECK(t.ec == errc::none);
  CHECK(t.offset == 2);
  CHECK(same(epoch_end(follower, -1), 1, 2));
  // Below the log start: clamped to it.
  append(follower, {"f", "g"}, 3); // 2..3
  append(follower, {"h"}, 3);      // 4
  auto d = call<offset_reply>(follower, delete_records_atom::value, int64_t{2});
  REQUIRE(d.ec == errc::none);
  t = truncate(0);
  CHECK(t.ec == errc::none);
  CHECK(t.offset == 2);
  CHECK(call<offset_reply>(follower, offset_for_ts_atom::value, int64_t{-2}).offset == 2);
  CHECK(call<offset_reply>(follower, offset_for_ts_atom::value, int64_t{-1}).offset == 2);
  CHECK(same(epoch_end(follower, -1), -1, 2)); // epoch 1's range went with the start
}

TEST_CASE_METHOD(replication_fixture, "the replication messages after delete answer like the rest",
                 "[log_actor][replication]") {
  CHECK(call<errc>(follower, delete_atom::value) == errc::none);
  for (auto* probe : {"replicate", "epoch_end", "truncate"}) {
    INFO(probe);
    bool failed = false;
    if (std::string{probe} == "replicate") {
      auto s = ask<append_reply>(follower, replicate_atom::value, storage::record_bytes{});
      sched.run();
      failed = s->error.has_value() || (s->value && s->value->ec != errc::none);
    } else if (std::string{probe} == "epoch_end") {
      auto s = ask<epoch_end_reply>(follower, epoch_end_atom::value, int32_t{0});
      sched.run();
      failed = s->error.has_value() || (s->value && s->value->ec != errc::none);
    } else {
      auto s = ask<offset_reply>(follower, truncate_atom::value, int64_t{0});
      sched.run();
      failed = s->error.has_value() || (s->value && s->value->ec != errc::none);
    }
    CHECK(failed); // the actor quit after delete: the request fails
  }
  follower = nullptr;
}

TEST_CASE_METHOD(replication_fixture, "start_over empties a follower left behind the leader's start",
                 "[log_actor][replication]") {
  append(follower, {"a", "b"}, 1); // 0..1
  // Retention moved the leader's start to 40 while this follower was away.
  auto r = call<offset_reply>(follower, start_over_atom::value, int64_t{40});
  CHECK(r.ec == errc::none);
  CHECK(r.offset == 40);
  CHECK(call<offset_reply>(follower, offset_for_ts_atom::value, int64_t{-2}).offset == 40);
  CHECK(call<offset_reply>(follower, offset_for_ts_atom::value, int64_t{-1}).offset == 40);
  CHECK(same(epoch_end(follower, -1), -1, 40)); // the cache went with the records
  // It can never cut records off: below the log end is refused.
  CHECK(call<offset_reply>(follower, start_over_atom::value, int64_t{10}).ec
        == errc::offset_out_of_range);
  // The leader's batches from 40 on append as usual.
  for (int i = 0; i < 20; ++i)
    append(leader, {"filler-" + std::to_string(i), "x"}, 5); // 0..39
  append(leader, {"c"}, 6);                                  // 40
  auto a = replicate(leader_records(40));
  REQUIRE(a.ec == errc::none);
  CHECK(a.base_offset == 40);
  CHECK(same(epoch_end(follower, -1), 6, 41));
}
