"""Static group membership (group.instance.id, KIP-345) against a real cafka-server.

* confluent_kafka: a static member closes (librdkafka sends no LeaveGroup for static members)
  and a new consumer with the same group.instance.id gets the same partitions back without a
  rebalance of the other member: no revoke/assign callbacks there, its generation (from
  consumer_group_metadata) unchanged, the restarted member in that same generation, no record
  delivered twice.
* raw frames: a static rejoin with an empty member id in a Stable group keeps the generation,
  gets a new member id and its old assignment from SyncGroup, the other member's heartbeats stay
  OK, the old member id is fenced (FENCED_INSTANCE_ID 82); LeaveGroup v3 by instance id removes
  it and starts a rebalance.
"""

import collections
import time
import uuid

from ckutil import create_topic
from grouputil import (FENCED_INSTANCE_ID, REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID,
                       ConsumerThread, RawGroupClient, decode_assignment, encode_assignment,
                       generation_of, group_broker, in_thread, produce_seq, wait_settled)
from harness import check, i32, main, nullable_string, string, unique_topic, wait_until

P = 6


def test_static_member_restart_keeps_partitions_without_rebalance():
    with group_broker(**{"group.initial.rebalance.delay.ms": 500}) as b:
        topic = unique_topic("st")
        create_topic(b.bootstrap, topic, P)
        produced = produce_seq(b.bootstrap, topic, 600, P)
        group = "st-" + uuid.uuid4().hex[:8]
        all_parts = {(topic, p) for p in range(P)}
        a_conf = {"group.instance.id": "static-a", "session.timeout.ms": 30000,
                  "auto.commit.interval.ms": 200, "client.id": "static-a"}
        a = ConsumerThread(b.bootstrap, group, [topic], name="a", **a_conf)
        other = ConsumerThread(b.bootstrap, group, [topic], name="b", client_id="other-b",
                               session_timeout_ms=10000)
        threads = [a, other]
        for t in threads:
            t.start()
        a2 = None
        try:
            owned = wait_settled(threads, all_parts, 60, "static + dynamic member should settle")
            wait_until(lambda: len({r[2] for t in threads for r in t.records}) >= 600, 60,
                       "the two members should read the first 600 records")
            gen_b, member_b = other.call(generation_of)
            gen_a, member_a = a.call(generation_of)
            check(gen_a == gen_b and gen_b >= 1, f"generations a {gen_a} b {gen_b}")
            events_b = len(other.snapshot()[1])
            t0 = time.monotonic()
            a.stop()  # close(): no LeaveGroup for a static member
            print(f"  static member closed after {time.monotonic() - t0:.2f}s; generation "
                  f"{gen_a}, partitions {sorted(p for _, p in owned['a'])}")

            with RawGroupClient(b) as cl:
                d = cl.describe_groups([group])["groups"][group]
            check(d["state"] == "Stable" and len(d["members"]) == 2,
                  f"closing a static member must not remove it (no LeaveGroup): "
                  f"{d['state']}, {len(d['members'])} members")
            check(sorted(m["instance_id"] or "" for m in d["members"]) == ["", "static-a"],
                  f"DescribeGroups v4 instance ids: {[m['instance_id'] for m in d['members']]}")

            a2 = ConsumerThread(b.bootstrap, group, [topic], name="a2", **a_conf)
            a2.start()
            t1 = time.monotonic()
            wait_until(lambda: a2.snapshot()[0] == owned["a"], 25,
                       f"restarted static member should get {sorted(owned['a'])} back "
                       f"(within its 30 s session)")
            print(f"  restarted static member got its partitions after "
                  f"{time.monotonic() - t1:.2f}s")
            gen_a2, member_a2 = a2.call(generation_of)
            check(gen_a2 == gen_b, f"restarted static member is in generation {gen_a2}, the "
                                   f"group was in {gen_b}: a rebalance happened")
            check(member_a2 != member_a, "the rejoined static member should get a new member id")
            # Give a (wrong) rebalance time to show up at the other member: 3 heartbeats.
            deadline = time.monotonic() + 1.5
            while time.monotonic() < deadline:
                check(len(other.snapshot()[1]) == events_b,
                      f"the other member saw rebalance callbacks during the static restart: "
                      f"{other.snapshot()[1][events_b:]}")
                time.sleep(0.1)
            check(other.call(generation_of)[0] == gen_b, "the other member's generation changed")
            asg = {(tp.topic, tp.partition) for tp in other.call(lambda c: c.assignment())}
            check(asg == owned["b"], f"the other member's assignment changed: {sorted(asg)}")

            produced.update(produce_seq(b.bootstrap, topic, 600, P, start=600))
            wait_until(lambda: len({r[2] for t in threads + [a2] for r in t.records}) >= 1200,
                       60, "all 1200 records should be read after the restart")
        finally:
            for t in (a, other, a2):
                if t is not None and t.is_alive():
                    t.stop()
        seen = collections.Counter(r[2] for t in (a, other, a2) for r in t.records)
        check(set(seen) == set(produced), f"{len(set(produced) - set(seen))} records missing")
        dups = sorted(s for s, n in seen.items() if n > 1)
        check(not dups, f"{len(dups)} records delivered twice (the static member's close() "
                        f"commits, the restart should resume there): first {dups[:5]}")


def form_two_static_members(b, group, ca, cb):
    """A forms the group alone, B joins, both rejoin; returns {name: (member_id, assignment)}
    and the generation."""
    ja = ca.join_new(group, instance_id="ia", topics=["t"], rebalance_timeout=20000)
    check(ja["error"] == 0, f"A join: {ja}")
    check(ca.sync(group, ja["generation"], ja["member_id"],
                  {ja["member_id"]: encode_assignment({"t": [0, 1]})},
                  instance_id="ia")["error"] == 0, "A sync")
    jb_h = in_thread(cb.join_new, group, instance_id="ib", topics=["t"], rebalance_timeout=20000)
    wait_until(lambda: ca.heartbeat(group, ja["generation"], ja["member_id"],
                                    instance_id="ia")["error"] == REBALANCE_IN_PROGRESS, 15,
               "A should see REBALANCE_IN_PROGRESS when B joins")
    ja = ca.join(group, ja["member_id"], instance_id="ia", topics=["t"], rebalance_timeout=20000)
    jb = jb_h.result(30)
    check(ja["error"] == 0 and jb["error"] == 0 and ja["generation"] == jb["generation"],
          f"rejoin A {ja} B {jb}")
    gen = ja["generation"]
    members = {"a": ja["member_id"], "b": jb["member_id"]}
    leader = "a" if ja["leader"] == members["a"] else "b"
    lj = ja if leader == "a" else jb
    check({m["instance_id"] for m in lj["members"]} == {"ia", "ib"},
          f"JoinGroup v5 member list should carry the instance ids: {lj['members']}")
    asg = {members["a"]: encode_assignment({"t": [0]}),
           members["b"]: encode_assignment({"t": [1]})}
    clients = {"a": (ca, "ia"), "b": (cb, "ib")}
    follower = "b" if leader == "a" else "a"
    fc, fi = clients[follower]
    fh = in_thread(fc.sync, group, gen, members[follower], {}, instance_id=fi)
    lc, li = clients[leader]
    ls = lc.sync(group, gen, members[leader], asg, instance_id=li)
    fs = fh.result(30)
    check(ls["error"] == 0 and fs["error"] == 0, f"sync leader {ls} follower {fs}")
    return members, gen


def test_static_rejoin_raw_keeps_generation_and_fences_old_id():
    with group_broker() as b:
        group = "sr-" + uuid.uuid4().hex[:8]
        with RawGroupClient(b) as ca, RawGroupClient(b) as cb:
            members, gen = form_two_static_members(b, group, ca, cb)
        with RawGroupClient(b) as ca, RawGroupClient(b) as cb2:
            # B restarts: same instance id, no member id.
            j = cb2.join(group, "", version=5, instance_id="ib", topics=["t"],
                         rebalance_timeout=20000)
            check(j["error"] == 0, f"static rejoin with empty member id: {j}")
            check(j["generation"] == gen, f"static rejoin in a Stable group must not start a "
                                          f"rebalance: generation {gen} → {j['generation']}")
            new_b = j["member_id"]
            check(new_b and new_b != members["b"], f"static rejoin should get a new member id: "
                                                   f"{members['b']} → {new_b}")
            s = cb2.sync(group, gen, new_b, {}, instance_id="ib")
            check(s["error"] == 0 and decode_assignment(s["assignment"]) == {"t": [1]},
                  f"SyncGroup after the static rejoin should return B's assignment: {s}")
            for _ in range(5):
                h = ca.heartbeat(group, gen, members["a"], instance_id="ia")
                check(h["error"] == 0, f"A's heartbeat during B's static restart: {h}")
            h = cb2.heartbeat(group, gen, members["b"], instance_id="ib")
            check(h["error"] == FENCED_INSTANCE_ID,
                  f"old member id of instance ib: want FENCED_INSTANCE_ID (82), got {h}")
            h = cb2.heartbeat(group, gen, new_b, instance_id="ib")
            check(h["error"] == 0, f"new member id heartbeat: {h}")
            d = ca.describe_groups([group])["groups"][group]
            got = sorted((m["instance_id"], m["member_id"]) for m in d["members"])
            check(d["state"] == "Stable" and got == sorted([("ia", members["a"]), ("ib", new_b)]),
                  f"DescribeGroups after the static rejoin: {d['state']} {got}")
            # LeaveGroup v3 carries a batch: the static member plus an unknown one.
            body = (string(group) + i32(2) + string(new_b) + nullable_string("ib") +
                    string("") + nullable_string("no-such-instance"))
            r = cb2.request(13, 3, body)
            r.i32()  # throttle
            top = r.i16()
            per = [(r.string(), r.string(), r.i16()) for _ in range(r.i32())]
            check(top == 0 and per == [(new_b, "ib", 0), ("", "no-such-instance",
                                                          UNKNOWN_MEMBER_ID)],
                  f"LeaveGroup v3 batch: want top-level 0, members [0, UNKNOWN_MEMBER_ID (25)], "
                  f"got {top} {per}")
            wait_until(lambda: ca.heartbeat(group, gen, members["a"], instance_id="ia")["error"]
                       == REBALANCE_IN_PROGRESS, 10,
                       "a static member leaving explicitly should start a rebalance")


if __name__ == "__main__":
    main([test_static_member_restart_keeps_partitions_without_rebalance,
          test_static_rejoin_raw_keeps_generation_and_fences_old_id])
