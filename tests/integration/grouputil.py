"""Consumer-group helpers shared by ``test_groups_*.py`` (see harness.py for the broker side).

Broker
    ``group_broker(**overrides)``  a started ``Broker`` with fast group settings:
        group.initial.rebalance.delay.ms=200, offsets.topic.num.partitions=4,
        auto.create.topics.enable=false (tests create their topics), plus ``overrides``; returns
        once FindCoordinator answers error 0 and no group is still loading
        (``coordinator_ready(b)``).
    ``GROUP_DEFAULTS``             those defaults as a dict.

Data
    ``produce_seq(bootstrap, topic, n, partitions, start=0)`` produce records with key
        ``seq-%08d`` (the sequence number) round-robin over ``partitions`` partitions (record i
        goes to partition i % partitions); returns {seq: (partition, offset)}.
    ``seq_of(key)``                the sequence number in such a key.
    ``end_offsets(bootstrap, topic, partitions)`` → {partition: high watermark}.

confluent_kafka group consumers
    ``group_consumer(bootstrap, group, **conf)`` a ``Consumer`` with session.timeout.ms 6000,
        heartbeat.interval.ms 500, auto.offset.reset earliest, fetch.wait.max.ms 100 (+ conf; use
        dots or underscores in the keys).
    ``ConsumerThread(bootstrap, group, topics, name, **conf)`` a thread that subscribes and polls
        until ``stop()``; records every message as (partition, offset, seq) in ``records``
        and every rebalance callback in ``events`` ((monotonic time, "assign"|"revoke",
        [(topic, partition)])). ``owned`` is the current partition set according to the callbacks
        (eager: full sets; cooperative: increments). ``error`` holds an exception from the
        thread. ``close_on_stop`` (default True) closes the consumer when stopped;
        ``consumer`` is the Consumer (only touch it from the thread or after ``join()``).
        ``call(fn)`` runs ``fn(consumer)`` on the thread between polls and returns its result.
        A consumer error event fails the thread unless ``allow_errors=True`` (then non-fatal
        errors, e.g. "all brokers down" while a broker restarts, are collected in ``errors``).
        It reads with ``poll()`` (``use_poll=False``: batch ``consume()``): librdkafka 2.0.2's
        batch path can auto-store offsets of messages it then drops when a rebalance is served
        inside the same call, so a clean rebalance would commit past undelivered records
        (reproduced with cafka: ~3 of 4 churn runs lost one produce chunk on some partitions
        with consume(), none with poll()).
    ``generation_of(consumer)`` (generation_id, member_id) parsed from
        ``consumer_group_metadata()`` (librdkafka's "CGMDv2:" serialization).
    ``decode_assignment(bytes)`` / ``encode_assignment({topic: [partitions]})`` and
        ``encode_subscription(topics)`` / ``decode_subscription(bytes)``: the consumer protocol
        (ConsumerProtocolAssignment/Subscription v0).

Subprocess consumers (so they can be killed with SIGKILL)
    ``ChildConsumer(bootstrap, group, topic, name, **conf)`` runs this file as
        ``python3 grouputil.py consume ...``; the child subscribes with auto-commit and
        ``enable.auto.offset.store=false``, prints ``M partition offset seq`` for every record
        (flushed) and only then stores the offset, so a committed offset is always one whose
        record the parent saw. ``ASSIGN``/``REVOKE`` lines report rebalances. Attributes
        ``records`` (list of (partition, offset, seq)), ``owned`` (set of partitions), ``events``;
        methods ``kill9()``, ``terminate()`` (SIGTERM → clean close), ``wait()``.

Raw group protocol (one persistent connection per ``RawGroupClient``)
    ``RawGroupClient(broker)``: ``find_coordinator``, ``join``, ``sync``, ``heartbeat``,
    ``leave``, ``offset_commit``, ``offset_fetch``, ``list_groups``, ``describe_groups``,
    ``delete_groups``, ``offset_delete``; each returns a dict with the decoded response
    (``error`` etc.). ``close()``.

kafka-python
    ``kp_call(fn, timeout=30)`` runs ``fn()`` on a helper thread with a deadline (kafka-python's
    admin client spins forever when a request fails) and returns its result or raises.

Broker log
    ``lag_lines(text, group)`` → list of dicts {topic, partition, committed, end, lag} from lines
    like ``group g1: t-0 committed=100 end=150 lag=50, t-1 committed=7 end=? lag=?``.
"""

import os
import re
import signal
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (Broker, Reader, check, connect, i8, i16, i32, i64, kbytes,  # noqa: E402
                     nullable_bytes, nullable_string, recv_frame, send_frame, string, wait_until)

GROUP_DEFAULTS = {
    "group.initial.rebalance.delay.ms": 200,
    "offsets.topic.num.partitions": 4,
    "auto.create.topics.enable": False,
}

# Kafka error codes used by the group tests.
NONE = 0
COORDINATOR_NOT_AVAILABLE = 15
NOT_COORDINATOR = 16
ILLEGAL_GENERATION = 22
INCONSISTENT_GROUP_PROTOCOL = 23
UNKNOWN_MEMBER_ID = 25
INVALID_SESSION_TIMEOUT = 26
REBALANCE_IN_PROGRESS = 27
NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69
MEMBER_ID_REQUIRED = 79
FENCED_INSTANCE_ID = 82


def group_broker(**overrides):
    ov = dict(GROUP_DEFAULTS)
    ov.update({k: v for k, v in overrides.items()})
    b = Broker(overrides=ov).start()
    try:
        coordinator_ready(b)
    except BaseException:
        b.dump_log()
        b.kill9()
        raise
    return b


def coordinator_ready(b, timeout=30):
    """Like a client: FindCoordinator (which creates __consumer_offsets) until it answers
    error 0 (COORDINATOR_NOT_AVAILABLE is retriable), then OffsetFetch for enough group names
    to hit every __consumer_offsets partition until none answers COORDINATOR_LOAD_IN_PROGRESS
    (14): a raw test must not see a retriable "still loading" answer to its first request."""
    last = {}
    n_parts = int(b.overrides.get("offsets.topic.num.partitions", 50))
    names = [f"warm-up-{i}" for i in range(min(16 * n_parts, 1000))]

    def ready():
        with RawGroupClient(b) as cl:
            last["r"] = cl.find_coordinator("warm-up-group", version=1)
            if last["r"]["error"] != 0:
                return False
            for g in names:
                last["r"] = (g, cl.offset_fetch(g, None, version=5)["error"])
                if last["r"][1] != 0:
                    return False
        return True
    try:
        wait_until(ready, timeout, "", interval=0.2)
    except AssertionError:
        raise AssertionError(f"the group coordinator was not ready within {timeout}s: last "
                             f"answer {last.get('r')}")


def _conf(conf):
    return {k.replace("_", "."): v for k, v in conf.items()}


# --------------------------------------------------------------------------------------------
# data

def seq_key(i):
    return b"seq-%08d" % i


def seq_of(key):
    check(key is not None and key.startswith(b"seq-"), f"unexpected key {key!r}")
    return int(key[4:])


def produce_seq(bootstrap, topic, n, partitions, start=0, value_size=20):
    from ckutil import produce_all, producer
    p = producer(bootstrap, linger_ms=20, batch_num_messages=5000)
    pad = b"v" * max(0, value_size - 12)
    recs = ({"key": seq_key(i), "value": b"%012d" % i + pad, "partition": i % partitions}
            for i in range(start, start + n))
    reports = produce_all(p, topic, recs, timeout=120)
    out = {}
    for r in reports:
        out[seq_of(r["key"])] = (r["partition"], r["offset"])
    check(len(out) == n, f"produced {len(out)} distinct sequence numbers, wanted {n}")
    return out


def end_offsets(bootstrap, topic, partitions):
    from ckutil import consumer
    from confluent_kafka import TopicPartition
    c = consumer(bootstrap)
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in range(partitions)}
    finally:
        c.close()


# --------------------------------------------------------------------------------------------
# confluent_kafka group consumers

def group_consumer(bootstrap, group, **conf):
    from confluent_kafka import Consumer
    c = {"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": 6000,
         "heartbeat.interval.ms": 500, "auto.offset.reset": "earliest",
         "fetch.wait.max.ms": 100, "socket.timeout.ms": 10000, "enable.partition.eof": False}
    c.update(_conf(conf))
    return Consumer(c)


def generation_of(consumer):
    """(generation_id, member_id) from librdkafka's serialized consumer group metadata:
    "CGMDv2:" | int32 generation (native byte order) | group_id NUL | member_id NUL | ..."""
    raw = bytes(consumer.consumer_group_metadata())
    check(raw.startswith(b"CGMDv2:"), f"unexpected consumer_group_metadata {raw!r}")
    (gen,) = struct.unpack_from("=i", raw, 7)
    rest = raw[11:]
    group, _, rest = rest.partition(b"\x00")
    member, _, rest = rest.partition(b"\x00")
    return gen, member.decode(errors="replace")


class ConsumerThread(threading.Thread):
    def __init__(self, bootstrap, group, topics, name="c", poll_batch=500, close_on_stop=True,
                 allow_errors=False, use_poll=True, **conf):
        super().__init__(name=name, daemon=True)
        self.bootstrap, self.group, self.topics = bootstrap, group, list(topics)
        self.conf = conf
        self.poll_batch = poll_batch
        self.close_on_stop = close_on_stop
        self.allow_errors = allow_errors
        self.use_poll = use_poll
        self.errors = []
        self.records = []
        self.events = []
        self.owned = set()
        self.error = None
        self.consumer = None
        self.started_polling = threading.Event()
        self._stop_ev = threading.Event()
        self._calls = []
        self._lock = threading.Lock()
        self.closed_at = None

    def _on_assign(self, c, parts):
        ps = [(p.topic, p.partition) for p in parts]
        with self._lock:
            self.events.append((time.monotonic(), "assign", ps))
            # eager: a revoke of everything precedes every assign; cooperative: increments
            self.owned |= set(ps)

    def _on_revoke(self, c, parts):
        ps = [(p.topic, p.partition) for p in parts]
        with self._lock:
            self.events.append((time.monotonic(), "revoke", ps))
            self.owned -= set(ps)

    def _on_lost(self, c, parts):
        ps = [(p.topic, p.partition) for p in parts]
        with self._lock:
            self.events.append((time.monotonic(), "lost", ps))
            self.owned -= set(ps)

    def snapshot(self):
        with self._lock:
            return set(self.owned), list(self.events), len(self.records)

    def call(self, fn, timeout=30):
        box = {}
        ev = threading.Event()
        with self._lock:
            self._calls.append((fn, box, ev))
        check(ev.wait(timeout), f"{self.name}: call not executed within {timeout}s")
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def run(self):
        try:
            self.consumer = group_consumer(self.bootstrap, self.group, **self.conf)
            self.consumer.subscribe(self.topics, on_assign=self._on_assign,
                                    on_revoke=self._on_revoke, on_lost=self._on_lost)
            self.started_polling.set()
            while not self._stop_ev.is_set():
                with self._lock:
                    calls, self._calls = self._calls, []
                for fn, box, ev in calls:
                    try:
                        box["result"] = fn(self.consumer)
                    except Exception as e:  # noqa: BLE001
                        box["error"] = e
                    ev.set()
                if self.use_poll:
                    msgs = []
                    m = self.consumer.poll(0.2)
                    while m is not None:
                        msgs.append(m)
                        if len(msgs) >= self.poll_batch:
                            break
                        m = self.consumer.poll(0)
                else:
                    msgs = self.consumer.consume(num_messages=self.poll_batch, timeout=0.2)
                batch = []
                for m in msgs:
                    if m.error():
                        if self.allow_errors and not m.error().fatal():
                            self.errors.append(m.error())
                            continue
                        raise AssertionError(f"{self.name}: consumer error {m.error()}")
                    batch.append((m.partition(), m.offset(), seq_of(m.key()), m.topic()))
                if batch:
                    with self._lock:
                        self.records.extend(batch)
            if self.close_on_stop:
                self.consumer.close()
                self.closed_at = time.monotonic()
        except Exception as e:  # noqa: BLE001
            self.error = e
            self.started_polling.set()

    def stop(self, timeout=60):
        self._stop_ev.set()
        self.join(timeout)
        check(not self.is_alive(), f"{self.name}: consumer thread did not stop within {timeout}s")
        if self.error is not None:
            raise AssertionError(f"{self.name}: {self.error!r}")

    def count(self):
        with self._lock:
            return len(self.records)


def check_threads_ok(threads):
    for t in threads:
        if t.error is not None:
            raise AssertionError(f"consumer {t.name} failed: {t.error!r}")


def wait_settled(threads, all_parts, timeout, msg, min_each=1, stable_for=1.0):
    """Wait until the callback-tracked assignments of ``threads`` are pairwise disjoint, cover
    ``all_parts`` exactly, every member owns at least ``min_each`` partitions, and that stays
    so for ``stable_for`` seconds. Returns {thread name: owned set}."""
    all_parts = set(all_parts)
    state = {"since": None, "last": None}

    def settled():
        check_threads_ok(threads)
        owned = {t.name: t.snapshot()[0] for t in threads}
        union = set()
        ok = True
        for s in owned.values():
            if union & s or len(s) < min_each:
                ok = False
            union |= s
        ok = ok and union == all_parts
        key = tuple(sorted((n, tuple(sorted(s))) for n, s in owned.items()))
        now = time.monotonic()
        if not ok or key != state["last"]:
            state["since"] = now if ok else None
            state["last"] = key
            return None
        if now - state["since"] >= stable_for:
            return owned
        return None

    try:
        return wait_until(settled, timeout, msg, interval=0.1)
    except AssertionError:
        owned = {t.name: sorted(t.snapshot()[0]) for t in threads}
        raise AssertionError(f"{msg}; assignments now: {owned}")


# --------------------------------------------------------------------------------------------
# consumer protocol

def encode_subscription(topics, user_data=None):
    return (i16(0) + i32(len(topics)) + b"".join(string(t) for t in topics) +
            nullable_bytes(user_data))


def decode_subscription(buf):
    r = Reader(buf)
    version = r.i16()
    topics = [r.string() for _ in range(r.i32())]
    return {"version": version, "topics": topics}


def encode_assignment(assign, user_data=None):
    body = i16(0) + i32(len(assign))
    for topic, parts in assign.items():
        body += string(topic) + i32(len(parts)) + b"".join(i32(p) for p in parts)
    return body + nullable_bytes(user_data)


def decode_assignment(buf):
    """{topic: [partitions]} from a ConsumerProtocolAssignment (empty bytes → {})."""
    if not buf:
        return {}
    r = Reader(buf)
    r.i16()
    out = {}
    for _ in range(r.i32()):
        t = r.string()
        out[t] = [r.i32() for _ in range(r.i32())]
    return out


# --------------------------------------------------------------------------------------------
# raw group protocol

class RawGroupClient:
    """One connection; requests are sent one at a time (JoinGroup blocks until the rebalance
    completes, so concurrent members need one client each, on their own threads)."""

    def __init__(self, broker, timeout=30):
        self.host, self.port = broker.host, broker.port
        self.timeout = timeout
        self.sock = connect(self.host, self.port, timeout)
        self.corr = 100

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, api_key, version, body, timeout=None):
        self.corr += 1
        send_frame(self.sock, api_key, version, self.corr, body, client_id="cafka-group-test")
        payload = recv_frame(self.sock, timeout or self.timeout)
        check(payload is not None,
              f"connection closed without a response to api {api_key} v{version}")
        r = Reader(payload)
        corr = r.i32()
        check(corr == self.corr, f"api {api_key} v{version}: correlation id {corr} != {self.corr}")
        return r

    # FindCoordinator (10) -------------------------------------------------------------------
    def find_coordinator(self, key, version=1, key_type=0):
        body = string(key) + (i8(key_type) if version >= 1 else b"")
        r = self.request(10, version, body)
        throttle = r.i32() if version >= 1 else 0
        err = r.i16()
        msg = r.string() if version >= 1 else None
        node, host, port = r.i32(), r.string(), r.i32()
        return {"throttle": throttle, "error": err, "message": msg, "node_id": node,
                "host": host, "port": port}

    # JoinGroup (11) -------------------------------------------------------------------------
    def join(self, group, member_id="", version=5, session_timeout=10000,
             rebalance_timeout=10000, protocol_type="consumer", protocols=None,
             instance_id=None, topics=("t",), timeout=None):
        if protocols is None:
            protocols = [("range", encode_subscription(list(topics)))]
        body = string(group) + i32(session_timeout)
        if version >= 1:
            body += i32(rebalance_timeout)
        body += string(member_id)
        if version >= 5:
            body += nullable_string(instance_id)
        body += string(protocol_type) + i32(len(protocols))
        for name, meta in protocols:
            body += string(name) + kbytes(meta)
        r = self.request(11, version, body, timeout)
        out = {"throttle": r.i32() if version >= 2 else 0}
        out["error"] = r.i16()
        out["generation"] = r.i32()
        out["protocol"] = r.string()
        out["leader"] = r.string()
        out["member_id"] = r.string()
        members = []
        for _ in range(r.i32()):
            mid = r.string()
            iid = r.string() if version >= 5 else None
            members.append({"member_id": mid, "instance_id": iid, "metadata": r.bytes()})
        out["members"] = members
        check(r.remaining() == 0, f"JoinGroup v{version}: {r.remaining()} trailing bytes")
        return out

    def join_new(self, group, version=5, **kw):
        """JoinGroup as a new member; on MEMBER_ID_REQUIRED (v4+) rejoin with the given id."""
        res = self.join(group, "", version=version, **kw)
        if res["error"] == MEMBER_ID_REQUIRED:
            res = self.join(group, res["member_id"], version=version, **kw)
        return res

    # SyncGroup (14) -------------------------------------------------------------------------
    def sync(self, group, generation, member_id, assignments=None, version=3, instance_id=None,
             timeout=None):
        body = string(group) + i32(generation) + string(member_id)
        if version >= 3:
            body += nullable_string(instance_id)
        assignments = assignments or {}
        body += i32(len(assignments))
        for mid, data in assignments.items():
            body += string(mid) + kbytes(data)
        r = self.request(14, version, body, timeout)
        out = {"throttle": r.i32() if version >= 1 else 0}
        out["error"] = r.i16()
        out["assignment"] = r.bytes()
        check(r.remaining() == 0, f"SyncGroup v{version}: {r.remaining()} trailing bytes")
        return out

    # Heartbeat (12) -------------------------------------------------------------------------
    def heartbeat(self, group, generation, member_id, version=3, instance_id=None):
        body = string(group) + i32(generation) + string(member_id)
        if version >= 3:
            body += nullable_string(instance_id)
        r = self.request(12, version, body)
        out = {"throttle": r.i32() if version >= 1 else 0}
        out["error"] = r.i16()
        return out

    # LeaveGroup (13) ------------------------------------------------------------------------
    def leave(self, group, member_id, version=1, instance_id=None):
        if version >= 3:
            body = string(group) + i32(1) + string(member_id) + nullable_string(instance_id)
        else:
            body = string(group) + string(member_id)
        r = self.request(13, version, body)
        out = {"throttle": r.i32() if version >= 1 else 0}
        out["error"] = r.i16()
        if version >= 3:
            out["members"] = []
            for _ in range(r.i32()):
                out["members"].append({"member_id": r.string(), "instance_id": r.string(),
                                       "error": r.i16()})
        return out

    # OffsetCommit (8) -----------------------------------------------------------------------
    def offset_commit(self, group, offsets, generation=-1, member_id="", version=2,
                      metadata=None, instance_id=None):
        """offsets: {(topic, partition): offset}. Returns {"errors": {(t, p): code}}."""
        body = string(group) + i32(generation) + string(member_id)
        if version >= 7:
            body += nullable_string(instance_id)
        if 2 <= version <= 4:
            body += i64(-1)  # retention time: broker default
        by_topic = {}
        for (t, p), off in offsets.items():
            by_topic.setdefault(t, []).append((p, off))
        body += i32(len(by_topic))
        for t, parts in by_topic.items():
            body += string(t) + i32(len(parts))
            for p, off in parts:
                body += i32(p) + i64(off)
                if version >= 6:
                    body += i32(-1)
                body += nullable_string(metadata)
        r = self.request(8, version, body)
        out = {"throttle": r.i32() if version >= 3 else 0, "errors": {}}
        for _ in range(r.i32()):
            t = r.string()
            for _ in range(r.i32()):
                p, e = r.i32(), r.i16()
                out["errors"][(t, p)] = e
        return out

    # OffsetFetch (9) ------------------------------------------------------------------------
    def offset_fetch(self, group, partitions=None, version=5):
        """partitions: [(topic, partition)] or None (all, v2+). Returns
        {"error", "offsets": {(t, p): (offset, metadata, error)}}."""
        body = string(group)
        if partitions is None:
            body += i32(-1)
        else:
            by_topic = {}
            for t, p in partitions:
                by_topic.setdefault(t, []).append(p)
            body += i32(len(by_topic))
            for t, ps in by_topic.items():
                body += string(t) + i32(len(ps)) + b"".join(i32(p) for p in ps)
        r = self.request(9, version, body)
        out = {"throttle": r.i32() if version >= 3 else 0, "offsets": {}}
        for _ in range(r.i32()):
            t = r.string()
            for _ in range(r.i32()):
                p, off = r.i32(), r.i64()
                if version >= 5:
                    r.i32()
                meta, e = r.string(), r.i16()
                out["offsets"][(t, p)] = (off, meta, e)
        out["error"] = r.i16() if version >= 2 else 0
        check(r.remaining() == 0, f"OffsetFetch v{version}: {r.remaining()} trailing bytes")
        return out

    # ListGroups (16) ------------------------------------------------------------------------
    def list_groups(self, version=2):
        r = self.request(16, version, b"")
        out = {"throttle": r.i32() if version >= 1 else 0}
        out["error"] = r.i16()
        out["groups"] = {}
        for _ in range(r.i32()):
            g, pt = r.string(), r.string()
            out["groups"][g] = pt
        return out

    # DescribeGroups (15) --------------------------------------------------------------------
    def describe_groups(self, groups, version=4):
        body = i32(len(groups)) + b"".join(string(g) for g in groups)
        if version >= 3:
            body += i8(0)
        r = self.request(15, version, body)
        out = {"throttle": r.i32() if version >= 1 else 0, "groups": {}}
        for _ in range(r.i32()):
            g = {"error": r.i16(), "group": r.string(), "state": r.string(),
                 "protocol_type": r.string(), "protocol": r.string(), "members": []}
            for _ in range(r.i32()):
                m = {"member_id": r.string()}
                m["instance_id"] = r.string() if version >= 4 else None
                m["client_id"], m["client_host"] = r.string(), r.string()
                m["metadata"], m["assignment"] = r.bytes(), r.bytes()
                g["members"].append(m)
            if version >= 3:
                g["authorized_operations"] = r.i32()
            out["groups"][g["group"]] = g
        check(r.remaining() == 0, f"DescribeGroups v{version}: {r.remaining()} trailing bytes")
        return out

    # DeleteGroups (42) ----------------------------------------------------------------------
    def delete_groups(self, groups, version=1):
        body = i32(len(groups)) + b"".join(string(g) for g in groups)
        r = self.request(42, version, body)
        out = {"throttle": r.i32(), "results": {}}
        for _ in range(r.i32()):
            g, e = r.string(), r.i16()
            out["results"][g] = e
        return out

    # OffsetDelete (47) ----------------------------------------------------------------------
    def offset_delete(self, group, partitions):
        by_topic = {}
        for t, p in partitions:
            by_topic.setdefault(t, []).append(p)
        body = string(group) + i32(len(by_topic))
        for t, ps in by_topic.items():
            body += string(t) + i32(len(ps)) + b"".join(i32(p) for p in ps)
        r = self.request(47, 0, body)
        out = {"error": r.i16(), "throttle": r.i32(), "errors": {}}
        for _ in range(r.i32()):
            t = r.string()
            for _ in range(r.i32()):
                p, e = r.i32(), r.i16()
                out["errors"][(t, p)] = e
        return out


def in_thread(fn, *args, **kw):
    """Start ``fn(*args, **kw)`` on a daemon thread; returns a handle with ``result(timeout)``."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args, **kw)
        except BaseException as e:  # noqa: BLE001
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()

    class Handle:
        thread = t

        @staticmethod
        def done():
            return not t.is_alive()

        @staticmethod
        def result(timeout=30):
            t.join(timeout)
            if t.is_alive():
                raise AssertionError(f"{getattr(fn, '__name__', fn)} did not return within "
                                     f"{timeout}s")
            if "error" in box:
                raise box["error"]
            return box.get("result")

    return Handle


def kp_call(fn, timeout=30):
    return in_thread(fn).result(timeout)


# --------------------------------------------------------------------------------------------
# broker log

_LAG_LINE_RE = re.compile(r"group (\S+): (.*)$")
_LAG_ENTRY_RE = re.compile(r"^(\S+)-(\d+) committed=(-?\d+) end=(-?\d+|\?) lag=(-?\d+|\?)$")


def lag_lines(text, group):
    """Entries of the broker's lag lines for ``group``, oldest first. A line is
    ``group <g>: <topic>-<p> committed=<c> end=<e> lag=<l>[, <topic>-<p> ...]``; unknown end
    offsets print ``end=? lag=?`` (→ None)."""
    out = []
    for line in text.splitlines():
        m = _LAG_LINE_RE.search(line)
        if not m or m.group(1) != group:
            continue
        for entry in m.group(2).split(", "):
            e = _LAG_ENTRY_RE.match(entry.strip())
            if not e:
                continue
            out.append({"topic": e.group(1), "partition": int(e.group(2)),
                        "committed": int(e.group(3)),
                        "end": None if e.group(4) == "?" else int(e.group(4)),
                        "lag": None if e.group(5) == "?" else int(e.group(5))})
    return out


# --------------------------------------------------------------------------------------------
# subprocess consumers

class ChildConsumer:
    def __init__(self, bootstrap, group, topic, name, **conf):
        self.name = name
        self.records = []
        self.owned = set()
        self.events = []
        self.lines_err = []
        self._lock = threading.Lock()
        args = [sys.executable, os.path.abspath(__file__), "consume", bootstrap, group, topic,
                name]
        for k, v in _conf(conf).items():
            args.append(f"{k}={v}")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        self._out = threading.Thread(target=self._read_out, daemon=True)
        self._err = threading.Thread(target=self._read_err, daemon=True)
        self._out.start()
        self._err.start()

    def _read_out(self):
        for line in self.proc.stdout:
            parts = line.decode(errors="replace").split()
            if not parts:
                continue
            now = time.monotonic()
            with self._lock:
                if parts[0] == "M":
                    self.records.append((int(parts[1]), int(parts[2]), int(parts[3])))
                elif parts[0] in ("ASSIGN", "REVOKE", "LOST"):
                    ps = {int(x) for x in parts[1:]}
                    self.events.append((now, parts[0].lower(), sorted(ps)))
                    if parts[0] == "ASSIGN":
                        self.owned = ps
                    else:
                        self.owned -= ps

    def _read_err(self):
        for line in self.proc.stderr:
            with self._lock:
                self.lines_err.append(line.decode(errors="replace").rstrip())
                del self.lines_err[:-50]

    def snapshot(self):
        with self._lock:
            return set(self.owned), list(self.events), len(self.records)

    def alive(self):
        return self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._out.join(10)

    def terminate(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError(f"{self.name}: child consumer did not exit within {timeout}s "
                                 f"after SIGTERM; stderr tail: {self.stderr_tail()}")
        self._out.join(10)
        return self.proc.returncode

    def stderr_tail(self):
        with self._lock:
            return "\n".join(self.lines_err[-20:])


def _child_main(argv):
    """python3 grouputil.py consume BOOTSTRAP GROUP TOPIC NAME [k=v ...]"""
    bootstrap, group, topic, name = argv[:4]
    conf = {"enable.auto.commit": True, "enable.auto.offset.store": False,
            "auto.commit.interval.ms": 200, "client.id": name}
    for kv in argv[4:]:
        k, _, v = kv.partition("=")
        conf[k] = v
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    c = group_consumer(bootstrap, group, **conf)
    out = sys.stdout

    def on_assign(cons, parts):
        out.write("ASSIGN " + " ".join(str(p.partition) for p in parts) + "\n")
        out.flush()

    def on_revoke(cons, parts):
        out.write("REVOKE " + " ".join(str(p.partition) for p in parts) + "\n")
        out.flush()

    def on_lost(cons, parts):
        out.write("LOST " + " ".join(str(p.partition) for p in parts) + "\n")
        out.flush()

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    while not stop.is_set():
        msgs = []  # poll(), not consume(): see ConsumerThread
        m = c.poll(0.2)
        while m is not None and len(msgs) < 500:
            msgs.append(m)
            m = c.poll(0)
        if m is not None:
            msgs.append(m)
        good = []
        for m in msgs:
            if m.error():
                sys.stderr.write(f"{name}: consumer error {m.error()}\n")
                sys.stderr.flush()
                continue
            good.append(m)
        if good:
            out.write("".join(f"M {m.partition()} {m.offset()} {seq_of(m.key())}\n"
                              for m in good))
            out.flush()
            for m in good:  # only what the parent has seen may be committed
                try:
                    c.store_offsets(message=m)
                except Exception as e:  # noqa: BLE001  (partition revoked meanwhile)
                    sys.stderr.write(f"{name}: store_offsets {m.partition()}/{m.offset()}: "
                                     f"{e}\n")
    c.close()
    out.write("CLOSED\n")
    out.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "consume":
        sys.exit(_child_main(sys.argv[2:]))
    sys.exit("usage: grouputil.py consume BOOTSTRAP GROUP TOPIC NAME [k=v ...]")


__all__ = [n for n in dir() if not n.startswith("_")]
