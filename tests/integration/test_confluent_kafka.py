"""confluent_kafka (librdkafka 2.0.2) against cafka-server: metadata, acks=all produce with
delivery reports, assign()-based consumption (no consumer groups), binary/empty/null keys and
values, headers, explicit timestamps, ~900 KB values, watermarks and offsets_for_times."""

import random
import threading

from confluent_kafka import TIMESTAMP_CREATE_TIME, KafkaError, TopicPartition

from ckutil import consume_partitions, consumer, produce_all, producer
from ckutil import admin
from harness import Broker, check, iter_batches, main, raw_fetch, unique_topic, wait_until

BROKER = None


def broker():
    global BROKER
    if BROKER is None or not BROKER.alive():
        BROKER = Broker(overrides={"num.partitions": 3, "auto.create.topics.enable": True})
        BROKER.start()
    return BROKER


def test_metadata():
    b = broker()
    topic = unique_topic("md")
    p = producer(b.bootstrap)
    produce_all(p, topic, [{"value": b"x", "partition": 0}])
    a = admin(b.bootstrap)
    md = a.list_topics(timeout=10)
    check(len(md.brokers) == 1, f"expected one broker, got {md.brokers}")
    (bid, bmd), = md.brokers.items()
    check((bmd.host, bmd.port) == ("127.0.0.1", b.port),
          f"advertised broker {bmd.host}:{bmd.port} != listener 127.0.0.1:{b.port}")
    check(md.controller_id == bid, f"controller_id {md.controller_id} is not the live broker {bid}")
    check(topic in md.topics, f"{topic} missing from list_topics: {sorted(md.topics)}")
    t = md.topics[topic]
    check(t.error is None, f"topic error {t.error}")
    check(sorted(t.partitions) == [0, 1, 2], f"partitions {sorted(t.partitions)} != [0, 1, 2]")
    for pid, pm in t.partitions.items():
        check(pm.error is None, f"partition {pid} error {pm.error}")
        check(pm.leader == bid, f"partition {pid} leader {pm.leader} != {bid}")
        check(list(pm.replicas) == [bid] and list(pm.isrs) == [bid],
              f"partition {pid} replicas {pm.replicas} isrs {pm.isrs}")
    # Single-topic metadata request as well.
    md1 = a.list_topics(topic=topic, timeout=10)
    check(sorted(md1.topics[topic].partitions) == [0, 1, 2], "single-topic metadata differs")


def test_produce_consume_binary():
    b = broker()
    topic = unique_topic("bin")
    rnd = random.Random(1)
    recs = [
        {"key": bytes(range(256)), "value": bytes(range(255, -1, -1)), "partition": 0},
        {"key": b"", "value": b"", "partition": 0},
        {"key": None, "value": None, "partition": 0},
        {"key": b"k-null-value", "value": None, "partition": 1},
        {"key": None, "value": b"no key", "partition": 1},
        {"key": b"\x00\x00", "value": b"\x00" * 1000, "partition": 2},
        {"key": b"h", "value": b"with headers", "partition": 2,
         "headers": [("a", b"1"), ("a", b"2"), ("bin", bytes(range(10))), ("empty", b"")]},
        {"key": b"ts", "value": b"explicit ts", "partition": 2, "timestamp": 1_600_000_000_123},
    ]
    for i in range(3000):
        recs.append({"key": f"k{i % 17}".encode(), "value": rnd.randbytes(rnd.randrange(0, 300)),
                     "partition": i % 3})
    p = producer(b.bootstrap)
    reports = produce_all(p, topic, recs)
    # Offsets per partition are exactly 0..n-1 in production order (one producer, acks=all,
    # default idempotence-off ordering with max.in.flight 1000000 may reorder only on retries).
    for part in range(3):
        offs = sorted(r["offset"] for r in reports if r["partition"] == part)
        check(offs == list(range(len(offs))), f"partition {part}: delivered offsets not 0..n-1")
    msgs = consume_partitions(b.bootstrap, topic, [0, 1, 2], len(recs))
    by_pos = {(m["partition"], m["offset"]): m for m in msgs}
    check(len(by_pos) == len(recs), "duplicate (partition, offset) in consumed messages")
    for r in reports:
        m = by_pos.get((r["partition"], r["offset"]))
        check(m is not None, f"record {r['i']} at {r['partition']}/{r['offset']} not consumed")
        check(m["key"] == r.get("key"), f"record {r['i']}: key {m['key']!r} != {r.get('key')!r}")
        check(m["value"] == r.get("value"),
              f"record {r['i']}: value {str(m['value'])[:60]} != {str(r.get('value'))[:60]}")
        want_h = r.get("headers")
        got_h = m["headers"]
        check((got_h or None) == (want_h or None),
              f"record {r['i']}: headers {got_h} != {want_h}")
        if r.get("timestamp") is not None:
            check(m["timestamp"] == (TIMESTAMP_CREATE_TIME, r["timestamp"]),
                  f"timestamp {m['timestamp']} != create time {r['timestamp']}")
        else:
            check(m["timestamp"][0] == TIMESTAMP_CREATE_TIME and m["timestamp"][1] > 0,
                  f"record {r['i']}: timestamp {m['timestamp']}")
    # Within each partition the consumer sees offsets in order.
    for part in range(3):
        offs = [m["offset"] for m in msgs if m["partition"] == part]
        check(offs == sorted(offs), f"partition {part}: consumed out of order")


def test_large_values():
    b = broker()
    topic = unique_topic("large")
    rnd = random.Random(2)
    recs = [{"key": f"big{i}".encode(), "value": rnd.randbytes(900_000 + i), "partition": 0}
            for i in range(6)]
    recs.insert(3, {"key": b"small", "value": b"between", "partition": 0})
    p = producer(b.bootstrap)
    reports = produce_all(p, topic, recs)
    check([r["offset"] for r in reports] == list(range(len(recs))),
          f"offsets {[r['offset'] for r in reports]}")
    msgs = consume_partitions(b.bootstrap, topic, [0], len(recs))
    check([m["offset"] for m in msgs] == list(range(len(recs))), "offsets out of order")
    for m, r in zip(msgs, recs):
        check(m["key"] == r["key"] and m["value"] == r["value"],
              f"offset {m['offset']}: content differs (len {len(m['value'] or b'')} vs "
              f"{len(r['value'])})")


def produce_timed(b, topic, n, t0):
    recs = [{"value": f"v{i}".encode(), "partition": 0, "timestamp": t0 + i * 1000}
            for i in range(n)]
    p = producer(b.bootstrap, linger_ms=50)  # several records per batch
    produce_all(p, topic, recs)


def test_watermarks_and_mid_batch_offset():
    b = broker()
    topic = unique_topic("wm")
    n = 50
    produce_timed(b, topic, n, 1_700_000_000_000)
    c = consumer(b.bootstrap)
    try:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False)
        check((lo, hi) == (0, n), f"watermarks ({lo}, {hi}) != (0, {n})")
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, 1), timeout=10, cached=False)
        check((lo, hi) == (0, 0), f"empty partition watermarks ({lo}, {hi}) != (0, 0)")
        # Consuming from an offset in the middle of a batch starts exactly there.
        c.assign([TopicPartition(topic, 0, 17)])
        got = []
        wait_until(lambda: got.extend(m for m in c.consume(10, 0.5) if not m.error()) or got,
                   30, "a message after assigning offset 17")
        check(got[0].offset() == 17 and got[0].value() == b"v17",
              f"first message after assign(17): offset {got[0].offset()} value {got[0].value()}")
    finally:
        c.close()


def test_offsets_for_times():
    b = broker()
    topic = unique_topic("times")
    t0 = 1_700_000_000_000
    n = 50
    produce_timed(b, topic, n, t0)
    c = consumer(b.bootstrap)
    try:
        queries = {t0 - 5: 0, t0: 0, t0 + 1: 1, t0 + 5500: 6, t0 + 7000: 7,
                   t0 + (n - 1) * 1000: n - 1}
        for ts, want in queries.items():
            res = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)
            check(res[0].error is None, f"offsets_for_times({ts}) error {res[0].error}")
            check(res[0].offset == want,
                  f"offsets_for_times(t0+{ts - t0}) = {res[0].offset}, want {want} (the first "
                  f"record with timestamp >= t, even inside a batch)")
        res = c.offsets_for_times([TopicPartition(topic, 0, t0 + n * 1000 + 1)], timeout=10)
        check(res[0].offset == -1, f"offsets_for_times beyond last ts = {res[0].offset}, want -1")
    finally:
        c.close()


def test_acks_0_and_1():
    """acks=0 gets no response on the wire (a stray response would desynchronise librdkafka's
    correlation ids); acks=1 behaves like acks=all on one broker."""
    b = broker()
    topic = unique_topic("acks")
    n = 2000
    p0 = producer(b.bootstrap, acks=0)
    produce_all(p0, topic, [{"value": f"a0-{i}".encode(), "partition": 0} for i in range(n)],
                acks0=True)
    # acks=0 requests may still be in the broker's queue: poll the high watermark.
    c = consumer(b.bootstrap)
    try:
        hw = lambda: c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10, cached=False)[1]
        last = []
        try:
            wait_until(lambda: last.append(hw()) or last[-1] == n, 20, "")
        except AssertionError:
            raise AssertionError(f"only {last[-1]} of {n} acks=0 records arrived (high "
                                 f"watermark), 20 s after the client wrote them")
    finally:
        c.close()
    # Then acks=1 on the same topic: offsets continue after the acks=0 records.
    p1 = producer(b.bootstrap, acks=1)
    reports = produce_all(p1, topic, [{"value": f"a1-{i}".encode(), "partition": 0}
                                      for i in range(10)])
    check([r["offset"] for r in reports] == list(range(n, n + 10)),
          f"acks=1 offsets after {n} acks=0 records: {[r['offset'] for r in reports]}")
    msgs = consume_partitions(b.bootstrap, topic, [0], n + 10)
    want = [f"a0-{i}".encode() for i in range(n)] + [f"a1-{i}".encode() for i in range(10)]
    check([m["value"] for m in msgs] == want, "acks=0/1 records differ or are out of order")


def test_offset_out_of_range():
    b = broker()
    topic = unique_topic("oor")
    produce_all(producer(b.bootstrap), topic,
                [{"value": f"r{i}".encode(), "partition": 0} for i in range(5)])
    res = raw_fetch(b.host, b.port, topic, 0, 100)
    check(res["error"] == 1, f"Fetch beyond the end: error {res['error']}, want "
                             f"OFFSET_OUT_OF_RANGE (1)")
    res = raw_fetch(b.host, b.port, topic, 0, 5)
    check(res["error"] == 0 and not res["records"], f"Fetch at the end: {res}")
    # librdkafka resets per auto.offset.reset after OFFSET_OUT_OF_RANGE.
    msgs = consume_partitions(b.bootstrap, topic, [0], 5, start=100,
                              auto_offset_reset="earliest")
    check([m["offset"] for m in msgs] == [0, 1, 2, 3, 4], f"after reset: {msgs}")


def test_message_too_large():
    """A batch above the broker's message.max.bytes is rejected with MESSAGE_TOO_LARGE (10); the
    partition stays usable; a fetch whose max bytes is below the batch size still returns that
    whole first batch (KIP-74), so consumers make progress."""
    with Broker(overrides={"message.max.bytes": 100_000, "num.partitions": 1}) as b:
        topic = unique_topic("big")
        p = producer(b.bootstrap, message_max_bytes=1_000_000, linger_ms=0)
        produce_all(p, topic, [{"value": b"small-before", "partition": 0}])
        errs = []
        p.produce(topic, value=random.Random(3).randbytes(150_000), partition=0,
                  on_delivery=lambda err, msg: errs.append(err))
        check(p.flush(30) == 0, "oversized message still queued")
        check(len(errs) == 1 and errs[0] is not None and
              errs[0].code() == KafkaError.MSG_SIZE_TOO_LARGE,
              f"oversized batch (150 KB > message.max.bytes=100000): delivery result {errs}")
        value = random.Random(4).randbytes(90_000)
        reports = produce_all(p, topic, [{"value": value, "partition": 0}])
        check(reports[0]["offset"] == 1, f"offset after the rejected batch: {reports[0]}")
        res = raw_fetch(b.host, b.port, topic, 0, 1, max_bytes=1000)
        batches = list(iter_batches(res["records"]))
        check(res["error"] == 0 and len(batches) == 1 and batches[0]["base_offset"] == 1,
              f"Fetch with max_bytes=1000 must still return the whole 90 KB batch at offset 1 "
              f"(got error {res['error']}, {len(res['records'] or b'')} bytes)")
        msgs = consume_partitions(b.bootstrap, topic, [0], 2, fetch_max_bytes=1000,
                                  message_max_bytes=1000, max_partition_fetch_bytes=1000)
        check(msgs[1]["value"] == value, "90 KB value differs when fetched with small limits")


def test_concurrent_producers():
    """Four producers (own connections) append to the same partition at once: every record
    exactly once, offsets contiguous, each producer's records in its own order."""
    b = broker()
    topic = unique_topic("conc")
    n, k = 5000, 4
    results = [None] * k
    failures = []

    def work(j):
        try:
            results[j] = produce_all(producer(b.bootstrap, linger_ms=1), topic,
                                     [{"key": f"p{j}".encode(), "value": f"{j}:{i}".encode(),
                                       "partition": 0} for i in range(n)])
        except BaseException as e:  # reported below
            failures.append((j, e))

    threads = [threading.Thread(target=work, args=(j,)) for j in range(k)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    check(not failures, f"producer failures: {failures}")
    check(all(r is not None for r in results), "a producer thread did not finish")
    offsets = sorted(r["offset"] for rs in results for r in rs)
    check(offsets == list(range(n * k)), "acknowledged offsets are not exactly 0..N-1")
    msgs = consume_partitions(b.bootstrap, topic, [0], n * k)
    last = {}
    for m in msgs:
        j, i = map(int, m["value"].split(b":"))
        check(m["key"] == f"p{j}".encode(), f"key/value mismatch at {m['offset']}")
        check(i == last.get(j, -1) + 1, f"producer {j}: record {i} follows {last.get(j)} "
                                         f"(offset {m['offset']})")
        last[j] = i
    check(all(last.get(j) == n - 1 for j in range(k)), f"last seen per producer: {last}")


def teardown():
    if BROKER is not None and BROKER.alive():
        BROKER.stop()


if __name__ == "__main__":
    main([test_metadata, test_produce_consume_binary, test_large_values,
          test_watermarks_and_mid_batch_offset, test_offsets_for_times,
          test_acks_0_and_1, test_offset_out_of_range,
          test_message_too_large, test_concurrent_producers, teardown])
