"""Consumer-group protocol details and error codes over raw frames (what clients hide):
FindCoordinator v1 for groups, JoinGroup v4+ MEMBER_ID_REQUIRED (79), session timeout bounds
(26, also with group.min.session.timeout.ms), UNKNOWN_MEMBER_ID (25), ILLEGAL_GENERATION (22),
REBALANCE_IN_PROGRESS (27) during a two-member rebalance, INCONSISTENT_GROUP_PROTOCOL (23),
OffsetFetch of an unknown group (-1, error 0), standalone OffsetCommit/OffsetFetch in every
version, ListGroups, DescribeGroups, DeleteGroups (0 / 69), OffsetDelete."""

import time
import uuid

from ckutil import create_topic
from grouputil import (GROUP_ID_NOT_FOUND, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL,
                       INVALID_SESSION_TIMEOUT, MEMBER_ID_REQUIRED, NON_EMPTY_GROUP,
                       REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID, RawGroupClient,
                       decode_assignment, decode_subscription, encode_assignment,
                       encode_subscription, group_broker, in_thread)
from harness import check, main, unique_topic, wait_until

BROKER = None


def broker():
    global BROKER
    if BROKER is None or not BROKER.alive():
        BROKER = group_broker(**{"node.id": 5})
    return BROKER


def gid(prefix="g"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def join_and_sync(cl, group, topic="t", version=5, **kw):
    """One member forms a group on its own: join (handling 79), sync as leader with all of
    ``topic``'s partition 0. Returns (member_id, generation)."""
    j = cl.join_new(group, version=version, topics=[topic], **kw)
    check(j["error"] == 0, f"JoinGroup v{version}: error {j['error']} ({j})")
    check(j["leader"] == j["member_id"], f"single member should lead: {j}")
    s = cl.sync(group, j["generation"], j["member_id"],
                {j["member_id"]: encode_assignment({topic: [0]})})
    check(s["error"] == 0, f"SyncGroup: error {s['error']}")
    return j["member_id"], j["generation"]


def test_find_coordinator_v1_group_is_this_node():
    b = broker()
    with RawGroupClient(b) as cl:
        for version in (0, 1, 2):
            got = cl.find_coordinator(gid(), version=version, key_type=0)
            check(got["error"] == 0, f"FindCoordinator v{version}: {got}")
            check((got["node_id"], got["host"], got["port"]) == (5, "127.0.0.1", b.port),
                  f"FindCoordinator v{version} key_type 0 should name node 5 at "
                  f"127.0.0.1:{b.port}, got {got}")


def test_join_v4_member_id_required_then_full_round():
    b = broker()
    g = gid()
    meta = encode_subscription(["t1", "t2"], user_data=b"\x01\x02opaque")
    with RawGroupClient(b) as cl:
        j = cl.join(g, "", version=4, protocols=[("range", meta), ("roundrobin", meta)])
        check(j["error"] == MEMBER_ID_REQUIRED,
              f"JoinGroup v4 with empty member id: want MEMBER_ID_REQUIRED (79), got {j}")
        mid = j["member_id"]
        check(mid, f"MEMBER_ID_REQUIRED must carry the new member id: {j}")
        check(j["generation"] == -1, f"generation with 79 should be -1: {j}")

        j = cl.join(g, mid, version=4, protocols=[("range", meta), ("roundrobin", meta)])
        check(j["error"] == 0, f"JoinGroup v4 with the assigned member id: {j}")
        check(j["member_id"] == mid, f"member id changed: {mid} → {j['member_id']}")
        check(j["generation"] >= 1, f"generation {j['generation']}")
        check(j["leader"] == mid, f"leader {j['leader']} != {mid}")
        check(j["protocol"] == "range", f"first common protocol should win: {j['protocol']}")
        check([m["member_id"] for m in j["members"]] == [mid], f"leader's member list {j}")
        check(j["members"][0]["metadata"] == meta,
              "member metadata must be passed through byte-for-byte")
        gen = j["generation"]

        assignment = encode_assignment({"t1": [0, 2], "t2": [1]}, user_data=b"ud")
        s = cl.sync(g, gen, mid, {mid: assignment})
        check(s["error"] == 0, f"SyncGroup as leader: {s}")
        check(s["assignment"] == assignment, "SyncGroup must return the leader's bytes untouched")
        check(decode_assignment(s["assignment"]) == {"t1": [0, 2], "t2": [1]}, "assignment")

        h = cl.heartbeat(g, gen, mid)
        check(h["error"] == 0, f"Heartbeat of a stable member: {h}")

        d = cl.describe_groups([g])["groups"][g]
        check(d["error"] == 0 and d["state"] == "Stable", f"DescribeGroups: {d}")
        check(d["protocol_type"] == "consumer" and d["protocol"] == "range", f"{d}")
        check(len(d["members"]) == 1 and d["members"][0]["member_id"] == mid, f"{d}")
        check(d["members"][0]["client_id"] == "cafka-group-test", f"client id: {d['members']}")
        check(d["members"][0]["assignment"] == assignment, "described assignment differs")
        check(decode_subscription(d["members"][0]["metadata"])["topics"] == ["t1", "t2"],
              "described member metadata differs")

        lg = cl.list_groups()
        check(lg["error"] == 0 and lg["groups"].get(g) == "consumer",
              f"ListGroups should list {g} with protocol type consumer: {lg}")

        lv = cl.leave(g, mid)
        check(lv["error"] == 0, f"LeaveGroup: {lv}")
        wait_until(lambda: cl.describe_groups([g])["groups"][g]["state"] == "Empty", 10,
                   "the group should be Empty after its only member left")
        d = cl.describe_groups([g])["groups"][g]
        check(not d["members"], f"after leave: {d}")
        h = cl.heartbeat(g, gen, mid)
        check(h["error"] == UNKNOWN_MEMBER_ID, f"Heartbeat after leaving: want 25, got {h}")


def test_join_v3_assigns_member_id_directly():
    b = broker()
    g = gid()
    with RawGroupClient(b) as cl:
        j = cl.join(g, "", version=3)
        check(j["error"] == 0, f"JoinGroup v3 with empty member id should succeed: {j}")
        check(j["member_id"] and j["leader"] == j["member_id"], f"{j}")
        s = cl.sync(g, j["generation"], j["member_id"], {}, version=1)
        check(s["error"] == 0, f"SyncGroup v1: {s}")
        for v in (0, 1, 2):  # older versions of the other APIs against the same group
            check(cl.heartbeat(g, j["generation"], j["member_id"], version=v)["error"] == 0,
                  f"Heartbeat v{v}")
        check(cl.leave(g, j["member_id"], version=0)["error"] == 0, "LeaveGroup v0")


def test_session_timeout_bounds():
    b = broker()
    with RawGroupClient(b) as cl:
        for st in (1000, 5999, 1800001):
            j = cl.join(gid(), "", version=5, session_timeout=st)
            check(j["error"] == INVALID_SESSION_TIMEOUT,
                  f"session timeout {st} outside [6000, 1800000]: want 26, got {j}")
        j = cl.join_new(gid(), session_timeout=6000)
        check(j["error"] == 0, f"session timeout 6000 (the minimum) must be accepted: {j}")


def test_min_session_timeout_is_configurable():
    with group_broker(**{"group.min.session.timeout.ms": 1500}) as b:
        with RawGroupClient(b) as cl:
            j = cl.join(gid(), "", version=5, session_timeout=1000)
            check(j["error"] == INVALID_SESSION_TIMEOUT,
                  f"group.min.session.timeout.ms=1500, session 1000: want 26, got {j}")
            j = cl.join_new(gid(), session_timeout=1500)
            check(j["error"] == 0, f"group.min.session.timeout.ms=1500, session 1500: {j}")


def test_unknown_member_and_illegal_generation():
    b = broker()
    g = gid()
    topic = unique_topic("eg")
    create_topic(b.bootstrap, topic, 1)
    with RawGroupClient(b) as cl:
        h = cl.heartbeat(gid("nogroup"), 1, "nobody")
        check(h["error"] == UNKNOWN_MEMBER_ID, f"Heartbeat to an unknown group: want 25, got {h}")
        mid, gen = join_and_sync(cl, g, topic)
        h = cl.heartbeat(g, gen, "not-a-member")
        check(h["error"] == UNKNOWN_MEMBER_ID, f"Heartbeat with unknown member: want 25, got {h}")
        h = cl.heartbeat(g, gen + 1, mid)
        check(h["error"] == ILLEGAL_GENERATION, f"Heartbeat wrong generation: want 22, got {h}")
        s = cl.sync(g, gen + 1, mid, {mid: b""})
        check(s["error"] == ILLEGAL_GENERATION, f"SyncGroup wrong generation: want 22, got {s}")
        s = cl.sync(g, gen - 1, mid, {mid: b""})
        check(s["error"] == ILLEGAL_GENERATION, f"SyncGroup old generation: want 22, got {s}")
        s = cl.sync(g, gen, "not-a-member", {})
        check(s["error"] == UNKNOWN_MEMBER_ID, f"SyncGroup unknown member: want 25, got {s}")
        c = cl.offset_commit(g, {(topic, 0): 5}, generation=gen + 7, member_id=mid)
        check(c["errors"] == {(topic, 0): ILLEGAL_GENERATION},
              f"OffsetCommit wrong generation: want 22, got {c}")
        c = cl.offset_commit(g, {(topic, 0): 5}, generation=gen, member_id="not-a-member")
        check(c["errors"] == {(topic, 0): UNKNOWN_MEMBER_ID},
              f"OffsetCommit unknown member: want 25, got {c}")
        c = cl.offset_commit(g, {(topic, 0): 5}, generation=gen, member_id=mid)
        check(c["errors"] == {(topic, 0): 0}, f"OffsetCommit of the member: {c}")

        f = cl.offset_fetch(g, [(topic, 0)])
        check(f["offsets"][(topic, 0)][0] == 5 and f["error"] == 0, f"OffsetFetch: {f}")
        lv = cl.leave(g, "not-a-member")
        check(lv["error"] == UNKNOWN_MEMBER_ID, f"LeaveGroup unknown member: want 25, got {lv}")
        lv = cl.leave(g, mid, version=3)
        check(lv["error"] == 0 and lv["members"] and lv["members"][0]["error"] == 0,
              f"LeaveGroup v3: {lv}")


def test_offset_commit_unknown_topic_or_partition():
    """Kafka (KafkaApis.handleOffsetCommitRequest) answers UNKNOWN_TOPIC_OR_PARTITION (3) for
    partitions missing from the metadata cache, and stores nothing for them."""
    b = broker()
    topic = unique_topic("ut")
    create_topic(b.bootstrap, topic, 1)
    g = gid()
    missing = "no-such-topic-" + g
    with RawGroupClient(b) as cl:
        c = cl.offset_commit(g, {(topic, 0): 1, (topic, 1): 5, (missing, 0): 1})
        check(c["errors"] == {(topic, 0): 0, (topic, 1): 3, (missing, 0): 3},
              f"OffsetCommit for {topic}-1 (topic has 1 partition) and {missing}-0: want "
              f"UNKNOWN_TOPIC_OR_PARTITION (3) for both, 0 for {topic}-0; got {c['errors']}")
        f = cl.offset_fetch(g, [(topic, 1), (missing, 0)])
        check(all(o == -1 for (o, m, e) in f["offsets"].values()),
              f"nothing should be stored for unknown partitions: {f}")


def test_two_members_rebalance_in_progress():
    b = broker()
    g = gid()
    with RawGroupClient(b) as a, RawGroupClient(b) as bb:
        mid_a, gen = join_and_sync(a, g)
        # B joins: the group goes to PreparingRebalance, A learns it from its heartbeat.
        join_b = in_thread(bb.join_new, g, rebalance_timeout=20000)
        wait_until(lambda: a.heartbeat(g, gen, mid_a)["error"] == REBALANCE_IN_PROGRESS, 15,
                   "A's heartbeat should return REBALANCE_IN_PROGRESS (27) once B joins")
        d = a.describe_groups([g])["groups"][g]
        check(d["state"] == "PreparingRebalance",
              f"DescribeGroups while B waits in JoinGroup: state {d['state']!r}")
        ja = a.join(g, mid_a, version=5, rebalance_timeout=20000)
        jb = join_b.result(30)
        check(ja["error"] == 0 and jb["error"] == 0, f"rejoin: A {ja} B {jb}")
        check(ja["generation"] == jb["generation"] == gen + 1,
              f"both members should be in generation {gen + 1}: A {ja['generation']} "
              f"B {jb['generation']}")
        check(ja["leader"] == jb["leader"], f"leader differs: {ja['leader']} {jb['leader']}")
        leader, follower = (a, bb) if ja["leader"] == mid_a else (bb, a)
        lj, fj = (ja, jb) if leader is a else (jb, ja)
        check(sorted(m["member_id"] for m in lj["members"]) ==
              sorted([ja["member_id"], jb["member_id"]]),
              f"leader's member list should hold both members: {lj['members']}")
        check(fj["members"] == [], f"followers get no member list: {fj['members']}")
        g1 = ja["generation"]
        # Follower's SyncGroup waits for the leader's.
        fsync = in_thread(follower.sync, g, g1, fj["member_id"], {})
        asg = {lj["member_id"]: encode_assignment({"t": [0]}),
               fj["member_id"]: encode_assignment({"t": [1, 2]})}
        ls = leader.sync(g, g1, lj["member_id"], asg)
        fs = fsync.result(30)
        check(ls["error"] == 0 and fs["error"] == 0, f"SyncGroup: leader {ls} follower {fs}")
        check(decode_assignment(ls["assignment"]) == {"t": [0]}, f"leader got {ls}")
        check(decode_assignment(fs["assignment"]) == {"t": [1, 2]}, f"follower got {fs}")
        for cl, j in ((a, ja), (bb, jb)):
            check(cl.heartbeat(g, g1, j["member_id"])["error"] == 0, "heartbeat after sync")
        d = a.describe_groups([g])["groups"][g]
        check(d["state"] == "Stable" and len(d["members"]) == 2, f"DescribeGroups: {d}")


def test_member_not_rejoining_is_removed_after_rebalance_timeout():
    b = broker()
    g = gid()
    with RawGroupClient(b) as a, RawGroupClient(b) as bb, RawGroupClient(b) as cc:
        ja = a.join_new(g, rebalance_timeout=2000)
        jb_h = in_thread(bb.join_new, g, rebalance_timeout=2000)
        wait_until(lambda: a.heartbeat(g, ja["generation"], ja["member_id"])["error"] ==
                   REBALANCE_IN_PROGRESS, 15, "A should see B's join")
        ja = a.join(g, ja["member_id"], rebalance_timeout=2000)
        jb = jb_h.result(20)
        check(ja["error"] == 0 and jb["error"] == 0, f"A {ja} B {jb}")
        gen = ja["generation"]
        leader = a if ja["leader"] == ja["member_id"] else bb
        fh = in_thread((bb if leader is a else a).sync, g, gen,
                       (jb if leader is a else ja)["member_id"], {})
        leader.sync(g, gen, (ja if leader is a else jb)["member_id"], {})
        check(fh.result(20)["error"] == 0, "follower sync")
        # C joins; A rejoins, B never does: after the rebalance timeout (2 s) the new
        # generation has A and C only, and B is unknown.
        t0 = time.monotonic()
        jc_h = in_thread(cc.join_new, g, rebalance_timeout=2000)
        wait_until(lambda: a.heartbeat(g, gen, ja["member_id"])["error"] ==
                   REBALANCE_IN_PROGRESS, 15, "A should see C's join")
        ja2 = a.join(g, ja["member_id"], rebalance_timeout=2000)
        jc = jc_h.result(30)
        elapsed = time.monotonic() - t0
        check(ja2["error"] == 0 and jc["error"] == 0, f"A {ja2} C {jc}")
        check(ja2["generation"] == jc["generation"] == gen + 1, f"A {ja2} C {jc}")
        lj = ja2 if ja2["leader"] == ja2["member_id"] else jc
        check(sorted(m["member_id"] for m in lj["members"]) ==
              sorted([ja2["member_id"], jc["member_id"]]),
              f"B did not rejoin and must not be in generation {gen + 1}: {lj['members']}")
        h = bb.heartbeat(g, gen, jb["member_id"])
        check(h["error"] in (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION),
              f"B's heartbeat after being dropped: want 25 (or 22), got {h}")
        print(f"  rebalance without B completed {elapsed:.2f}s after C joined "
              f"(rebalance timeout 2 s)")


def test_leader_session_expires_while_follower_waits_in_sync():
    """Kafka: when the leader dies in CompletingRebalance (never sends SyncGroup), its session
    expires, and the followers' pending SyncGroup answers REBALANCE_IN_PROGRESS (27) so they
    rejoin; the rejoining follower then forms the next generation alone."""
    b = broker()
    g = gid()
    with RawGroupClient(b) as a, RawGroupClient(b) as bb:
        ja = a.join_new(g, session_timeout=6000, rebalance_timeout=10000)
        check(ja["error"] == 0, f"{ja}")
        a.sync(g, ja["generation"], ja["member_id"], {ja["member_id"]: b""})
        jb_h = in_thread(bb.join_new, g, session_timeout=6000, rebalance_timeout=10000)
        wait_until(lambda: a.heartbeat(g, ja["generation"], ja["member_id"])["error"] ==
                   REBALANCE_IN_PROGRESS, 15, "A should see B's join")
        ja = a.join(g, ja["member_id"], session_timeout=6000, rebalance_timeout=10000)
        jb = jb_h.result(20)
        check(ja["error"] == 0 and jb["error"] == 0, f"A {ja} B {jb}")
        # Make A the silent one whatever the broker chose as leader: the leader never syncs.
        leader, follower = (ja, jb) if ja["leader"] == ja["member_id"] else (jb, ja)
        fcl = bb if follower is jb else a
        t0 = time.monotonic()
        s = fcl.sync(g, follower["generation"], follower["member_id"], {}, timeout=40)
        waited = time.monotonic() - t0
        check(s["error"] == REBALANCE_IN_PROGRESS,
              f"follower's SyncGroup after the leader's session expired: want 27, got {s}")
        check(waited >= 3, f"SyncGroup answered after {waited:.1f}s, before the leader's "
                           f"6 s session could expire")
        print(f"  follower's SyncGroup answered 27 after {waited:.2f}s (leader session 6 s)")
        j = fcl.join(g, follower["member_id"], session_timeout=6000, rebalance_timeout=10000)
        check(j["error"] == 0 and j["leader"] == follower["member_id"] and
              [m["member_id"] for m in j["members"]] == [follower["member_id"]],
              f"the follower should form the next generation alone: {j}")


def test_group_max_size():
    with group_broker(**{"group.max.size": 2}) as b:
        g = gid()
        with RawGroupClient(b) as a, RawGroupClient(b) as bb, RawGroupClient(b) as cc:
            ja = a.join_new(g, rebalance_timeout=10000)
            check(ja["error"] == 0, f"{ja}")
            a.sync(g, ja["generation"], ja["member_id"], {})
            jb_h = in_thread(bb.join_new, g, rebalance_timeout=10000)
            wait_until(lambda: a.heartbeat(g, ja["generation"], ja["member_id"])["error"] ==
                       REBALANCE_IN_PROGRESS, 15, "A should see B's join")
            a.join(g, ja["member_id"], rebalance_timeout=10000)
            check(jb_h.result(20)["error"] == 0, "B joins (2 of 2)")
            jc = cc.join_new(g, rebalance_timeout=10000)
            check(jc["error"] == 81, f"third member with group.max.size=2: want "
                                     f"GROUP_MAX_SIZE_REACHED (81), got {jc}")


def test_inconsistent_group_protocol():
    b = broker()
    g = gid()
    with RawGroupClient(b) as a, RawGroupClient(b) as bb:
        join_and_sync(a, g)
        j = bb.join(g, "", version=3, protocol_type="connect")
        check(j["error"] == INCONSISTENT_GROUP_PROTOCOL,
              f"other protocol type: want INCONSISTENT_GROUP_PROTOCOL (23), got {j}")
        j = bb.join(g, "", version=3, protocols=[("no-such-assignor", b"")])
        check(j["error"] == INCONSISTENT_GROUP_PROTOCOL,
              f"no common protocol: want INCONSISTENT_GROUP_PROTOCOL (23), got {j}")


def test_offset_fetch_unknown_group():
    b = broker()
    with RawGroupClient(b) as cl:
        for v in (1, 2, 3, 4, 5):
            g = gid("unknown")
            f = cl.offset_fetch(g, [("some-topic", 0), ("some-topic", 3)], version=v)
            check(f["error"] == 0, f"OffsetFetch v{v} unknown group: top-level error {f}")
            check(f["offsets"] == {("some-topic", 0): (-1, f["offsets"][("some-topic", 0)][1], 0),
                                   ("some-topic", 3): (-1, f["offsets"][("some-topic", 3)][1], 0)},
                  f"OffsetFetch v{v} unknown group: want offset -1 error 0, got {f}")
            if v >= 2:
                f = cl.offset_fetch(g, None, version=v)
                check(f["error"] == 0 and f["offsets"] == {},
                      f"OffsetFetch v{v} all partitions of an unknown group: {f}")


def test_standalone_commit_fetch_every_version():
    b = broker()
    topic = unique_topic("sc")
    create_topic(b.bootstrap, topic, 3)
    with RawGroupClient(b) as cl:
        for v in (2, 3, 4, 5, 6, 7):
            g = gid(f"simple-v{v}")
            c = cl.offset_commit(g, {(topic, 0): 10 + v, (topic, 2): 1000 + v}, version=v,
                                 metadata=f"m{v}")
            check(c["errors"] == {(topic, 0): 0, (topic, 2): 0},
                  f"OffsetCommit v{v} (generation -1, no member): {c}")
            for fv in (1, 5):
                f = cl.offset_fetch(g, [(topic, 0), (topic, 1), (topic, 2)], version=fv)
                got = {k: (o, e) for k, (o, m, e) in f["offsets"].items()}
                check(got == {(topic, 0): (10 + v, 0), (topic, 1): (-1, 0),
                              (topic, 2): (1000 + v, 0)},
                      f"OffsetFetch v{fv} after OffsetCommit v{v}: {f}")
                check(f["offsets"][(topic, 0)][1] == f"m{v}",
                      f"commit metadata not returned: {f['offsets'][(topic, 0)]}")
            f = cl.offset_fetch(g, None, version=5)
            check({k: o for k, (o, m, e) in f["offsets"].items()} ==
                  {(topic, 0): 10 + v, (topic, 2): 1000 + v},
                  f"OffsetFetch v5 of all partitions: {f}")
        lg = cl.list_groups()
        check(any(k.startswith("simple-v2") for k in lg["groups"]),
              f"ListGroups should include the commit-only groups: {sorted(lg['groups'])}")
        d = cl.describe_groups(["never-seen-" + uuid.uuid4().hex])
        (dg,) = d["groups"].values()
        check(dg["error"] == 0 and dg["state"] == "Dead" and not dg["members"],
              f"DescribeGroups of an unknown group: want error 0 state Dead, got {dg}")


def test_delete_groups_and_offset_delete():
    b = broker()
    topic = unique_topic("dg")
    create_topic(b.bootstrap, topic, 2)
    with RawGroupClient(b) as cl, RawGroupClient(b) as member:
        empty = gid("empty")
        c = cl.offset_commit(empty, {(topic, 0): 3, (topic, 1): 4})
        check(set(c["errors"].values()) == {0}, f"{c}")
        busy = gid("busy")
        join_and_sync(member, busy, topic)
        missing = gid("missing")
        r = cl.delete_groups([empty, busy, missing], version=0)
        check(r["results"] == {empty: 0, busy: NON_EMPTY_GROUP, missing: GROUP_ID_NOT_FOUND},
              f"DeleteGroups: want empty→0, busy→NON_EMPTY_GROUP (68), missing→"
              f"GROUP_ID_NOT_FOUND (69), got {r}")
        f = cl.offset_fetch(empty, [(topic, 0), (topic, 1)])
        check({k: o for k, (o, m, e) in f["offsets"].items()} == {(topic, 0): -1, (topic, 1): -1},
              f"offsets of a deleted group must be gone: {f}")
        check(empty not in cl.list_groups()["groups"], "deleted group still listed")
        r = cl.delete_groups([empty], version=1)
        check(r["results"] == {empty: GROUP_ID_NOT_FOUND}, f"deleting twice: {r}")
        # The id can be used again: a fresh group, first generation.
        with RawGroupClient(b) as again:
            mid, gen = join_and_sync(again, empty, topic)
            check(gen == 1, f"re-created group {empty} should start at generation 1, got {gen}")
            again.leave(empty, mid)

        og = gid("od")
        cl.offset_commit(og, {(topic, 0): 7, (topic, 1): 8})
        r = cl.offset_delete(og, [(topic, 0)])
        check(r["error"] == 0 and r["errors"] == {(topic, 0): 0}, f"OffsetDelete: {r}")
        f = cl.offset_fetch(og, [(topic, 0), (topic, 1)])
        check({k: o for k, (o, m, e) in f["offsets"].items()} == {(topic, 0): -1, (topic, 1): 8},
              f"after OffsetDelete of partition 0: {f}")


def test_many_groups_list_describe_delete_and_restart():
    """120 commit-only groups spread over all __consumer_offsets partitions (group shards):
    ListGroups lists all, one DescribeGroups / OffsetFetch / DeleteGroups request spanning
    every shard answers for every group, and the offsets are all back after a restart."""
    b = broker()
    topic = unique_topic("many")
    create_topic(b.bootstrap, topic, 2)
    groups = [gid(f"many{i}") for i in range(120)]
    with RawGroupClient(b) as cl:
        for i, g in enumerate(groups):
            c = cl.offset_commit(g, {(topic, 0): i, (topic, 1): 1000 + i})
            check(set(c["errors"].values()) == {0}, f"{g}: {c}")
        listed = cl.list_groups()["groups"]
        missing = [g for g in groups if g not in listed]
        check(not missing, f"ListGroups misses {len(missing)} of {len(groups)} groups, e.g. "
                           f"{missing[:3]}")
        d = cl.describe_groups(groups)["groups"]
        check(sorted(d) == sorted(groups), f"DescribeGroups answered for {len(d)} of "
                                           f"{len(groups)} groups")
        bad = {g: (x["error"], x["state"]) for g, x in d.items()
               if x["error"] != 0 or x["state"] != "Empty"}
        check(not bad, f"commit-only groups should be Empty with error 0: {list(bad.items())[:3]}")
    b.stop()
    b.start()
    with RawGroupClient(b) as cl:
        wait_until(lambda: cl.list_groups()["error"] == 0, 15, "ListGroups after restart")
        wrong = {}
        for i, g in enumerate(groups):
            f = cl.offset_fetch(g, [(topic, 0), (topic, 1)])
            got = {k: o for k, (o, m, e) in f["offsets"].items()}
            if got != {(topic, 0): i, (topic, 1): 1000 + i}:
                wrong[g] = got
        check(not wrong, f"{len(wrong)} groups lost/changed offsets in the restart: "
                         f"{list(wrong.items())[:3]}")
        r = cl.delete_groups(groups)
        check(r["results"] == {g: 0 for g in groups},
              f"DeleteGroups of all: {[(g, e) for g, e in r['results'].items() if e][:5]}, "
              f"{len(r['results'])} results")
        listed = cl.list_groups()["groups"]
        check(not [g for g in groups if g in listed], "deleted groups still listed")


def test_clean_shutdown_with_groups():
    b = broker()
    topic = unique_topic("rs")
    create_topic(b.bootstrap, topic, 2)
    g = gid("restart")
    deleted, od = gid("deleted"), gid("offset-deleted")
    with RawGroupClient(b) as cl:
        for i in range(30):  # the latest commit must win when __consumer_offsets is loaded
            c = cl.offset_commit(g, {(topic, 1): i * 3, (topic, 0): 1000 - i}, metadata=f"m{i}")
            check(set(c["errors"].values()) == {0}, f"{c}")
        c = cl.offset_commit(g, {(topic, 1): 42}, metadata="kept")
        check(c["errors"] == {(topic, 1): 0}, f"{c}")
        cl.offset_commit(deleted, {(topic, 0): 5})
        check(cl.delete_groups([deleted])["results"] == {deleted: 0}, "DeleteGroups")
        cl.offset_commit(od, {(topic, 0): 6, (topic, 1): 7})
        check(cl.offset_delete(od, [(topic, 0)])["errors"] == {(topic, 0): 0}, "OffsetDelete")
    b.stop()  # SIGTERM with live groups and committed offsets: exit code 0
    b.start()
    with RawGroupClient(b) as cl:
        # COORDINATOR_LOAD_IN_PROGRESS (14) is allowed while __consumer_offsets loads.
        lg = wait_until(lambda: (lambda r: r if r["error"] == 0 else None)(cl.list_groups()), 15,
                        "ListGroups should answer without error after the restart")
        check(g in lg["groups"],
              f"commit-only group {g} should be back after a restart: {sorted(lg['groups'])}")
        f = cl.offset_fetch(g, [(topic, 0), (topic, 1)])
        check(f["offsets"][(topic, 1)][:2] == (42, "kept") and
              f["offsets"][(topic, 0)][:2] == (1000 - 29, "m29"),
              f"after restart the latest commits must be back: {f['offsets']}")
        check(deleted not in lg["groups"], f"deleted group {deleted} is back after a restart")
        f = cl.offset_fetch(deleted, [(topic, 0)])
        check(f["offsets"][(topic, 0)][0] == -1, f"deleted group's offsets are back: {f}")
        f = cl.offset_fetch(od, [(topic, 0), (topic, 1)])
        check({k: o for k, (o, m, e) in f["offsets"].items()} == {(topic, 0): -1, (topic, 1): 7},
              f"OffsetDelete must survive a restart: {f['offsets']}")
    b.stop()


if __name__ == "__main__":
    main([test_find_coordinator_v1_group_is_this_node,
          test_join_v4_member_id_required_then_full_round,
          test_join_v3_assigns_member_id_directly,
          test_session_timeout_bounds,
          test_min_session_timeout_is_configurable,
          test_unknown_member_and_illegal_generation,
          test_offset_commit_unknown_topic_or_partition,
          test_two_members_rebalance_in_progress,
          test_member_not_rejoining_is_removed_after_rebalance_timeout,
          test_leader_session_expires_while_follower_waits_in_sync,
          test_group_max_size,
          test_inconsistent_group_protocol,
          test_offset_fetch_unknown_group,
          test_standalone_commit_fetch_every_version,
          test_delete_groups_and_offset_delete,
          test_many_groups_list_describe_delete_and_restart,
          test_clean_shutdown_with_groups])
