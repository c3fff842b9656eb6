"""Retention (by time, by size) and DeleteRecords against a real cafka-server.

Small segments (4 KiB), a retention check every 200 ms and no delete delay, so segments go
quickly. Clients: confluent_kafka (watermarks, consumers from OFFSET_BEGINNING and with
auto.offset.reset=earliest) and raw DeleteRecords v0/v1 frames (neither confluent_kafka 1.7 nor
kafka-python 2.0.2 can send DeleteRecords). Waiting is by polling a condition, never by sleeping.
"""

import os
import time

from confluent_kafka import OFFSET_BEGINNING
from confluent_kafka.admin import NewTopic

import ckutil
from harness import (Broker, check, connect, i16, i32, i64, main, raw_fetch, recv_frame,
                     send_frame, string, unique_topic, wait_until, Reader)

OVERRIDES = {"log.segment.bytes": 4096, "log.retention.check.interval.ms": 200,
             "log.segment.delete.delay.ms": 0}
OFFSET_OUT_OF_RANGE = 1
UNKNOWN_TOPIC_OR_PARTITION = 3


def now_ms():
    return int(time.time() * 1000)


def create(b, topic, config=None):
    a = ckutil.admin(b.bootstrap)
    fs = a.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                   config=config or {})], request_timeout=15)
    fs[topic].result(timeout=30)
    ckutil.wait_until(lambda: ckutil.partition_count(b.bootstrap, topic, a) == 1, 30,
                      f"{topic} visible")


def produce_chunks(b, topic, n, ts=None, chunk=10, size=100):
    """n records in batches of `chunk` (a flush each), so they spread over several segments."""
    p = ckutil.producer(b.bootstrap)
    for start in range(0, n, chunk):
        recs = [{"value": b"%06d" % i + b"x" * size, "timestamp": ts}
                for i in range(start, min(n, start + chunk))]
        ckutil.produce_all(p, topic, recs)


def watermarks(b, topic):
    return ckutil.watermarks(b.bootstrap, topic)


def segment_bases(b, topic):
    d = os.path.join(b.data_dir, f"{topic}-0")
    return sorted(int(f[:20]) for f in os.listdir(d) if f.endswith(".log"))


def first_offset_from(b, topic, start, expected, **conf):
    msgs = ckutil.consume_partitions(b.bootstrap, topic, [0], expected, start=start, **conf)
    return msgs[0]["offset"]


def delete_records(b, version, topic, partition, offset):
    body = (i32(1) + string(topic) + i32(1) + i32(partition) + i64(offset) + i32(10000))
    with connect(b.host, b.port) as s:
        send_frame(s, 21, version, 42, body)
        payload = recv_frame(s)
    r = Reader(payload)
    check(r.i32() == 42, "correlation id")
    r.i32()  # throttle
    check(r.i32() == 1, "one topic")
    check(r.string() == topic, "topic name")
    check(r.i32() == 1, "one partition")
    idx, low, err = r.i32(), r.i64(), r.i16()
    check(idx == partition, "partition index")
    return low, err


def test_retention_by_time():
    with Broker(overrides=OVERRIDES) as b:
        t, keep = unique_topic("old"), unique_topic("keep")
        create(b, t, {"retention.ms": "3600000"})
        create(b, keep)  # broker default: 168 h
        two_hours_ago = now_ms() - 2 * 3600 * 1000
        produce_chunks(b, t, 200, ts=two_hours_ago)
        produce_chunks(b, t, 50, ts=now_ms())
        produce_chunks(b, keep, 100, ts=two_hours_ago)
        # Whole segments of old records go; the one holding the first fresh record (200) stays.
        # A pass may run while the produce still fills the active segment (never deleted), so
        # wait for that end state, not for the first pass.
        def settled_low():
            bases = segment_bases(b, t)
            holds_200 = bases and bases[0] <= 200 and (len(bases) == 1 or bases[1] > 200)
            low = watermarks(b, t)[0]
            return low if holds_200 and low == bases[0] else 0
        low = wait_until(settled_low, 30, lambda: f"retention kept only the segment with offset "
                                                  f"200 and later: {segment_bases(b, t)}")
        check(0 < low <= 200, f"low watermark {low}")
        check(segment_bases(b, t)[0] == low, f"first segment {segment_bases(b, t)} vs {low}")
        check(watermarks(b, t) == (low, 250), f"watermarks {watermarks(b, t)}")
        check(first_offset_from(b, t, OFFSET_BEGINNING, 250 - low) == low, "earliest")
        # Several retention passes ran meanwhile; 2 h old records are within 168 h.
        wait_until(lambda: "retention deleted" in b.log_text(), 10, "retention logged")
        check(watermarks(b, keep) == (0, 100), f"default retention kept {watermarks(b, keep)}")
        check(len(segment_bases(b, keep)) > 1, "keep has closed segments")


def test_retention_by_bytes():
    with Broker(overrides=OVERRIDES) as b:
        t = unique_topic("bytes")
        create(b, t, {"retention.bytes": "8192"})
        produce_chunks(b, t, 300)
        low = wait_until(lambda: watermarks(b, t)[0], 30, "size retention")
        d = os.path.join(b.data_dir, f"{t}-0")

        def sizes():
            return [os.path.getsize(os.path.join(d, "%020d.log" % base))
                    for base in segment_bases(b, t)]
        # Converges: the oldest segment goes while the rest still reaches 8192 bytes.
        wait_until(lambda: sum(sizes()) - sizes()[0] < 8192, 30, f"sizes {sizes()}")
        check(sum(sizes()) >= 8192, f"kept at least retention.bytes: {sizes()}")
        low = watermarks(b, t)[0]
        check(low == segment_bases(b, t)[0], "low watermark = first segment")
        check(first_offset_from(b, t, OFFSET_BEGINNING, 300 - low) == low, "earliest")


def test_delete_records():
    with Broker(overrides=OVERRIDES) as b:
        t = unique_topic("dr")
        create(b, t)
        produce_chunks(b, t, 100)
        check(delete_records(b, 0, t, 0, 35) == (35, 0), "v0 → low watermark 35")
        check(watermarks(b, t) == (35, 100), f"watermarks {watermarks(b, t)}")
        check(min(segment_bases(b, t)) <= 35 < 100, "segments wholly below 35 deleted")
        check(delete_records(b, 1, t, 0, 101) == (-1, OFFSET_OUT_OF_RANGE), "beyond the HW")
        check(delete_records(b, 1, t, 0, 20) == (35, 0), "never backwards")
        check(delete_records(b, 1, "no-such-topic", 0, 1)[1] == UNKNOWN_TOPIC_OR_PARTITION,
              "unknown topic")
        check(delete_records(b, 1, t, 5, 1)[1] == UNKNOWN_TOPIC_OR_PARTITION, "unknown partition")
        # Below the start: Fetch says OFFSET_OUT_OF_RANGE; clients reset to the new earliest.
        check(raw_fetch(b.host, b.port, t, 0, 10)["error"] == OFFSET_OUT_OF_RANGE, "fetch at 10")
        check(raw_fetch(b.host, b.port, t, 0, 35)["error"] == 0, "fetch at 35")
        check(first_offset_from(b, t, OFFSET_BEGINNING, 65) == 35, "OFFSET_BEGINNING")
        check(first_offset_from(b, t, 10, 65, auto_offset_reset="earliest") == 35,
              "auto.offset.reset=earliest after OFFSET_OUT_OF_RANGE")
        b.restart()
        check(watermarks(b, t) == (35, 100), f"after restart {watermarks(b, t)}")
        check(raw_fetch(b.host, b.port, t, 0, 34)["error"] == OFFSET_OUT_OF_RANGE, "after restart")
        check(delete_records(b, 1, t, 0, -1) == (100, 0), "-1 → the high watermark")
        check(watermarks(b, t) == (100, 100), f"everything deleted {watermarks(b, t)}")
        b.kill9()
        b.start()
        check(watermarks(b, t) == (100, 100), f"after kill -9 {watermarks(b, t)}")
        produce_chunks(b, t, 5)
        check(first_offset_from(b, t, OFFSET_BEGINNING, 5) == 100, "new records after 100")


if __name__ == "__main__":
    main([test_retention_by_time, test_retention_by_bytes, test_delete_records])
