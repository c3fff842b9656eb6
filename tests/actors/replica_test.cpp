// Partition replica + log actor, driven through the node on CAF's test scheduler.
#include "fixture.hpp"

using namespace cafka;
using namespace cafka::test;
using namespace std::chrono_literals;

TEST_CASE_METHOD(fixture, "produce assigns consecutive offsets", "[replica]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  auto p1 = produce(r, make_batch({"a", "b"}));
  auto p2 = produce(r, make_batch({"c"}));
  auto p3 = produce(r, make_batch({"d", "e", "f"}), -1);
  CHECK(p1.ec == errc::none);
  CHECK(p1.base_offset == 0);
  CHECK(p2.base_offset == 2);
  CHECK(p3.ec == errc::none);
  CHECK(p3.base_offset == 3);
  CHECK(p3.log_append_time == -1);
  auto st = call<replica_status>(r, status_atom::value);
  CHECK(st.role == replica_role::leader);
  CHECK(st.leader_id == bcfg.node_id);
  CHECK(st.high_watermark == 6);
  CHECK(st.log_end_offset == 6);
  CHECK(st.log_start_offset == 0);
}

TEST_CASE_METHOD(fixture, "fetch returns what was produced", "[replica]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  produce(r, make_batch({"a", "b"}));
  produce(r, make_batch({"c"}));
  auto all = fetch(r, 0);
  REQUIRE(all.ec == errc::none);
  CHECK(all.high_watermark == 3);
  CHECK(all.last_stable_offset == 3);
  CHECK(all.log_start_offset == 0);
  auto recs = decode(all.records);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].offset == 0);
  CHECK(recs[0].value == "a");
  CHECK(recs[2].offset == 2);
  CHECK(recs[2].value == "c");
  // From the middle: whole batches, starting with the one holding offset 2.
  auto tail = decode(fetch(r, 2).records);
  REQUIRE(tail.size() == 1);
  CHECK(tail[0].value == "c");
  // At the high watermark without waiting: empty, no error.
  auto at_end = fetch(r, 3);
  CHECK(at_end.ec == errc::none);
  CHECK(at_end.records.empty());
  CHECK(at_end.high_watermark == 3);
}

TEST_CASE_METHOD(fixture, "fetch outside the log is offset_out_of_range", "[replica]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  produce(r, make_batch({"a"}));
  auto past = fetch(r, 2, 500);
  CHECK(past.ec == errc::offset_out_of_range);
  CHECK(past.high_watermark == 1);
  CHECK(fetch(r, -1).ec == errc::offset_out_of_range);
}

TEST_CASE_METHOD(fixture, "long-poll fetch completes on a later produce", "[replica]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  fetch_args args;
  args.offset = 0;
  args.max_wait_ms = 500;
  auto pending = ask<fetch_reply>(r, fetch_atom::value, args);
  sched.run();
  REQUIRE_FALSE(pending->done()); // nothing to read yet: the fetch waits
  produce(r, make_batch({"x", "y"}));
  REQUIRE(pending->done());
  REQUIRE(pending->value);
  CHECK(pending->value->ec == errc::none);
  CHECK(pending->value->high_watermark == 2);
  auto recs = decode(pending->value->records);
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].value == "y");
  // Its timer fires later and must not disturb anything.
  sched.advance_time(1s);
  sched.run();
  CHECK(fetch(r, 0).high_watermark == 2);
}

TEST_CASE_METHOD(fixture, "long-poll fetch times out empty", "[replica]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  produce(r, make_batch({"a"}));
  fetch_args args;
  args.offset = 1;
  args.max_wait_ms = 500;
  auto pending = ask<fetch_reply>(r, fetch_atom::value, args);
  sched.run();
  REQUIRE_FALSE(pending->done());
  sched.advance_time(499ms);
  sched.run();
  REQUIRE_FALSE(pending->done());
  sched.advance_time(1ms);
  sched.run();
  REQUIRE(pending->done());
  REQUIRE(pending->value);
  CHECK(pending->value->ec == errc::none);
  CHECK(pending->value->records.empty());
  CHECK(pending->value->high_watermark == 1);
}

TEST_CASE_METHOD(fixture, "a produce wakes only fetches below the new high watermark",
                 "[replica]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  fetch_args at0;
  at0.offset = 0;
  at0.max_wait_ms = 1000;
  auto w0 = ask<fetch_reply>(r, fetch_atom::value, at0);
  sched.run();
  produce(r, make_batch({"a"}));
  REQUIRE(w0->done());
  fetch_args at1 = at0;
  at1.offset = 1;
  auto w1 = ask<fetch_reply>(r, fetch_atom::value, at1);
  sched.run();
  REQUIRE_FALSE(w1->done());
  produce(r, make_batch({"b"}));
  REQUIRE(w1->done());
  auto recs = decode(w1->value->records);
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].offset == 1);
  CHECK(recs[0].value == "b");
}

TEST_CASE_METHOD(fixture, "list_offsets earliest, latest and by timestamp", "[replica]") {
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  CHECK(call<offset_reply>(r, list_offsets_atom::value, int64_t{-1}).offset == 0);
  produce(r, make_batch({"a", "b", "c"}, 1000)); // offsets 0-2, ts 1000-1002
  produce(r, make_batch({"d", "e"}, 2000));      // offsets 3-4, ts 2000-2001
  auto earliest = call<offset_reply>(r, list_offsets_atom::value, int64_t{-2});
  auto latest = call<offset_reply>(r, list_offsets_atom::value, int64_t{-1});
  CHECK(earliest.ec == errc::none);
  CHECK(earliest.offset == 0);
  CHECK(latest.offset == 5);
  CHECK(call<offset_reply>(r, list_offsets_atom::value, int64_t{1500}).offset == 3);
  CHECK(call<offset_reply>(r, list_offsets_atom::value, int64_t{0}).offset == 0);
  CHECK(call<offset_reply>(r, list_offsets_atom::value, int64_t{9999}).offset == -1);
}

TEST_CASE_METHOD(fixture, "acks=all needs min.insync.replicas <= ISR size", "[replica]") {
  bcfg.min_insync_replicas = 2;
  start_node();
  REQUIRE(create("t").ec == errc::none);
  auto r = replica("t");
  CHECK(produce(r, make_batch({"a"}), -1).ec == errc::not_enough_replicas);
  // acks=1 does not consult the ISR.
  auto ok = produce(r, make_batch({"a"}), 1);
  CHECK(ok.ec == errc::none);
  CHECK(ok.base_offset == 0);
  CHECK(produce(r, make_batch({"a"}), 2).ec == errc::invalid_request);
}
