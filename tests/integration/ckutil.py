"""confluent_kafka helpers shared by the integration tests (see harness.py for the broker side).

``producer(bootstrap, **conf)``            Producer with acks=all and bounded timeouts.
``produce_all(p, topic, records, ...)``    produce (key, value, headers, partition, timestamp)
                                           dicts, flush, return delivery reports (all must
                                           succeed, else AssertionError with the first errors).
``consumer(bootstrap, **conf)``            Consumer for assign()-based reading (a throwaway
                                           group.id is required by the client, but no group
                                           APIs are needed: no subscribe, no commits).
``consume_partitions(bootstrap, topic, partitions, expected, timeout, start=OFFSET_BEGINNING)``
                                           assign and read until ``expected`` messages arrived;
                                           returns the list of messages (as dicts).
``create_topic(bootstrap, topic, partitions)``  AdminClient create_topics, waits for metadata.
``partition_count(bootstrap, topic)``      from list_topics (None if absent).
"""

import time
import uuid

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka import OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic

from harness import check, wait_until


def producer(bootstrap, **conf):
    c = {"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 60000,
         "socket.timeout.ms": 10000, "linger.ms": 5}
    c.update({k.replace("_", "."): v for k, v in conf.items()})
    return Producer(c)


def produce_all(p, topic, records, timeout=90, acks0=False):
    """records: iterable of dicts with optional key, value, headers, partition, timestamp.
    acks0=True for acks=0 producers (no offsets in the reports).
    Returns a list of reports {"i", "partition", "offset", "key", "value", "headers",
    "timestamp"} in input order."""
    reports = []
    errors = []

    def cb_for(i, rec):
        def cb(err, msg):
            if err is not None:
                errors.append((i, err))
            else:
                reports.append(dict(rec, i=i, partition=msg.partition(), offset=msg.offset()))
        return cb

    n = 0
    for i, rec in enumerate(records):
        kw = {"value": rec.get("value"), "key": rec.get("key"), "on_delivery": cb_for(i, rec)}
        if rec.get("headers") is not None:
            kw["headers"] = rec["headers"]
        if rec.get("partition") is not None:
            kw["partition"] = rec["partition"]
        if rec.get("timestamp") is not None:
            kw["timestamp"] = rec["timestamp"]
        while True:
            try:
                p.produce(topic, **kw)
                break
            except BufferError:
                p.poll(0.05)
        n += 1
        if n % 1000 == 0:
            p.poll(0)
    remaining = p.flush(timeout)
    check(remaining == 0, f"{remaining} messages still undelivered after flush({timeout})")
    check(not errors, f"{len(errors)} delivery errors, first: {errors[:5]}")
    check(len(reports) == n, f"{len(reports)} delivery reports for {n} messages")
    if not acks0:  # acks=0: the client never learns offsets
        for r in reports:
            check(r["offset"] is not None and r["offset"] >= 0,
                  f"delivery report without offset: {r}")
    reports.sort(key=lambda r: r["i"])
    return reports


def consumer(bootstrap, **conf):
    c = {"bootstrap.servers": bootstrap, "group.id": "it-" + uuid.uuid4().hex,
         "enable.auto.commit": False, "enable.auto.offset.store": False,
         "enable.partition.eof": False, "socket.timeout.ms": 10000,
         "fetch.wait.max.ms": 200}
    c.update({k.replace("_", "."): v for k, v in conf.items()})
    return Consumer(c)


def msg_dict(m):
    return {"partition": m.partition(), "offset": m.offset(), "key": m.key(), "value": m.value(),
            "headers": m.headers(), "timestamp": m.timestamp()}


def consume_partitions(bootstrap, topic, partitions, expected, timeout=60,
                       start=OFFSET_BEGINNING, **conf):
    c = consumer(bootstrap, **conf)
    try:
        c.assign([TopicPartition(topic, p, start) for p in partitions])
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < expected:
            check(time.monotonic() < deadline,
                  f"consumed only {len(out)} of {expected} messages from {topic} in {timeout}s")
            for m in c.consume(num_messages=10000, timeout=0.5):
                if m.error():
                    check(m.error().code() == KafkaError._PARTITION_EOF,
                          f"consumer error: {m.error()}")
                    continue
                out.append(msg_dict(m))
        # Nothing beyond the expected messages must arrive.
        extra = c.consume(num_messages=100, timeout=0.5)
        extra = [m for m in extra if not m.error()]
        if extra:
            raise AssertionError(f"{len(extra)} unexpected extra messages, first at "
                                 f"{extra[0].partition()}/{extra[0].offset()}")
        return out
    finally:
        c.close()


def watermarks(bootstrap, topic, partition=0):
    """(low, high) watermark offsets of one partition, asked of the broker (not cached)."""
    c = consumer(bootstrap)
    try:
        return c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
    finally:
        c.close()


def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": 10000})


def partition_count(bootstrap, topic, a=None):
    a = a or admin(bootstrap)
    md = a.list_topics(timeout=10)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return None
    return len(t.partitions)


def create_topic(bootstrap, topic, partitions, a=None):
    a = a or admin(bootstrap)
    fs = a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)],
                         request_timeout=15)
    fs[topic].result(timeout=30)
    wait_until(lambda: partition_count(bootstrap, topic, a) == partitions, 30,
               f"topic {topic} with {partitions} partitions visible in metadata")
    return a


__all__ = ["producer", "produce_all", "consumer", "consume_partitions", "msg_dict", "admin",
           "partition_count", "create_topic", "KafkaError", "KafkaException", "TopicPartition",
           "OFFSET_BEGINNING"]
