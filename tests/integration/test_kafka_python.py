"""kafka-python 2.0.2 against cafka-server: version probing, KafkaProducer (acks='all', headers,
gzip), KafkaConsumer without a group (assign + seek_to_beginning), partitions_for,
beginning_offsets / end_offsets / offsets_for_times."""

import logging
import random
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from harness import Broker, check, main, unique_topic

logging.basicConfig(level=logging.WARNING)

BROKER = None


def broker():
    global BROKER
    if BROKER is None or not BROKER.alive():
        BROKER = Broker(overrides={"num.partitions": 3, "auto.create.topics.enable": True})
        BROKER.start()
    return BROKER


def produce(topic, recs, **conf):
    p = KafkaProducer(bootstrap_servers=BROKER.bootstrap, acks="all", request_timeout_ms=30000,
                      max_block_ms=30000, linger_ms=5, **conf)
    try:
        futs = [p.send(topic, key=r.get("key"), value=r.get("value"),
                       partition=r.get("partition"), headers=r.get("headers"),
                       timestamp_ms=r.get("timestamp")) for r in recs]
        p.flush(timeout=60)
        metas = [f.get(timeout=60) for f in futs]
    finally:
        p.close(timeout=10)
    return metas


def consume_all(topic, partitions, expected, timeout=60):
    c = KafkaConsumer(bootstrap_servers=BROKER.bootstrap, group_id=None,
                      enable_auto_commit=False, request_timeout_ms=30000,
                      fetch_max_wait_ms=200)
    try:
        tps = [TopicPartition(topic, p) for p in partitions]
        c.assign(tps)
        c.seek_to_beginning(*tps)
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            for _tp, msgs in c.poll(timeout_ms=500, max_records=5000).items():
                out.extend(msgs)
        check(len(out) == expected, f"kafka-python consumed {len(out)} of {expected}")
        extra = c.poll(timeout_ms=500)
        check(not any(extra.values()), f"unexpected extra records: {extra}")
        return out
    finally:
        c.close()


def test_probe_and_metadata():
    b = broker()
    topic = unique_topic("kp-md")
    metas = produce(topic, [{"value": b"hello", "partition": 0}])
    check(metas[0].offset == 0, f"first offset {metas[0].offset}")
    c = KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=None)
    try:
        # kafka-python guesses the broker release from ApiVersions; it must at least be 0.11
        # (record format v2 / headers).
        ver = c.config["api_version"]
        check(ver >= (0, 11), f"kafka-python inferred broker version {ver} < (0, 11)")
        check(c.partitions_for_topic(topic) == {0, 1, 2},
              f"partitions_for_topic = {c.partitions_for_topic(topic)}")
        check(topic in c.topics(), f"{topic} not in consumer.topics()")
    finally:
        c.close()


def test_roundtrip():
    b = broker()
    topic = unique_topic("kp")
    rnd = random.Random(7)
    recs = []
    for i in range(2000):
        recs.append({"key": f"key{i % 50}".encode() if i % 10 else None,
                     "value": rnd.randbytes(rnd.randrange(0, 500)) if i % 97 else b"",
                     "partition": i % 3,
                     "headers": [("seq", str(i).encode()), ("bin", b"\x00\xff")] if i % 4 == 0
                     else []})
    metas = produce(topic, recs)
    for part in range(3):
        offs = [m.offset for m, r in zip(metas, recs) if m.partition == part]
        check(offs == list(range(len(offs))), f"partition {part}: offsets {offs[:10]}...")
        check(all(m.topic == topic for m in metas), "wrong topic in RecordMetadata")
    got = consume_all(topic, [0, 1, 2], len(recs))
    by_pos = {(m.partition, m.offset): m for m in got}
    for m, r in zip(metas, recs):
        g = by_pos.get((m.partition, m.offset))
        check(g is not None, f"missing {m.partition}/{m.offset}")
        check(g.key == r["key"], f"{m.partition}/{m.offset}: key {g.key!r} != {r['key']!r}")
        check(g.value == r["value"], f"{m.partition}/{m.offset}: value differs")
        check(list(g.headers) == r["headers"],
              f"{m.partition}/{m.offset}: headers {g.headers} != {r['headers']}")

    c = KafkaConsumer(bootstrap_servers=b.bootstrap, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in range(3)]
        end = c.end_offsets(tps)
        begin = c.beginning_offsets(tps)
        for p in range(3):
            n = sum(1 for m in metas if m.partition == p)
            check(end[tps[p]] == n, f"end_offsets[{p}] = {end[tps[p]]}, want {n}")
            check(begin[tps[p]] == 0, f"beginning_offsets[{p}] = {begin[tps[p]]}")
    finally:
        c.close()


def produce_timed(topic, t0, n=300, **conf):
    recs = [{"value": (f"value-{i}-" * 20).encode(), "partition": 1, "timestamp": t0 + 10 * i}
            for i in range(n)]
    produce(topic, recs, **conf)
    return recs


def test_gzip_and_timestamps():
    broker()
    topic = unique_topic("kp-gz")
    recs = produce_timed(topic, 1_650_000_000_000, compression_type="gzip")
    got = consume_all(topic, [1], len(recs))
    check([g.offset for g in got] == list(range(len(recs))), "gzip offsets")
    for g, r in zip(got, recs):
        check(g.value == r["value"] and g.timestamp == r["timestamp"],
              f"offset {g.offset}: value/timestamp {g.timestamp} differ")
        check(g.timestamp_type == 0, f"timestamp type {g.timestamp_type} (want CreateTime)")


def check_offsets_for_times(topic, t0):
    c = KafkaConsumer(bootstrap_servers=BROKER.bootstrap, group_id=None)
    try:
        tp = TopicPartition(topic, 1)
        for target, want in ((t0 - 1, 0), (t0 + 10 * 123 - 5, 123), (t0 + 10 * 299, 299)):
            res = c.offsets_for_times({tp: target})
            check(res[tp] is not None and res[tp].offset == want and
                  res[tp].timestamp == t0 + 10 * want,
                  f"offsets_for_times(t0+{target - t0}) -> {res[tp]}, want offset {want} with "
                  f"timestamp t0+{10 * want} (the record's own offset, even inside a batch)")
        res = c.offsets_for_times({tp: t0 + 10 * 300})
        check(res[tp] is None, f"offsets_for_times past the last record -> {res[tp]}")
    finally:
        c.close()


def test_offsets_for_times():
    broker()
    topic = unique_topic("kp-ts")
    t0 = 1_650_000_000_000
    produce_timed(topic, t0)
    check_offsets_for_times(topic, t0)


def test_offsets_for_times_compressed():
    """Kafka decompresses to find the exact record (FileRecords.searchForTimestamp)."""
    broker()
    topic = unique_topic("kp-tsgz")
    t0 = 1_650_000_000_000
    produce_timed(topic, t0, compression_type="gzip")
    check_offsets_for_times(topic, t0)


def teardown():
    if BROKER is not None and BROKER.alive():
        BROKER.stop()


if __name__ == "__main__":
    main([test_probe_and_metadata, test_roundtrip, test_gzip_and_timestamps, test_offsets_for_times,
          test_offsets_for_times_compressed, teardown])
