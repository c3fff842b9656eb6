"""Fetch long polling: a consumer waiting at the end of the log (fetch.wait.max.ms=2000,
fetch.min.bytes=1) receives a record produced 0.5 s later promptly (< 1.5 s from produce to
receipt, i.e. the broker answers when data arrives, not at max wait). The raw Fetch v4 checks pin
the broker side: an empty long poll is held for ~max_wait_ms, and data arriving mid-wait completes
it early."""

import threading
import time

from confluent_kafka import TopicPartition

from ckutil import consumer, produce_all, producer
from harness import Broker, check, main, raw_fetch, unique_topic

BROKER = None


def broker():
    global BROKER
    if BROKER is None or not BROKER.alive():
        BROKER = Broker(overrides={"num.partitions": 1, "auto.create.topics.enable": True})
        BROKER.start()
    return BROKER


def test_consumer_long_poll_wakeup():
    b = broker()
    topic = unique_topic("lp")
    p = producer(b.bootstrap, linger_ms=0, acks=1)
    produce_all(p, topic, [{"value": b"warmup", "partition": 0}])
    c = consumer(b.bootstrap, fetch_wait_max_ms=2000, fetch_min_bytes=1)
    try:
        c.assign([TopicPartition(topic, 0, 1)])
        # Let the consumer reach the end of the log and sit in a long poll.
        t_end = time.monotonic() + 1.0
        while time.monotonic() < t_end:
            for m in c.consume(10, 0.1):
                check(m.error() is not None, f"unexpected message at {m.offset()}")
        delays = []
        for rnd in range(3):
            # One long poll is in flight; produce 0.5 s into the wait.
            start = time.monotonic()
            while time.monotonic() - start < 0.5:
                check(not [m for m in c.consume(10, 0.05) if not m.error()], "early message")
            value = f"round-{rnd}".encode()
            t_produce = time.monotonic()
            p.produce(topic, value=value, partition=0)
            p.poll(0)
            got = None
            deadline = t_produce + 10
            while got is None and time.monotonic() < deadline:
                for m in c.consume(10, 0.02):
                    if not m.error():
                        got = m
                p.poll(0)
            check(got is not None, f"round {rnd}: record not received within 10 s")
            delay = time.monotonic() - t_produce
            check(got.value() == value and got.offset() == 1 + rnd,
                  f"round {rnd}: got {got.value()!r} at {got.offset()}")
            delays.append(delay)
        print(f"produce->receive delays: {[round(d, 3) for d in delays]}")
        for d in delays:
            check(d < 1.5, f"record arrived {d:.2f}s after produce (fetch.wait.max.ms=2000): "
                           f"the broker does not complete a waiting fetch when data arrives")
        p.flush(10)
    finally:
        c.close()


def test_raw_long_poll():
    b = broker()
    topic = unique_topic("lpraw")
    produce_all(producer(b.bootstrap), topic, [{"value": b"x", "partition": 0}])

    # Nothing arrives: the broker holds the request for ~max_wait_ms, then answers empty.
    t0 = time.monotonic()
    res = raw_fetch(b.host, b.port, topic, 0, 1, max_wait_ms=1000, min_bytes=1)
    waited = time.monotonic() - t0
    check(res["error"] == 0 and res["high_watermark"] == 1, f"empty long poll: {res}")
    check(not res["records"], f"empty long poll returned records {res['records'][:40]!r}")
    check(0.8 <= waited < 5.0, f"empty fetch with max_wait_ms=1000 answered after {waited:.2f}s")

    # min_bytes=0 / max_wait 0: answered immediately.
    t0 = time.monotonic()
    res = raw_fetch(b.host, b.port, topic, 0, 1, max_wait_ms=0, min_bytes=1)
    check(time.monotonic() - t0 < 0.5, "fetch with max_wait_ms=0 was delayed")

    # Data arrives 0.5 s into a 3 s wait: the fetch completes early and carries it.
    p = producer(b.bootstrap, linger_ms=0, acks=1)
    p.list_topics(topic, timeout=10)
    result = {}

    def do_fetch():
        t = time.monotonic()
        result["res"] = raw_fetch(b.host, b.port, topic, 0, 1, max_wait_ms=3000, min_bytes=1)
        result["t"] = time.monotonic() - t

    th = threading.Thread(target=do_fetch)
    th.start()
    time.sleep(0.5)  # deliberate: the point of the test is "data arrives mid-wait"
    p.produce(topic, value=b"late", partition=0)
    p.flush(10)
    th.join(10)
    check(not th.is_alive(), "raw fetch did not return")
    res = result["res"]
    check(res["error"] == 0 and res["records"], f"long poll returned no records: {res}")
    check(b"late" in res["records"], "long poll response lacks the new record")
    check(result["t"] < 2.0, f"fetch waiting 3 s returned after {result['t']:.2f}s although data "
                             f"arrived at 0.5 s")


def teardown():
    if BROKER is not None and BROKER.alive():
        BROKER.stop()


if __name__ == "__main__":
    main([test_consumer_long_poll_wakeup, test_raw_long_poll, teardown])
