// Group shards: appends then reads, replay after a restart, load in progress, group actors on
// first use, offsets retention.
#include "actors/group_shard.hpp"
#include "fake_group.hpp"
#include "fixture.hpp"

using namespace cafka;
using namespace cafka::test;

namespace {

stored_offset commit(std::string group, std::string topic, int32_t p, int64_t off, int64_t ts) {
  stored_offset o;
  o.group_id = std::move(group);
  o.topic = std::move(topic);
  o.partition = p;
  o.offset = off;
  o.metadata = "m" + std::to_string(off);
  o.commit_timestamp = ts;
  return o;
}

int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

offset_fetch_args fetch_all(std::string group) {
  offset_fetch_args a;
  a.group_id = std::move(group);
  a.all_partitions = true;
  return a;
}

offset_fetch_args fetch_some(std::string group, std::vector<topic_partition> tps) {
  offset_fetch_args a;
  a.group_id = std::move(group);
  for (auto& [t, p] : tps) {
    partition_offset po;
    po.topic = t;
    po.partition = p;
    a.partitions.push_back(po);
  }
  return a;
}

// A fixture whose node hosts __consumer_offsets with 4 partitions, talking to the shard of one
// group.
struct shard_fixture : fixture {
  shard_fixture() {
    bcfg.offsets_topic_num_partitions = 4;
  }

  group_shard_actor shard_of(const std::string& group) {
    auto r = call<coordinator_lookup>(node, coordinator_atom::value, group);
    REQUIRE(r.ec == errc::none);
    REQUIRE(r.shard);
    return r.shard;
  }

  errc store(const group_shard_actor& shard, std::vector<offsets_record> records) {
    return call<errc>(shard, store_atom::value, std::move(records));
  }

  offset_fetch_reply offsets(const group_shard_actor& shard, const offset_fetch_args& args) {
    return call<offset_fetch_reply>(shard, offset_fetch_atom::value, args);
  }
};

// A replica that never answers: the shard it serves stays loading.
partition_replica_actor::behavior_type silent_replica(partition_replica_actor::pointer self) {
  using promises = std::vector<caf::response_promise>;
  auto held = std::make_shared<promises>();
  auto hold = [self, held] { held->push_back(self->make_response_promise()); };
  return {
    [hold](produce_atom, const produce_args&) -> caf::result<produce_reply> {
      hold();
      return caf::delegated<produce_reply>{};
    },
    [hold](fetch_atom, const fetch_args&) -> caf::result<fetch_reply> {
      hold();
      return caf::delegated<fetch_reply>{};
    },
    [hold](list_offsets_atom, int64_t) -> caf::result<offset_reply> {
      hold();
      return caf::delegated<offset_reply>{};
    },
    [hold](status_atom) -> caf::result<replica_status> {
      hold();
      return caf::delegated<replica_status>{};
    },
    [](delete_atom) { return errc::none; },
    [](delete_records_atom, int64_t) { return offset_reply{}; },
    [](configure_atom, int32_t) { return errc::none; },
    [](become_atom, partition_state&) { return errc::none; },
    [](replica_fetch_atom, replica_fetch_args&) {
      return with_ec<replica_fetch_reply>(errc::not_leader_or_follower);
    },
  };
}

} // namespace

TEST_CASE_METHOD(shard_fixture, "a stored commit is visible to the next offset fetch", "[shard]") {
  start_node();
  auto shard = shard_of("g1");
  auto ts = wall_now_ms();
  REQUIRE(store(shard, {encode(commit("g1", "t", 0, 100, ts)), encode(commit("g1", "t", 2, 7, ts))})
          == errc::none);
  auto all = offsets(shard, fetch_all("g1"));
  CHECK(all.ec == errc::none);
  REQUIRE(all.offsets.size() == 2);
  CHECK(all.offsets[0].topic == "t");
  CHECK(all.offsets[0].partition == 0);
  CHECK(all.offsets[0].offset == 100);
  CHECK(all.offsets[0].metadata == "m100");
  CHECK(all.offsets[1].partition == 2);
  CHECK(all.offsets[1].offset == 7);
  // Requested partitions: unknown ones read as -1 with empty metadata, no error.
  auto some = offsets(shard, fetch_some("g1", {{"t", 2}, {"t", 1}, {"other", 0}}));
  REQUIRE(some.offsets.size() == 3);
  CHECK(some.offsets[0].offset == 7);
  CHECK(some.offsets[1].offset == -1);
  CHECK(some.offsets[1].metadata.empty());
  CHECK(some.offsets[1].ec == errc::none);
  CHECK(some.offsets[2].offset == -1);
  // A newer commit replaces, a tombstone deletes.
  REQUIRE(store(shard, {encode(commit("g1", "t", 0, 150, ts)), encode(offset_tombstone{"g1", "t", 2})})
          == errc::none);
  all = offsets(shard, fetch_all("g1"));
  REQUIRE(all.offsets.size() == 1);
  CHECK(all.offsets[0].offset == 150);
  // The records went through the partition's log as one batch.
  auto p = offsets_partition_for("g1", 4);
  auto fetched = fetch(replica("__consumer_offsets", p), 0);
  CHECK(fetched.high_watermark == 4);
  CHECK(offsets(shard, fetch_all("nobody")).offsets.empty());
}

TEST_CASE_METHOD(shard_fixture, "commits and group metadata survive a restart", "[shard]") {
  start_node();
  auto ts = wall_now_ms();
  stored_group g;
  g.group_id = "g1";
  g.protocol_type = "consumer";
  g.generation = 3;
  g.protocol = "range";
  g.leader = "m1";
  g.members.push_back(stored_member{"m1", "", "client", "/127.0.0.1", 300000, 10000, {1}, {2}});
  stored_group gone;
  gone.group_id = "gone";
  REQUIRE(store(shard_of("g1"), {encode(g), encode(commit("g1", "t", 0, 42, ts))}) == errc::none);
  REQUIRE(store(shard_of("gone"), {encode(gone), encode(commit("gone", "t", 0, 1, ts))})
          == errc::none);
  // Deleting a group also deletes its offsets.
  REQUIRE(store(shard_of("gone"), {encode(group_tombstone{"gone"})}) == errc::none);
  CHECK(offsets(shard_of("gone"), fetch_all("gone")).offsets.empty());
  stop_node();
  start_node();
  // The shards exist again without any lookup (spawned with the node) and replayed the log.
  CHECK(call<std::vector<group_shard_actor>>(node, group_shards_atom::value).size() == 4);
  auto shard = shard_of("g1");
  auto all = offsets(shard, fetch_all("g1"));
  CHECK(all.ec == errc::none);
  REQUIRE(all.offsets.size() == 1);
  CHECK(all.offsets[0].offset == 42);
  CHECK(all.offsets[0].metadata == "m42");
  CHECK(offsets(shard_of("gone"), fetch_all("gone")).offsets.empty());
  // The stored membership shows in ListGroups (no actor runs for the group yet).
  auto groups = call<std::vector<group_listing>>(shard, list_groups_atom::value);
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].group_id == "g1");
  CHECK(groups[0].protocol_type == "consumer");
  CHECK(groups[0].state == "Stable");
}

TEST_CASE_METHOD(fixture, "a loading shard answers coordinator_load_in_progress", "[shard]") {
  start_node();
  auto replica = sys.spawn(silent_replica);
  caf::scoped_actor parent{sys};
  group_shard_config c;
  c.replica = replica;
  auto shard = spawn_group_shard(parent.ptr(), c);
  sched.run();
  CHECK(call<group_lookup>(shard, group_atom::value, std::string{"g"}, true).ec
        == errc::coordinator_load_in_progress);
  CHECK(call<offset_fetch_reply>(shard, offset_fetch_atom::value, fetch_all("g")).ec
        == errc::coordinator_load_in_progress);
  CHECK(call<errc>(shard, store_atom::value, std::vector<offsets_record>{})
        == errc::coordinator_load_in_progress);
  caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(replica, caf::exit_reason::user_shutdown);
  sched.run();
}

TEST_CASE_METHOD(fixture, "group actors are spawned on first use, restored and listed",
                 "[shard]") {
  start_node();
  REQUIRE(create("offs", 1).ec == errc::none);
  auto spawns = std::make_shared<fake_group_spawns>();
  caf::scoped_actor parent{sys};
  group_shard_config c;
  c.replica = replica("offs");
  c.factory = fake_group_factory(spawns);
  auto shard = spawn_group_shard(parent.ptr(), c);
  sched.run();
  stored_group g;
  g.group_id = "old";
  g.protocol_type = "consumer";
  g.generation = 5;
  REQUIRE(call<errc>(shard, store_atom::value, std::vector<offsets_record>{encode(g)})
          == errc::none);
  CHECK(spawns->group_ids.empty()); // nothing runs until first use
  CHECK(call<group_lookup>(shard, group_atom::value, std::string{"new"}, false).ec
        == errc::group_id_not_found);
  CHECK(call<group_lookup>(shard, group_atom::value, std::string{""}, true).ec
        == errc::invalid_group_id);
  auto a = call<group_lookup>(shard, group_atom::value, std::string{"new"}, true);
  REQUIRE(a.ec == errc::none);
  auto b = call<group_lookup>(shard, group_atom::value, std::string{"new"}, false);
  CHECK(b.group == a.group);
  auto old = call<group_lookup>(shard, group_atom::value, std::string{"old"}, false);
  REQUIRE(old.ec == errc::none);
  REQUIRE(spawns->group_ids == std::vector<std::string>{"new", "old"});
  CHECK_FALSE(spawns->restored[0].has_value());
  REQUIRE(spawns->restored[1].has_value());
  CHECK(spawns->restored[1]->generation == 5);
  // Live groups are listed with their actor's state.
  auto groups = call<std::vector<group_listing>>(shard, list_groups_atom::value);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].group_id == "new");
  CHECK(groups[0].state == "PreparingRebalance");
  // A group actor that quits is forgotten: the next lookup spawns a fresh one.
  CHECK(call<errc>(a.group, delete_group_atom::value) == errc::none);
  auto c2 = call<group_lookup>(shard, group_atom::value, std::string{"new"}, true);
  CHECK(c2.group != a.group);
  CHECK(spawns->group_ids.size() == 3);
  // The shard's end stops its group actors.
  caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
  sched.run();
  auto describe = ask<group_description>(c2.group, describe_group_atom::value);
  sched.run();
  REQUIRE(describe->done());
  CHECK(describe->error.has_value());
}

TEST_CASE_METHOD(shard_fixture, "offsets of empty groups expire after offsets.retention.minutes",
                 "[shard]") {
  bcfg.offsets_retention_minutes = 1;
  bcfg.offsets_retention_check_interval_ms = 1000;
  start_node();
  auto ts = wall_now_ms();
  stored_group busy;
  busy.group_id = "busy";
  busy.protocol_type = "consumer";
  busy.members.push_back(stored_member{"m1", "", "c", "/h", 1000, 1000, {}, {}});
  REQUIRE(store(shard_of("idle"), {encode(commit("idle", "t", 0, 5, ts))}) == errc::none);
  REQUIRE(store(shard_of("busy"), {encode(busy), encode(commit("busy", "t", 0, 9, 0))})
          == errc::none);
  // Within the retention period nothing expires.
  sched.advance_time(std::chrono::seconds(2));
  sched.run();
  CHECK(offsets(shard_of("idle"), fetch_all("idle")).offsets.size() == 1);
  // Past it, the empty group's offsets go (written as tombstones); the group with members keeps
  // its offsets however old they are.
  sched.advance_time(std::chrono::seconds(60));
  sched.run();
  CHECK(offsets(shard_of("idle"), fetch_all("idle")).offsets.empty());
  CHECK(offsets(shard_of("busy"), fetch_all("busy")).offsets.size() == 1);
  // The expiry is in the log: a restart does not bring the offsets back.
  stop_node();
  start_node();
  CHECK(offsets(shard_of("idle"), fetch_all("idle")).offsets.empty());
  CHECK(offsets(shard_of("busy"), fetch_all("busy")).offsets.size() == 1);
}
