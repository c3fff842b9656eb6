"""Committed offsets (OffsetCommit/OffsetFetch, persisted in __consumer_offsets) against a real
cafka-server:

* confluent_kafka: sync commit of explicit offsets, committed() returns them, the broker logs
  per-partition lag lines (group.lag.log.interval.ms), the offsets survive a clean restart and a
  kill -9, and a new consumer of the group resumes exactly there (no re-delivery, no gap);
* auto-commit survives a restart the same way;
* kafka-python KafkaConsumer(group_id=...) subscribes, commits (positions and explicit offsets
  with metadata); KafkaAdminClient.list_consumer_group_offsets / describe_consumer_groups /
  list_consumer_groups agree;
* DeleteGroups: an empty group is deleted (its offsets are gone), a group with a live member →
  NON_EMPTY_GROUP (68), via kafka-python's delete_consumer_groups and raw frames.
"""

import collections
import time
import uuid

import kafka
import kafka.errors
from kafka.structs import OffsetAndMetadata
from kafka.structs import TopicPartition as KTP

from ckutil import TopicPartition, create_topic
from grouputil import (NON_EMPTY_GROUP, ConsumerThread, RawGroupClient, check_threads_ok,
                       group_broker, group_consumer, kp_call, lag_lines, produce_seq)
from harness import check, main, unique_topic, wait_until

P = 4


def gname(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def per_partition_end(produced):
    end = {p: 0 for p in range(P)}
    for part, _ in produced.values():
        end[part] += 1
    return end


def wait_assigned(c, n_parts, timeout=60):
    """Poll (consuming nothing: the caller's offsets matter) until subscribe() got partitions."""
    out = []

    def assigned():
        out.extend(m for m in c.consume(num_messages=100, timeout=0.2) if not m.error())
        return len(c.assignment()) == n_parts
    wait_until(assigned, timeout, f"subscribe() should be assigned {n_parts} partitions")
    return out


def consume_n(c, n, timeout=90):
    """Consume until n records arrived, then poll a little longer for unexpected extra ones."""
    got = []

    def enough():
        for m in c.consume(num_messages=1000, timeout=0.2):
            check(m.error() is None, f"consumer error {m.error()}")
            got.append((m.partition(), m.offset()))
        return len(got) >= n
    wait_until(enough, timeout, f"should consume {n} records (got {len(got)})")
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        got.extend((m.partition(), m.offset()) for m in c.consume(num_messages=1000, timeout=0.2)
                   if not m.error())
    return got


def check_resumed_at(got, committed, end, what):
    for p in range(P):
        offs = sorted(o for (pp, o) in got if pp == p)
        want = list(range(committed[p], end[p]))
        check(offs == want, f"{what}: partition {p} should deliver exactly offsets "
                            f"{committed[p]}..{end[p] - 1} (resume at the committed offset), got "
                            f"{len(offs)} records, first {offs[:3]}, last {offs[-3:]}")


def fetch_committed(bootstrap, group, topic):
    c = group_consumer(bootstrap, group, enable_auto_commit=False)
    try:
        res = c.committed([TopicPartition(topic, p) for p in range(P)], timeout=15)
        return {tp.partition: tp.offset for tp in res}
    finally:
        c.close()


def test_sync_commit_lag_log_and_restarts():
    b = group_broker(**{"group.lag.log.interval.ms": 500})
    try:
        topic = unique_topic("oc")
        create_topic(b.bootstrap, topic, P)
        produced = produce_seq(b.bootstrap, topic, 4000, P)
        end = per_partition_end(produced)
        group = gname("sync")
        want = {0: 100, 1: 250, 2: 999, 3: end[3]}

        c = group_consumer(b.bootstrap, group, enable_auto_commit=False)
        c.subscribe([topic])
        wait_assigned(c, P)
        for i in range(1, 41):  # older commits: loading must keep the latest one
            c.commit(offsets=[TopicPartition(topic, p, i * 20 + p) for p in range(P)],
                     asynchronous=False)
        res = c.commit(offsets=[TopicPartition(topic, p, o) for p, o in want.items()],
                       asynchronous=False)
        check(all(tp.error is None for tp in res), f"commit() errors: {res}")
        got = {tp.partition: tp.offset for tp in
               c.committed([TopicPartition(topic, p) for p in range(P)], timeout=15)}
        check(got == want, f"committed() {got} != committed {want}")

        # Lag lines: "group <g>: <topic>-<p> committed=<c> end=<e> lag=<e-c>".
        def lag_ok():
            lines = lag_lines(b.log_text(), group)
            latest = {}
            for ln in lines:
                if ln["topic"] == topic:
                    latest[ln["partition"]] = ln
            return all(p in latest for p in range(P)) and all(
                latest[p]["committed"] == want[p] and latest[p]["end"] == end[p] and
                latest[p]["lag"] == end[p] - want[p] for p in latest)
        try:
            wait_until(lag_ok, 15, "")
        except AssertionError:
            raise AssertionError(
                f"broker log should contain lag lines 'group {group}: {topic}-<p> committed=.. "
                f"end=.. lag=..' for all {P} partitions with committed {want} end {end}; found "
                f"{lag_lines(b.log_text(), group)[-8:]}")
        c.close()  # auto-commit is off: close() must not commit positions

        b.restart()
        check(fetch_committed(b.bootstrap, group, topic) == want,
              "committed offsets after a clean restart differ")
        b.kill9()
        b.start()
        check(fetch_committed(b.bootstrap, group, topic) == want,
              "committed offsets after kill -9 + start differ (acknowledged commits must "
              "survive a process crash)")

        c = group_consumer(b.bootstrap, group, enable_auto_commit=False)
        c.subscribe([topic])
        got = consume_n(c, sum(end[p] - want[p] for p in range(P)))
        c.close()
        check_resumed_at(got, want, end, "new consumer after restarts")
        b.stop()
    except BaseException:
        if b.alive():
            b.dump_log()
            b.kill9()
        raise


def test_auto_commit_survives_restart():
    with group_broker() as b:
        topic = unique_topic("ac")
        create_topic(b.bootstrap, topic, P)
        produced = produce_seq(b.bootstrap, topic, 4000, P)
        end = per_partition_end(produced)
        group = gname("auto")
        c = group_consumer(b.bootstrap, group, enable_auto_commit=True,
                           auto_commit_interval_ms=200)
        c.subscribe([topic])
        got = consume_n(c, 4000)
        check(len(got) == 4000 and len(set(got)) == 4000, f"{len(got)} records, "
                                                          f"{len(set(got))} distinct")

        def auto_committed():
            with RawGroupClient(b) as cl:
                f = cl.offset_fetch(group, [(topic, p) for p in range(P)])
            return {p: f["offsets"][(topic, p)][0] for p in range(P)} == end
        wait_until(auto_committed, 20, f"auto-commit should commit the end offsets {end} "
                                       f"while the consumer is still running")
        c.close()
        b.restart()
        more = produce_seq(b.bootstrap, topic, 400, P, start=4000)
        end2 = per_partition_end({**produced, **more})
        check(fetch_committed(b.bootstrap, group, topic) == end, "auto-committed offsets lost "
                                                                 "by the restart")
        c = group_consumer(b.bootstrap, group, enable_auto_commit=True)
        c.subscribe([topic])
        got = consume_n(c, 400)
        c.close()
        check_resumed_at(got, end, end2, "auto-commit group after restart")


def test_live_group_survives_broker_kill9():
    """Two subscribed consumers keep running while the broker is killed (-9) and restarted:
    they reconnect, the group re-forms, nothing committed before the crash is delivered again
    and everything produced afterwards is read."""
    b = group_broker()
    ts = []
    try:
        topic = unique_topic("lk")
        create_topic(b.bootstrap, topic, P)
        first = produce_seq(b.bootstrap, topic, 4000, P)
        end1 = per_partition_end(first)
        group = gname("live")
        ts = [ConsumerThread(b.bootstrap, group, [topic], name=f"l{i}", allow_errors=True,
                             auto_commit_interval_ms=200, reconnect_backoff_max_ms=500)
              for i in range(2)]
        for t in ts:
            t.start()
        wait_until(lambda: check_threads_ok(ts) or
                   len({r[2] for t in ts for r in t.records}) >= 4000, 60,
                   "2 members should read the first 4000 records")

        def committed_now():
            with RawGroupClient(b) as cl:
                f = cl.offset_fetch(group, [(topic, p) for p in range(P)])
            return {p: f["offsets"][(topic, p)][0] for p in range(P)}
        wait_until(lambda: committed_now() == end1, 20, f"auto-commit should reach {end1}")
        n_before = {t.name: t.count() for t in ts}
        b.kill9()
        b.start()
        t_restart = time.monotonic()
        second = produce_seq(b.bootstrap, topic, 4000, P, start=4000)
        wait_until(lambda: check_threads_ok(ts) or
                   len({r[2] for t in ts for r in t.records}) >= 8000, 90,
                   "the members should read the 4000 records produced after the broker restart")
        print(f"  consumers read everything {time.monotonic() - t_restart:.2f}s after the "
              f"restart; client errors seen meanwhile: "
              f"{sorted({str(e.code()) for t in ts for e in t.errors})}")

        def stable():
            with RawGroupClient(b) as cl:
                d = cl.describe_groups([group])["groups"][group]
            return d["state"] == "Stable" and len(d["members"]) == 2
        wait_until(stable, 30, "the group should be Stable with 2 members after the restart")
        for t in ts:
            t.stop()
        seen = collections.Counter(r[2] for t in ts for r in t.records)
        redelivered = sorted(s for s in first if seen[s] > 1)
        check(not redelivered,
              f"{len(redelivered)} records committed before the crash were delivered again "
              f"(first {redelivered[:5]}); reads after the restart: "
              f"{ {t.name: t.count() - n_before[t.name] for t in ts} }")
        missing = sorted(set(second) - set(seen))
        check(not missing, f"{len(missing)} records produced after the restart never read")
        b.stop()
    except BaseException:
        for t in ts:
            t._stop_ev.set()
        if b.alive():
            b.dump_log()
            b.kill9()
        raise


def test_kafka_python_group_commit_and_admin():
    with group_broker() as b:
        topic = unique_topic("kp")
        create_topic(b.bootstrap, topic, P)
        produced = produce_seq(b.bootstrap, topic, 2000, P)
        end = per_partition_end(produced)
        group = gname("kp")
        kc = kafka.KafkaConsumer(topic, bootstrap_servers=b.bootstrap, group_id=group,
                                 client_id="kp-member", auto_offset_reset="earliest",
                                 enable_auto_commit=False, session_timeout_ms=10000,
                                 heartbeat_interval_ms=1000, request_timeout_ms=30000,
                                 fetch_max_wait_ms=100)
        admin = kafka.KafkaAdminClient(bootstrap_servers=b.bootstrap, request_timeout_ms=10000)
        try:
            seen = set()

            def poll_all():
                for recs in kc.poll(timeout_ms=200, max_records=1000).values():
                    seen.update((r.partition, r.offset) for r in recs)
                return len(seen) >= 2000
            wait_until(poll_all, 90, "kafka-python group consumer should read 2000 records")
            check(len(seen) == 2000, f"{len(seen)} distinct records")
            check({tp.partition for tp in kc.assignment()} == set(range(P)),
                  f"kafka-python assignment {kc.assignment()}")
            kc.commit()  # synchronous commit of the positions
            for p in range(P):
                got = kc.committed(KTP(topic, p))
                check(got == end[p], f"kafka-python committed({p}) {got} != {end[p]}")
            offs = kp_call(lambda: admin.list_consumer_group_offsets(group))
            check({tp.partition: om.offset for tp, om in offs.items() if tp.topic == topic} ==
                  end, f"list_consumer_group_offsets {offs} != {end}")

            kc.commit({KTP(topic, 1): OffsetAndMetadata(7, "kp-meta")})
            offs = kp_call(lambda: admin.list_consumer_group_offsets(group))
            check(offs[KTP(topic, 1)] == OffsetAndMetadata(7, "kp-meta"),
                  f"explicit commit with metadata: {offs.get(KTP(topic, 1))}")
            check(fetch_committed(b.bootstrap, group, topic)[1] == 7,
                  "confluent committed() disagrees with kafka-python's commit")

            groups = kp_call(lambda: admin.list_consumer_groups())
            check((group, "consumer") in groups, f"list_consumer_groups {groups}")
            (desc,) = kp_call(lambda: admin.describe_consumer_groups([group]))
            check(desc.state == "Stable" and desc.protocol_type == "consumer",
                  f"describe_consumer_groups: {desc}")
            check(desc.protocol in ("range", "roundrobin"), f"protocol {desc.protocol}")
            check(len(desc.members) == 1 and desc.members[0].client_id == "kp-member",
                  f"members {desc.members}")
            asg = desc.members[0].member_assignment
            check(sorted(p for t, ps in asg.assignment for p in ps) == list(range(P)),
                  f"described assignment {asg}")

            # Non-empty group: DeleteGroups → NON_EMPTY_GROUP (68).
            res = kp_call(lambda: admin.delete_consumer_groups([group]))
            check(res == [(group, kafka.errors.NonEmptyGroupError)],
                  f"delete_consumer_groups of a group with a live member: want "
                  f"NonEmptyGroupError (68), got {res}")
            with RawGroupClient(b) as cl:
                r = cl.delete_groups([group])
            check(r["results"] == {group: NON_EMPTY_GROUP}, f"raw DeleteGroups: {r}")
        finally:
            kc.close()  # LeaveGroup; no commit (auto-commit off)
        try:
            wait_until(lambda: kp_call(lambda: admin.describe_consumer_groups([group]))[0].state
                       == "Empty", 20, f"{group} should be Empty after the consumer closed")
            res = kp_call(lambda: admin.delete_consumer_groups([group]))
            check(res == [(group, kafka.errors.NoError)],
                  f"delete_consumer_groups of an empty group: {res}")
            offs = kp_call(lambda: admin.list_consumer_group_offsets(
                group, partitions=[KTP(topic, p) for p in range(P)]))
            check(all(om.offset == -1 for om in offs.values()),
                  f"offsets of a deleted group should be gone: {offs}")
            groups = kp_call(lambda: admin.list_consumer_groups())
            check(all(g != group for g, _ in groups), f"deleted group still listed: {groups}")
        finally:
            admin.close()


if __name__ == "__main__":
    main([test_sync_commit_lag_log_and_restarts, test_auto_commit_survives_restart,
          test_live_group_survives_broker_kill9, test_kafka_python_group_commit_and_admin])
