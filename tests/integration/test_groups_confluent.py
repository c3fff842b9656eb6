"""Consumer groups with confluent_kafka (librdkafka 2.0.2) against a real cafka-server:
three subscribed consumers (one group, threads polling concurrently) read a 6-partition topic of
60,000 sequence-keyed records exactly once between them, with a disjoint assignment covering
all partitions and committed offsets at the end of every partition; a second group reads all
60,000 again independently; AdminClient.list_groups (ListGroups + DescribeGroups) shows both
groups with state, protocol, members, client ids and assignments."""

import collections
import threading
import uuid

from ckutil import admin, create_topic, produce_all, producer
from grouputil import (ConsumerThread, RawGroupClient, check_threads_ok, decode_assignment,
                       decode_subscription, group_broker, produce_seq, seq_key, seq_of,
                       wait_settled)
from harness import check, main, unique_topic, wait_until

N = 60000
P = 6


def check_exactly_once(threads, produced, what):
    seen = collections.Counter()
    for t in threads:
        for part, off, seq, _topic in t.records:
            check(produced.get(seq) == (part, off),
                  f"{what}: {t.name} got seq {seq} at {part}/{off}, produced at "
                  f"{produced.get(seq)}")
            seen[seq] += 1
    dups = sorted(s for s, n in seen.items() if n > 1)
    missing = sorted(set(produced) - set(seen))
    by_part = collections.Counter(produced[s][0] for s in dups)
    check(not dups, f"{what}: {len(dups)} records delivered more than once within the group "
                    f"(first {dups[:5]}, per partition {dict(by_part)})")
    check(not missing, f"{what}: {len(missing)} records never delivered (first {missing[:5]})")


def wait_committed_at_end(b, group, topic, end, timeout=60):
    want = {(topic, p): end[p] for p in range(P)}
    last = {}

    def done():
        with RawGroupClient(b) as cl:
            f = cl.offset_fetch(group, list(want))
        last["got"] = {k: o for k, (o, m, e) in f["offsets"].items()}
        return last["got"] == want

    try:
        wait_until(done, timeout, "")
    except AssertionError:
        raise AssertionError(f"group {group}: committed offsets (OffsetFetch) {last.get('got')} "
                             f"never reached the end offsets {want} within {timeout}s")


def describe(a, group):
    gs = a.list_groups(group=group, timeout=15)
    check(len(gs) == 1 and gs[0].id == group, f"list_groups(group={group}) returned {gs}")
    g = gs[0]
    check(g.error is None, f"group {group}: error {g.error}")
    return g


def check_described_assignment(g, topic, want_clients):
    check(g.protocol_type == "consumer", f"{g.id}: protocol_type {g.protocol_type!r}")
    check(g.protocol == "range", f"{g.id}: protocol {g.protocol!r} (librdkafka's default "
                                 f"range,roundrobin → range)")
    check(sorted(m.client_id for m in g.members) == sorted(want_clients),
          f"{g.id}: member client ids {[m.client_id for m in g.members]} != {want_clients}")
    union = []
    for m in g.members:
        check(m.id and m.client_host, f"{g.id}: member without id/host: {m.id!r} "
                                      f"{m.client_host!r}")
        check(decode_subscription(m.metadata)["topics"] == [topic],
              f"{g.id}: member {m.client_id} subscription {decode_subscription(m.metadata)}")
        asg = decode_assignment(m.assignment)
        check(set(asg) <= {topic}, f"{g.id}: member {m.client_id} assignment {asg}")
        union += asg.get(topic, [])
    check(sorted(union) == list(range(P)),
          f"{g.id}: described assignments {sorted(union)} are not a disjoint cover of 0..{P - 1}")


def test_three_consumers_exactly_once_then_second_group_and_list_groups():
    with group_broker(**{"group.initial.rebalance.delay.ms": 1000}) as b:
        topic = unique_topic("grp")
        create_topic(b.bootstrap, topic, P)
        produced = produce_seq(b.bootstrap, topic, N, P)
        end = {p: sum(1 for (pp, _) in produced.values() if pp == p) for p in range(P)}
        all_parts = {(topic, p) for p in range(P)}

        g1 = "g1-" + uuid.uuid4().hex[:8]
        c1 = [ConsumerThread(b.bootstrap, g1, [topic], name=f"c{i}", client_id=f"c{i}",
                             auto_commit_interval_ms=300) for i in range(3)]
        for t in c1:
            t.start()
        try:
            wait_until(lambda: check_threads_ok(c1) or sum(t.count() for t in c1) >= N, 180,
                       f"group {g1}: 3 consumers should read {N} records")
            owned = wait_settled(c1, all_parts, 60, f"group {g1}: assignment should settle to "
                                 f"a disjoint cover of {P} partitions", min_each=1)
            print(f"  {g1} assignment: {({n: sorted(p for _, p in s) for n, s in owned.items()})}")
            sizes = sorted(len(s) for s in owned.values())
            check(sizes[-1] - sizes[0] <= 1,
                  f"range over {P} partitions and 3 members is balanced: {owned}")
            for t in c1:  # librdkafka's view agrees with the rebalance callbacks
                asg = {(tp.topic, tp.partition) for tp in t.call(lambda c: c.assignment())}
                check(asg == owned[t.name], f"{t.name}: assignment() {asg} != callbacks "
                                            f"{owned[t.name]}")
            wait_committed_at_end(b, g1, topic, end)
            a = admin(b.bootstrap)
            g = describe(a, g1)
            check(g.state == "Stable", f"{g1} with 3 live members: state {g.state!r}")
            check_described_assignment(g, topic, ["c0", "c1", "c2"])
        finally:
            for t in c1:
                t.stop()
        check_exactly_once(c1, produced, f"group {g1}")
        for t in c1:
            print(f"  {t.name}: {t.count()} records, {len(t.events)} rebalance callbacks")

        # Every member left (close() sends LeaveGroup): the group is Empty, offsets stay.
        g = wait_until(lambda: (lambda x: x if x.state == "Empty" else None)(describe(a, g1)),
                       20, f"{g1} should be Empty after all members closed")
        check(not g.members, f"{g1} Empty but members {g.members}")

        # A second group reads everything again, independently of g1's offsets.
        g2 = "g2-" + uuid.uuid4().hex[:8]
        c2 = [ConsumerThread(b.bootstrap, g2, [topic], name=f"d{i}", client_id=f"d{i}")
              for i in range(2)]
        for t in c2:
            t.start()
        try:
            wait_until(lambda: check_threads_ok(c2) or sum(t.count() for t in c2) >= N, 180,
                       f"group {g2}: should read all {N} records again")
            wait_settled(c2, all_parts, 60, f"group {g2}: assignment should settle")
            wait_committed_at_end(b, g2, topic, end)
            all_groups = {x.id: x for x in a.list_groups(timeout=15)}
            check(g1 in all_groups and g2 in all_groups,
                  f"list_groups() should show {g1} and {g2}: {sorted(all_groups)}")
            check(all_groups[g1].state == "Empty", f"{g1}: {all_groups[g1].state}")
            check(all_groups[g2].state == "Stable", f"{g2}: {all_groups[g2].state}")
            check_described_assignment(all_groups[g2], topic, ["d0", "d1"])
            check(not any(x.startswith("__") for x in all_groups), f"{sorted(all_groups)}")
        finally:
            for t in c2:
                t.stop()
        check_exactly_once(c2, produced, f"group {g2}")
        # g1's committed offsets were not touched by g2.
        wait_committed_at_end(b, g1, topic, end, timeout=10)


def test_membership_churn_while_producing():
    """Members join one by one (1 → 6) and then three leave cleanly, while a producer keeps
    writing small chunks to 12 partitions the whole time: every rebalance (eager, auto-commit on
    revoke) hands partitions over at the committed offset, so each record is delivered exactly
    once."""
    churn("range")


def test_membership_churn_cooperative_sticky():
    """The same churn with incremental (cooperative-sticky) rebalances: two JoinGroup rounds per
    change, members keep fetching the partitions they keep."""
    churn("cooperative-sticky")


def churn(strategy):
    parts = 12
    with group_broker(**{"group.initial.rebalance.delay.ms": 300}) as b:
        topic = unique_topic("churn")
        create_topic(b.bootstrap, topic, parts)
        group = "churn-" + uuid.uuid4().hex[:8]
        produced = {}
        prod_err = []
        churn_done = threading.Event()

        def produce():
            try:
                p = producer(b.bootstrap, linger_ms=5)
                seq = 0
                while not churn_done.is_set() and seq < 80000:
                    recs = [{"key": seq_key(i), "value": b"x" * 20, "partition": i % parts}
                            for i in range(seq, seq + 200)]
                    for r in produce_all(p, topic, recs, timeout=60):
                        produced[seq_of(r["key"])] = (r["partition"], r["offset"])
                    seq += 200
                    churn_done.wait(0.03)  # rate limit: data keeps arriving during the churn
            except BaseException as e:  # noqa: BLE001
                prod_err.append(e)
        pt = threading.Thread(target=produce, daemon=True)
        pt.start()
        members = []
        all_parts = {(topic, p) for p in range(parts)}
        try:
            for i in range(6):
                t = ConsumerThread(b.bootstrap, group, [topic], name=f"m{i}",
                                   auto_commit_interval_ms=300,
                                   partition_assignment_strategy=strategy)
                t.start()
                members.append(t)
                wait_settled(members, all_parts, 60, f"{len(members)} members should settle",
                             stable_for=0.3)
            for i in range(3):
                members[i].stop()
                wait_settled(members[i + 1:], all_parts, 60, f"after {members[i].name} left, "
                             f"the rest should own all partitions", stable_for=0.3)
            churn_done.set()
            pt.join(60)
            check(not pt.is_alive() and not prod_err, f"producer: {prod_err}")
            total = len(produced)
            print(f"  {total} records produced during the churn")
            try:
                wait_until(lambda: check_threads_ok(members[3:]) or
                           len({r[2] for t in members for r in t.records}) >= total, 120, "")
            except AssertionError:
                seen = {r[2] for t in members for r in t.records}
                miss = collections.Counter(produced[s][0] for s in set(produced) - seen)
                with RawGroupClient(b) as cl:
                    f = cl.offset_fetch(group, [(topic, p) for p in range(parts)])
                owners = {t.name: sorted(p for _, p in t.snapshot()[0]) for t in members[3:]}
                raise AssertionError(
                    f"only {len(seen)} of {total} records read; missing per partition "
                    f"{dict(miss)}; committed "
                    f"{ {p: o for (_, p), (o, m, e) in f['offsets'].items()} }; owners {owners}")
            end = {p: 0 for p in range(parts)}
            for part, _ in produced.values():
                end[part] += 1
            want = {(topic, p): end[p] for p in range(parts)}

            def committed_end():
                with RawGroupClient(b) as cl:
                    f = cl.offset_fetch(group, list(want))
                return {k: o for k, (o, m, e) in f["offsets"].items()} == want
            wait_until(committed_end, 30, "committed offsets should reach the end")
        finally:
            churn_done.set()
            for t in members:
                if t.is_alive():
                    t.stop()
        for t in members:
            print(f"  {t.name}: {t.count()} records, "
                  f"{sum(1 for e in t.events if e[1] == 'assign')} assignments")
        seen = collections.Counter()
        for t in members:
            for part, off, seq, _ in t.records:
                check(produced.get(seq) == (part, off), f"seq {seq} at {part}/{off}")
                seen[seq] += 1
        dups = sorted(s for s, n in seen.items() if n > 1)
        missing = sorted(set(produced) - set(seen))
        check(not missing, f"{len(missing)} records never delivered (first {missing[:5]})")
        check(not dups, f"{len(dups)} records delivered twice across clean rebalances (first "
                        f"{dups[:5]}, partitions {sorted({produced[s][0] for s in dups})})")


if __name__ == "__main__":
    main([test_three_consumers_exactly_once_then_second_group_and_list_groups,
          test_membership_churn_while_producing, test_membership_churn_cooperative_sticky])
