"""Time in the log, seen through real clients: offsets_for_times (confluent_kafka) across many
segments with increasing and a few out-of-order timestamps; LogAppendTime from the broker option
(log.message.timestamp.type) and from a topic config (message.timestamp.type): delivery reports
and consumers see TIMESTAMP_LOG_APPEND_TIME with the broker's clock; segment.ms / log.roll.ms:
segments roll by record time (counted as .log files)."""

import glob
import os
import time

from confluent_kafka import TIMESTAMP_CREATE_TIME, TIMESTAMP_LOG_APPEND_TIME, TopicPartition
from confluent_kafka.admin import NewTopic

from ckutil import admin, consumer, partition_count, produce_all, producer
from harness import Broker, check, main, unique_topic, wait_until

T0 = 1_700_000_000_000


def log_files(b, topic, partition=0):
    return sorted(glob.glob(os.path.join(b.data_dir, f"{topic}-{partition}", "*.log")))


def create_topic(b, topic, config):
    a = admin(b.bootstrap)
    fs = a.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                   config=config)], request_timeout=15)
    fs[topic].result(timeout=30)
    wait_until(lambda: partition_count(b.bootstrap, topic, a) == 1, 30,
               f"topic {topic} visible in metadata")


def consume_all(bootstrap, topic, n):
    c = consumer(bootstrap)
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        out = []
        deadline = time.time() + 60
        while len(out) < n and time.time() < deadline:
            m = c.poll(1.0)
            if m is None or m.error():
                continue
            out.append(m)
        check(len(out) == n, f"consumed {len(out)} of {n} records from {topic}")
        return out
    finally:
        c.close()


def test_offsets_for_times_across_segments():
    """Many small segments; the answer is the first offset whose timestamp is >= the query, as
    a scan of the whole partition would find it, also around out-of-order records."""
    with Broker(overrides={"log.segment.bytes": 8192, "auto.create.topics.enable": True}) as b:
        topic = unique_topic("ts")
        n = 3000
        ts = [T0 + 10 * i for i in range(n)]
        for i in (400, 401, 1500, 2999):  # older than their neighbours
            ts[i] = T0 + 10 * i - 2500
        ts[2200] = T0 + 10 * 2200 + 3000  # newer than the next few hundred ms
        recs = [{"value": f"r{i:05d}-".encode() + b"z" * 40, "partition": 0, "timestamp": ts[i]}
                for i in range(n)]
        reports = produce_all(producer(b.bootstrap, linger_ms=0, batch_num_messages=7), topic,
                              recs)
        check([r["offset"] for r in reports] == list(range(n)), "offsets 0..n-1 in order")
        segs = log_files(b, topic)
        check(len(segs) >= 10, f"expected many segments with log.segment.bytes=8192: {len(segs)}")

        def expected(q):
            return next((i for i in range(n) if ts[i] >= q), -1)

        queries = [T0 - 1, T0, T0 + 1, T0 + 3995, T0 + 4000, T0 + 1500 * 10 - 2501,
                   T0 + 14975, T0 + 22000, T0 + 22001, T0 + 24500, T0 + 25001,
                   T0 + 10 * (n - 1) - 2500, T0 + 10 * (n - 2), T0 + 10 * (n - 2) + 1]
        queries += [T0 + 10 * i + d for i in range(0, n, 97) for d in (-3, 0, 4)]
        c = consumer(b.bootstrap)
        try:
            for q in queries:
                res = c.offsets_for_times([TopicPartition(topic, 0, q)], timeout=10)
                check(res[0].error is None, f"offsets_for_times({q}) error {res[0].error}")
                check(res[0].offset == expected(q),
                      f"offsets_for_times(T0+{q - T0}) = {res[0].offset}, want {expected(q)} "
                      f"({len(segs)} segments)")
        finally:
            c.close()


def check_log_append_time(b, topic, before_ms):
    """Produce records with an old CreateTime; reports and consumers must show the broker time."""
    recs = [{"value": f"lat-{i}".encode(), "partition": 0, "timestamp": T0 + i}
            for i in range(50)]
    p = producer(b.bootstrap)
    delivered = []
    for r in recs:
        p.produce(topic, value=r["value"], partition=0, timestamp=r["timestamp"],
                  on_delivery=lambda err, msg: delivered.append((err, msg.timestamp())))
    check(p.flush(60) == 0, "undelivered LogAppendTime records")
    after_ms = int(time.time() * 1000) + 1
    check(len(delivered) == len(recs) and all(e is None for e, _ in delivered),
          f"delivery errors: {[e for e, _ in delivered if e][:3]}")
    for _, (kind, t) in delivered:
        check(kind == TIMESTAMP_LOG_APPEND_TIME and before_ms <= t <= after_ms,
              f"delivery report timestamp {(kind, t)}, want LogAppendTime within "
              f"[{before_ms}, {after_ms}] (the produce response's log_append_time)")
    for m in consume_all(b.bootstrap, topic, len(recs)):
        kind, t = m.timestamp()
        check(kind == TIMESTAMP_LOG_APPEND_TIME,
              f"consumed timestamp type {kind}, want TIMESTAMP_LOG_APPEND_TIME")
        check(before_ms <= t <= after_ms,
              f"consumed LogAppendTime {t} outside the produce window [{before_ms}, {after_ms}]")
    # ListOffsets by time uses the broker's time too.
    c = consumer(b.bootstrap)
    try:
        res = c.offsets_for_times([TopicPartition(topic, 0, T0 + 10)], timeout=10)
        check(res[0].offset == 0, f"offsets_for_times(old CreateTime) = {res[0].offset}, want 0")
        res = c.offsets_for_times([TopicPartition(topic, 0, after_ms + 60_000)], timeout=10)
        check(res[0].offset == -1, f"offsets_for_times(future) = {res[0].offset}, want -1")
    finally:
        c.close()


def test_log_append_time_broker_option():
    with Broker(overrides={"log.message.timestamp.type": "LogAppendTime",
                           "auto.create.topics.enable": True}) as b:
        topic = unique_topic("lat")
        before = int(time.time() * 1000)
        check_log_append_time(b, topic, before)


def test_log_append_time_topic_config():
    with Broker(overrides={"auto.create.topics.enable": False}) as b:
        lat, ct = unique_topic("latcfg"), unique_topic("ct")
        create_topic(b, lat, {"message.timestamp.type": "LogAppendTime"})
        create_topic(b, ct, {})
        before = int(time.time() * 1000)
        check_log_append_time(b, lat, before)
        # The default stays CreateTime: the producer's timestamps come back unchanged.
        reports = produce_all(producer(b.bootstrap), ct,
                              [{"value": b"c", "partition": 0, "timestamp": T0 + i}
                               for i in range(5)])
        check(len(reports) == 5, "CreateTime produce")
        for i, m in enumerate(consume_all(b.bootstrap, ct, 5)):
            check(m.timestamp() == (TIMESTAMP_CREATE_TIME, T0 + i),
                  f"CreateTime topic: consumed {m.timestamp()}, want {(TIMESTAMP_CREATE_TIME, T0 + i)}")
        # The setting survives a restart.
        b.stop()
        b.start()
        check_log_append_time(b, lat, before)


def produce_spread(b, topic, start, step_ms, n):
    """n records, one batch each (acknowledged one by one), timestamps start, start + step_ms..."""
    p = producer(b.bootstrap, linger_ms=0)
    return [produce_all(p, topic, [{"value": f"s{i}".encode(), "partition": 0,
                                    "timestamp": start + i * step_ms}])[0] for i in range(n)]


def test_segment_ms_rolls_by_record_time():
    """segment.ms=1000 on a topic and log.roll.ms=1000 as the broker default: a batch more than a
    second younger than the active segment's first batch starts a new segment; batches closer
    together share one."""
    with Broker(overrides={"log.roll.ms": 1000, "auto.create.topics.enable": True}) as b:
        by_topic = unique_topic("rollcfg")
        create_topic(b, by_topic, {"segment.ms": "1000"})
        by_broker = unique_topic("rollbroker")
        big = unique_topic("rollbig")
        create_topic(b, big, {"segment.ms": "3600000"})
        for topic in (by_topic, by_broker, big):
            # 12 records 400 ms apart: segments start at 0, 1200, 2400, ... ms (3 records each)
            produce_spread(b, topic, T0, 400, 12)
        for topic in (by_topic, by_broker):
            segs = log_files(b, topic)
            check(len(segs) == 4, f"{topic}: {len(segs)} segments for 12 records 400 ms apart "
                                  f"with segment.ms=1000, want 4: {segs}")
            bases = [int(os.path.basename(s).split(".")[0]) for s in segs]
            check(bases == [0, 3, 6, 9], f"{topic}: segment base offsets {bases}")
        check(len(log_files(b, big)) == 1, f"segment.ms=1h rolled: {log_files(b, big)}")
        # Everything stays readable across the rolls and a restart.
        b.stop()
        b.start()
        for topic in (by_topic, by_broker):
            vals = [m.value() for m in consume_all(b.bootstrap, topic, 12)]
            check(vals == [f"s{i}".encode() for i in range(12)], f"{topic}: values {vals}")


if __name__ == "__main__":
    main([test_offsets_for_times_across_segments, test_log_append_time_broker_option,
          test_log_append_time_topic_config, test_segment_ms_rolls_by_record_time])
