"""Partition assignment strategies through a real cafka-server (the broker only picks the
protocol and relays the leader's assignment; the clients run the assignors):

* confluent_kafka cooperative-sticky, 2 → 3 members: all partitions assigned, the rebalance is
  incremental (the first two members keep consuming and only give up what moves to the third,
  no revoke-everything), no partition owned by two members after each rebalance settles, every
  record read;
* confluent_kafka roundrobin over two topics;
* kafka-python groups with its default assignors (range, roundrobin) and with roundrobin only.
"""

import collections
import threading
import uuid

import kafka

from ckutil import admin, create_topic
from grouputil import (ConsumerThread, check_threads_ok, decode_assignment, generation_of,
                       group_broker, produce_seq, wait_settled)
from harness import check, main, unique_topic, wait_until

P = 6


def gname(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def check_all_seen(threads, produced, what):
    seen = collections.Counter(r[2] for t in threads for r in t.records)
    missing = set(produced) - set(seen)
    check(not missing, f"{what}: {len(missing)} records never delivered "
                       f"(first {sorted(missing)[:5]})")
    return seen


def group_protocol(bootstrap, group):
    gs = admin(bootstrap).list_groups(group=group, timeout=15)
    check(len(gs) == 1, f"list_groups({group}) {gs}")
    return gs[0]


def test_cooperative_sticky_two_then_three():
    with group_broker(**{"group.initial.rebalance.delay.ms": 500}) as b:
        topic = unique_topic("coop")
        create_topic(b.bootstrap, topic, P)
        produced = produce_seq(b.bootstrap, topic, 6000, P)
        group = gname("coop")
        all_parts = {(topic, p) for p in range(P)}
        conf = {"partition.assignment.strategy": "cooperative-sticky",
                "auto.commit.interval.ms": 200}
        ts = [ConsumerThread(b.bootstrap, group, [topic], name=f"s{i}", **conf)
              for i in range(2)]
        for t in ts:
            t.start()
        try:
            owned2 = wait_settled(ts, all_parts, 60, "2 cooperative members should settle",
                                  min_each=1)
            print(f"  2 members: { {n: sorted(p for _, p in s) for n, s in owned2.items()} }")
            check(all(len(s) == P // 2 for s in owned2.values()),
                  f"cooperative-sticky over {P} partitions and 2 members: {P // 2} each, got "
                  f"{owned2}")
            wait_until(lambda: check_threads_ok(ts) or
                       len({r[2] for t in ts for r in t.records}) >= 6000, 90,
                       "2 members should read the first 6000 records")
            gm = group_protocol(b.bootstrap, group)
            check(gm.protocol == "cooperative-sticky", f"group protocol {gm.protocol!r}")
            n_events = {t.name: len(t.snapshot()[1]) for t in ts}

            third = ConsumerThread(b.bootstrap, group, [topic], name="s2", **conf)
            third.start()
            ts.append(third)
            owned3 = wait_settled(ts, all_parts, 60, "3 cooperative members should settle",
                                  min_each=1)
            print(f"  3 members: { {n: sorted(p for _, p in s) for n, s in owned3.items()} }")
            sizes = sorted(len(s) for s in owned3.values())
            check(sizes[-1] - sizes[0] <= 1, f"balanced over 3 members: {owned3}")
            for t in ts[:2]:
                evs = t.snapshot()[1][n_events[t.name]:]
                revoked = {tp for ts_, kind, ps in evs if kind in ("revoke", "lost") for tp in ps}
                assigned = {tp for ts_, kind, ps in evs if kind == "assign" for tp in ps}
                check(revoked <= owned2[t.name] - owned3[t.name],
                      f"{t.name}: incremental rebalance should revoke only partitions that moved "
                      f"away ({sorted(owned2[t.name] - owned3[t.name])}), revoked "
                      f"{sorted(revoked)}; events {evs}")
                check(owned3[t.name] <= owned2[t.name] and not assigned,
                      f"{t.name}: sticky member should keep its partitions and get nothing new: "
                      f"before {sorted(owned2[t.name])} after {sorted(owned3[t.name])}")
                check(len(t.snapshot()[1]) > n_events[t.name] or owned3[t.name] == owned2[t.name],
                      f"{t.name}: no callbacks although its assignment changed")
            for t in ts:
                asg = {(tp.topic, tp.partition) for tp in t.call(lambda c: c.assignment())}
                check(asg == owned3[t.name], f"{t.name}: assignment() {sorted(asg)} != "
                                             f"callbacks {sorted(owned3[t.name])}")
            produced.update(produce_seq(b.bootstrap, topic, 6000, P, start=6000))
            wait_until(lambda: check_threads_ok(ts) or
                       len({r[2] for t in ts for r in t.records}) >= 12000, 90,
                       "3 members should read the second 6000 records")
        finally:
            for t in ts:
                if t.is_alive():
                    t.stop()
        seen = check_all_seen(ts, produced, "cooperative-sticky")
        second = [s for s in range(6000, 12000)]
        dup2 = [s for s in second if seen[s] > 1]
        check(not dup2, f"records produced after the 3-member group settled were delivered "
                        f"twice: {dup2[:5]}")


def test_subscription_change_rebalances():
    """A member that subscribes to one more topic rejoins with new metadata; the group
    rebalances and the new topic's partitions go to the only member subscribed to it (range),
    while the shared topic stays split."""
    with group_broker(**{"group.initial.rebalance.delay.ms": 300}) as b:
        t1, t2 = unique_topic("sa"), unique_topic("sb")
        create_topic(b.bootstrap, t1, 4)
        create_topic(b.bootstrap, t2, 3)
        group = gname("sub")
        x = ConsumerThread(b.bootstrap, group, [t1], name="x")
        y = ConsumerThread(b.bootstrap, group, [t1], name="y")
        for t in (x, y):
            t.start()
        try:
            wait_settled([x, y], {(t1, p) for p in range(4)}, 60, "two members on one topic")
            gen0 = x.call(generation_of)[0]
            y.call(lambda c: c.subscribe([t1, t2], on_assign=y._on_assign,
                                         on_revoke=y._on_revoke, on_lost=y._on_lost))
            owned = wait_settled([x, y], {(t, p) for t, n in ((t1, 4), (t2, 3))
                                          for p in range(n)}, 60,
                                 "after y subscribed to a second topic")
            check({tp for tp in owned["y"] if tp[0] == t2} == {(t2, p) for p in range(3)},
                  f"only y subscribes to {t2}, so it gets all of it: {owned}")
            check(len([tp for tp in owned["x"] if tp[0] == t1]) == 2, f"{t1} stays split: "
                                                                        f"{owned}")
            check(x.call(generation_of)[0] > gen0, "the subscription change needs a new "
                                                   "generation")
            produce_seq(b.bootstrap, t2, 300, 3)
            wait_until(lambda: check_threads_ok([x, y]) or
                       sum(1 for r in y.records if r[3] == t2) >= 300, 60,
                       f"y should read {t2}")
        finally:
            x.stop()
            y.stop()


def test_roundrobin_two_topics():
    with group_broker(**{"group.initial.rebalance.delay.ms": 500}) as b:
        t1, t2 = unique_topic("rra"), unique_topic("rrb")
        create_topic(b.bootstrap, t1, 3)
        create_topic(b.bootstrap, t2, 3)
        p1 = produce_seq(b.bootstrap, t1, 900, 3)
        p2 = produce_seq(b.bootstrap, t2, 900, 3, start=1000)
        group = gname("rr")
        all_parts = {(t, p) for t in (t1, t2) for p in range(3)}
        ts = [ConsumerThread(b.bootstrap, group, [t1, t2], name=f"r{i}",
                             partition_assignment_strategy="roundrobin") for i in range(2)]
        for t in ts:
            t.start()
        try:
            owned = wait_settled(ts, all_parts, 60, "roundrobin members should settle")
            check(all(len(s) == 3 for s in owned.values()), f"roundrobin: 3 each, got {owned}")
            wait_until(lambda: check_threads_ok(ts) or
                       len({r[2] for t in ts for r in t.records}) >= 1800, 60,
                       "roundrobin group should read both topics")
            gm = group_protocol(b.bootstrap, group)
            check(gm.protocol == "roundrobin", f"group protocol {gm.protocol!r}")
            union = []
            for m in gm.members:
                for t, ps in decode_assignment(m.assignment).items():
                    union += [(t, p) for p in ps]
            check(sorted(union) == sorted(all_parts), f"described assignments {sorted(union)}")
        finally:
            for t in ts:
                t.stop()
        check_all_seen(ts, {**p1, **p2}, "roundrobin")


class KpThread(threading.Thread):
    """A kafka-python group consumer polled on its own thread (kafka-python rejoins a
    rebalance only inside poll(), so two consumers polled alternately from one thread would
    block each other's JoinGroup)."""

    def __init__(self, bootstrap, group, topic, name, strategies):
        super().__init__(name=name, daemon=True)
        self.kw = dict(bootstrap_servers=bootstrap, group_id=group, client_id=name,
                       auto_offset_reset="earliest", session_timeout_ms=10000,
                       heartbeat_interval_ms=500, fetch_max_wait_ms=100,
                       auto_commit_interval_ms=200)
        if strategies is not None:
            self.kw["partition_assignment_strategy"] = strategies
        self.topic = topic
        self.records = []
        self.assigned = set()
        self.generation = None
        self.protocol = None
        self.error = None
        self.stop_ev = threading.Event()

    def run(self):
        try:
            c = kafka.KafkaConsumer(self.topic, **self.kw)
            try:
                while not self.stop_ev.is_set():
                    for rs in c.poll(timeout_ms=100, max_records=500).values():
                        self.records.extend((r.partition, r.offset) for r in rs)
                    self.assigned = {tp.partition for tp in c.assignment()}
                    gen = c._coordinator._generation
                    self.generation, self.protocol = gen.generation_id, gen.protocol
            finally:
                c.close()
        except Exception as e:  # noqa: BLE001
            self.error = e

    def stop(self):
        self.stop_ev.set()
        self.join(60)
        check(not self.is_alive(), f"{self.name} did not stop")


def kp_group(bootstrap, group, topic, n, strategies, timeout=120):
    """Two kafka-python consumers until n distinct records were read and their assignments are
    a disjoint cover of the topic. Returns (assignments, protocols)."""
    ts = [KpThread(bootstrap, group, topic, f"kp{i}", strategies) for i in range(2)]
    for t in ts:
        t.start()
    try:
        def progress():
            for t in ts:
                if t.error is not None:
                    raise AssertionError(f"kafka-python consumer {t.name}: {t.error!r}")
            a = [set(t.assigned) for t in ts]
            seen = {x for t in ts for x in list(t.records)}
            return (len(seen) >= n and a[0] and a[1] and not (a[0] & a[1]) and
                    a[0] | a[1] == set(range(P)) and ts[0].generation == ts[1].generation)
        try:
            wait_until(progress, timeout, "")
        except AssertionError as e:
            raise AssertionError(
                f"two kafka-python consumers ({strategies}) should share the {P} partitions "
                f"and read {n} records: {e}; assignments {[t.assigned for t in ts]}, "
                f"generations {[t.generation for t in ts]}, records "
                f"{len({x for t in ts for x in t.records})}")
        check(ts[0].generation >= 1, f"generation {ts[0].generation}")
        return [set(t.assigned) for t in ts], [t.protocol for t in ts]
    finally:
        for t in ts:
            t.stop()


def test_kafka_python_default_and_roundrobin_assignors():
    with group_broker(**{"group.initial.rebalance.delay.ms": 300}) as b:
        topic = unique_topic("kpa")
        create_topic(b.bootstrap, topic, P)
        produce_seq(b.bootstrap, topic, 3000, P)
        asg, protos = kp_group(b.bootstrap, gname("kpdef"), topic, 3000, None)
        print(f"  kafka-python default assignors: protocol {protos[0]}, assignments {asg}")
        check(protos == ["range", "range"], f"default (range, roundrobin) → range: {protos}")
        check(sorted(len(a) for a in asg) == [3, 3], f"range gives 3 + 3: {asg}")
        from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
        asg, protos = kp_group(b.bootstrap, gname("kprr"), topic, 3000,
                                     (RoundRobinPartitionAssignor,))
        check(protos == ["roundrobin", "roundrobin"], f"roundrobin only: {protos}")
        check(sorted(sorted(a) for a in asg) == [[0, 2, 4], [1, 3, 5]],
              f"roundrobin over one topic alternates partitions: {asg}")


def test_mixed_confluent_and_kafka_python_group():
    """librdkafka and kafka-python members in one group: the leader (whichever) decodes the
    other client's subscription and both get a disjoint half of the partitions (range)."""
    with group_broker(**{"group.initial.rebalance.delay.ms": 500}) as b:
        topic = unique_topic("mix")
        create_topic(b.bootstrap, topic, P)
        produced = produce_seq(b.bootstrap, topic, 3000, P)
        group = gname("mix")
        ck = ConsumerThread(b.bootstrap, group, [topic], name="ck")
        kp = KpThread(b.bootstrap, group, topic, "kp", None)
        ck.start()
        kp.start()
        try:
            def settled():
                check_threads_ok([ck])
                if kp.error is not None:
                    raise AssertionError(f"kafka-python member: {kp.error!r}")
                a, k = {p for _, p in ck.snapshot()[0]}, set(kp.assigned)
                got = {(r[0], r[1]) for r in list(ck.records)} | set(list(kp.records))
                return a and k and not (a & k) and a | k == set(range(P)) and len(got) >= 3000
            try:
                wait_until(settled, 90, "")
            except AssertionError as e:
                raise AssertionError(f"mixed group should share {P} partitions and read 3000 "
                                     f"records: {e}; confluent owns "
                                     f"{sorted(ck.snapshot()[0])}, kafka-python owns "
                                     f"{sorted(kp.assigned)}")
            check(kp.protocol == "range", f"common protocol should be range: {kp.protocol}")
            gm = group_protocol(b.bootstrap, group)
            check(gm.protocol == "range" and len(gm.members) == 2, f"{gm.protocol} {gm.members}")
        finally:
            ck.stop()
            kp.stop()
        got = {(r[0], r[1]) for r in ck.records} | set(kp.records)
        check(got == set(produced.values()),
              f"mixed group read {len(got)} of {len(produced)} distinct records")


if __name__ == "__main__":
    main([test_cooperative_sticky_two_then_three, test_subscription_change_rebalances,
          test_roundrobin_two_topics,
          test_kafka_python_default_and_roundrobin_assignors,
          test_mixed_confluent_and_kafka_python_group])
