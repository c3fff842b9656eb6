// __consumer_offsets records: codec round trips in Kafka's formats, tombstones, the group →
// partition hash, and offsets_state (apply, expiry, lag lines). No actors here.
#include "actors/offsets_records.hpp"
#include "actors/offsets_state.hpp"
#include "storage/batch_builder.hpp"

#include <catch2/catch.hpp>

using namespace cafka;

namespace {

offsets_entry round_trip(const offsets_record& r) {
  offsets_entry out;
  auto ec = decode(r.key.data(), r.key.size(), r.value.data(), r.value.size(), r.tombstone, out);
  REQUIRE(!ec);
  return out;
}

stored_offset offset(std::string group, std::string topic, int32_t p, int64_t off, int64_t ts) {
  stored_offset o;
  o.group_id = std::move(group);
  o.topic = std::move(topic);
  o.partition = p;
  o.offset = off;
  o.commit_timestamp = ts;
  return o;
}

int16_t version_of(const std::vector<char>& bytes) {
  REQUIRE(bytes.size() >= 2);
  return static_cast<int16_t>((static_cast<uint8_t>(bytes[0]) << 8) | static_cast<uint8_t>(bytes[1]));
}

} // namespace

TEST_CASE("an offset commit round-trips as OffsetCommitKey v1 / OffsetCommitValue v3",
          "[offsets]") {
  auto o = offset("g1", "topic", 3, 42, 1700000000000);
  o.leader_epoch = 5;
  o.metadata = "meta";
  auto rec = encode(o);
  CHECK_FALSE(rec.tombstone);
  CHECK(version_of(rec.key) == 1);
  CHECK(version_of(rec.value) == 3);
  // Key bytes: version, then group, topic (int16-length strings) and the partition.
  CHECK(rec.key.size() == 2 + (2 + 2) + (2 + 5) + 4);
  auto out = std::get<stored_offset>(round_trip(rec));
  CHECK(out.group_id == "g1");
  CHECK(out.topic == "topic");
  CHECK(out.partition == 3);
  CHECK(out.offset == 42);
  CHECK(out.leader_epoch == 5);
  CHECK(out.metadata == "meta");
  CHECK(out.commit_timestamp == 1700000000000);
}

TEST_CASE("group metadata round-trips as GroupMetadataKey v2 / GroupMetadataValue v3",
          "[offsets]") {
  stored_group g;
  g.group_id = "g";
  g.protocol_type = "consumer";
  g.generation = 7;
  g.protocol = "range";
  g.leader = "m1";
  g.state_timestamp = 123;
  stored_member m;
  m.member_id = "m1";
  m.group_instance_id = "static-1";
  m.client_id = "c";
  m.client_host = "/127.0.0.1";
  m.rebalance_timeout_ms = 300000;
  m.session_timeout_ms = 10000;
  m.subscription = {1, 2, 3};
  m.assignment = {4, 5};
  g.members = {m};
  auto rec = encode(g);
  CHECK(version_of(rec.key) == 2);
  CHECK(version_of(rec.value) == 3);
  auto out = std::get<stored_group>(round_trip(rec));
  CHECK(out.group_id == "g");
  CHECK(out.protocol_type == "consumer");
  CHECK(out.generation == 7);
  CHECK(out.protocol == "range");
  CHECK(out.leader == "m1");
  CHECK(out.state_timestamp == 123);
  REQUIRE(out.members.size() == 1);
  CHECK(out.members[0].member_id == "m1");
  CHECK(out.members[0].group_instance_id == "static-1");
  CHECK(out.members[0].client_host == "/127.0.0.1");
  CHECK(out.members[0].rebalance_timeout_ms == 300000);
  CHECK(out.members[0].session_timeout_ms == 10000);
  CHECK(out.members[0].subscription == std::vector<char>{1, 2, 3});
  CHECK(out.members[0].assignment == std::vector<char>{4, 5});
  // An empty group (no protocol, no leader) comes back the same.
  stored_group empty;
  empty.group_id = "e";
  empty.protocol_type = "consumer";
  auto e = std::get<stored_group>(round_trip(encode(empty)));
  CHECK(e.protocol.empty());
  CHECK(e.leader.empty());
  CHECK(e.members.empty());
}

TEST_CASE("tombstones carry a key and no value", "[offsets]") {
  auto gt = encode(group_tombstone{"g"});
  CHECK(gt.tombstone);
  CHECK(gt.value.empty());
  CHECK(std::get<group_tombstone>(round_trip(gt)).group_id == "g");
  auto ot = encode(offset_tombstone{"g", "t", 2});
  CHECK(ot.tombstone);
  auto out = std::get<offset_tombstone>(round_trip(ot));
  CHECK(out.group_id == "g");
  CHECK(out.topic == "t");
  CHECK(out.partition == 2);
  // The tombstone's key is the key of the record it deletes.
  CHECK(ot.key == encode(offset("g", "t", 2, 1, 1)).key);
}

TEST_CASE("unknown key versions and truncated bytes are rejected", "[offsets]") {
  offsets_entry out;
  std::vector<char> key{0, 9, 0, 1, 'g'};
  CHECK(decode(key.data(), key.size(), nullptr, 0, true, out) == errc::invalid_record);
  auto rec = encode(offset("g", "t", 0, 1, 1));
  CHECK(decode(rec.key.data(), rec.key.size() - 1, rec.value.data(), rec.value.size(), false, out)
        == errc::corrupt_message);
  CHECK(decode(rec.key.data(), rec.key.size(), rec.value.data(), 5, false, out)
        == errc::corrupt_message);
}

TEST_CASE("offsets_partition_for matches Kafka's abs(String.hashCode) % n", "[offsets]") {
  // Expected values from Java's s[0]*31^(n-1) + ... + s[n-1], worked out by hand.
  CHECK(offsets_partition_for("", 50) == 0);
  CHECK(offsets_partition_for("a", 50) == 97 % 50);
  CHECK(offsets_partition_for("group", 50) == 98629247 % 50);
  CHECK(offsets_partition_for("test-group", 50) == 627841412 % 50);
  // "my-group".hashCode() == -1906497762: the absolute value decides.
  CHECK(offsets_partition_for("my-group", 50) == 1906497762 % 50);
  CHECK(offsets_partition_for("my-group", 4) == 1906497762 % 4);
  // Non-ASCII counts UTF-16 units: "é" is U+00E9 (233), "😀" the pair D83D DE00.
  CHECK(offsets_partition_for("\xC3\xA9", 1000) == 233);
  CHECK(offsets_partition_for("\xF0\x9F\x98\x80", 1000) == (0xD83D * 31 + 0xDE00) % 1000);
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
  CHECK(offsets_partition_for("polygenelubricants", 7) == 0);
}

TEST_CASE("offsets_state applies values and tombstones from batches", "[offsets]") {
  storage::batch_builder b;
  auto add = [&](const offsets_record& r) {
    std::optional<std::string_view> v;
    if (!r.tombstone)
      v = std::string_view{r.value.data(), r.value.size()};
    b.add(std::string_view{r.key.data(), r.key.size()}, v, 1);
  };
  stored_group g;
  g.group_id = "g";
  g.protocol_type = "consumer";
  add(encode(g));
  add(encode(offset("g", "t", 0, 10, 1)));
  add(encode(offset("g", "t", 1, 20, 1)));
  add(encode(offset("g", "t", 0, 11, 2)));       // a newer commit replaces the old one
  add(encode(offset_tombstone{"g", "t", 1}));    // deleted
  add(encode(offset("h", "t", 0, 5, 1)));
  add(encode(group_tombstone{"h"}));             // no metadata for h; its offset stays
  auto batch = b.build(100);
  offsets_state st;
  size_t skipped = 0;
  CHECK(st.apply_batches(batch.data(), batch.size(), 0, skipped) == 107);
  CHECK(skipped == 0);
  CHECK(st.groups.count("g") == 1);
  REQUIRE(st.offsets["g"].size() == 1);
  CHECK(st.offsets["g"].begin()->second.offset == 11);
  CHECK(st.known("h"));
  CHECK(st.empty_membership("g"));
  CHECK(st.group_ids() == std::vector<std::string>{"g", "h"});
}

TEST_CASE("expired_records drops old offsets of groups without members only", "[offsets]") {
  offsets_state st;
  const int64_t day = 24 * 3600 * 1000LL;
  st.apply(offset("simple", "t", 0, 1, 0));        // no metadata: by commit time
  st.apply(offset("simple", "t", 1, 1, 9 * day));  // recent: kept
  stored_group busy;
  busy.group_id = "busy";
  busy.members.push_back(stored_member{});
  st.apply(busy);
  st.apply(offset("busy", "t", 0, 1, 0));          // has members: kept however old
  stored_group left;
  left.group_id = "left";
  left.state_timestamp = 9 * day;                  // emptied recently: kept
  st.apply(left);
  st.apply(offset("left", "t", 0, 1, 0));
  stored_group gone;
  gone.group_id = "gone";                          // empty, offsets all old: group goes too
  st.apply(gone);
  st.apply(offset("gone", "t", 0, 1, 0));
  auto records = expired_records(st, 10 * day, 7 * day, {});
  std::vector<std::string> what;
  for (auto& r : records) {
    auto e = round_trip(r);
    if (auto* o = std::get_if<offset_tombstone>(&e))
      what.push_back(o->group_id + "/" + o->topic + "-" + std::to_string(o->partition));
    else
      what.push_back(std::get<group_tombstone>(e).group_id);
  }
  CHECK(what == std::vector<std::string>{"gone/t-0", "gone", "simple/t-0"});
  // A live coordinator keeps its group's metadata.
  CHECK(expired_records(st, 10 * day, 7 * day, {"gone"}).size() == 2);
}

TEST_CASE("lag_line reports committed, end and lag per partition", "[offsets]") {
  group_offsets offsets;
  offsets[{"t", 0}] = offset("g1", "t", 0, 100, 1);
  offsets[{"t", 1}] = offset("g1", "t", 1, 7, 1);
  std::map<topic_partition, int64_t> ends{{{"t", 0}, 150}};
  CHECK(lag_line("g1", offsets, ends)
        == "group g1: t-0 committed=100 end=150 lag=50, t-1 committed=7 end=? lag=?");
}
