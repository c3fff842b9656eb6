"""Log compaction against a real cafka-server, driven by confluent_kafka (librdkafka 2.0.2).

* A topic created with cleanup.policy=compact, segment.bytes=4096, min.cleanable.dirty.ratio=0.01
  and delete.retention.ms=3000 gets overwrites of 200 keys and tombstones for 40 of them; once
  the broker logs a clean (log.cleaner.backoff.ms=200), a consumer reading from the beginning
  gets exactly the latest value of every key (the tombstoned ones as tombstones), offsets
  strictly increasing; once delete.retention.ms has passed and more data made the log dirty,
  the tombstoned keys are gone. A keyless record fails with INVALID_RECORD (87). kill -9 and a
  restart keep all of it.
* __consumer_offsets (compacted, created by the broker): 400 commits of one group's offset
  shrink its partition (the broker logs the clean) and the last commit still fetches after a
  restart.
"""

import os
import re
import time

from confluent_kafka import KafkaError, TopicPartition
from confluent_kafka.admin import NewTopic

import ckutil
from harness import Broker, check, main, unique_topic, wait_until

OVERRIDES = {"log.cleaner.backoff.ms": 200, "log.segment.delete.delay.ms": 0,
             "offsets.topic.num.partitions": 1, "group.initial.rebalance.delay.ms": 0,
             "auto.create.topics.enable": False}
INVALID_RECORD = 87
KEYS = 200
ROUNDS = 4
PAD = b"p" * 60


def create_compacted(b, topic, retention_ms):
    a = ckutil.admin(b.bootstrap)
    config = {"cleanup.policy": "compact", "segment.bytes": "4096",
              "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": str(retention_ms)}
    fs = a.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                   config=config)], request_timeout=15)
    fs[topic].result(timeout=30)
    wait_until(lambda: ckutil.partition_count(b.bootstrap, topic, a) == 1, 30, f"{topic} visible")


def cleaned_lines(b, partition_name):
    return re.findall(rf"{re.escape(partition_name)}: cleaned (\d+) segments .*clean up to "
                      rf"offset (\d+)", b.log_text())


def read_all(b, topic):
    """Every record from the log start up to the high watermark, as (offset, key, value)."""
    c = ckutil.consumer(b.bootstrap)
    try:
        low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        out = []
        if high == 0:
            return out
        c.assign([TopicPartition(topic, 0, low)])
        deadline = time.monotonic() + 60
        while not out or out[-1][0] < high - 1:
            check(time.monotonic() < deadline, f"read only up to {out[-1:]} of {high} in 60 s")
            for m in c.consume(num_messages=10000, timeout=0.5):
                check(m.error() is None, f"consumer error: {m.error()}")
                out.append((m.offset(), m.key(), m.value()))
        return out
    finally:
        c.close()


def filler(p, topic, n):
    """Records of one key, big enough to roll segments: what came before is sealed."""
    ckutil.produce_all(p, topic, [{"key": b"filler", "value": b"f" * 1500} for _ in range(n)])


def check_compacted(records, expected):
    offsets = [o for o, _, _ in records]
    check(offsets == sorted(set(offsets)), "offsets strictly increasing")
    keyed = [(k, v) for _, k, v in records if k != b"filler"]
    keys = [k for k, _ in keyed]
    check(len(keys) == len(set(keys)),
          f"each key once after the clean, got {len(keys)} records for {len(set(keys))} keys")
    got = dict(keyed)
    check(got == expected, f"latest values differ: {len(got)} keys read, {len(expected)} "
                           f"expected, e.g. {sorted(set(got.items()) ^ set(expected.items()))[:4]}")


def wait_compacted(b, topic, expected, what):
    """Waits until every key is read once (a clean covered all records so far: an earlier clean
    may have run while they were still arriving), then checks the latest values."""
    def keys_once():
        keys = [k for _, k, _ in read_all(b, topic) if k != b"filler"]
        return len(keys) == len(set(keys))
    wait_until(keys_once, 30, what, interval=0.5)
    check_compacted(read_all(b, topic), expected)


def test_compacted_topic():
    b = Broker(overrides=OVERRIDES).start()
    try:
        topic = unique_topic("compacted")
        create_compacted(b, topic, retention_ms=3000)
        p = ckutil.producer(b.bootstrap, linger_ms=0)
        latest = {}
        for r in range(ROUNDS):
            recs = [{"key": b"k%03d" % i, "value": b"r%d-%03d-" % (r, i) + PAD}
                    for i in range(KEYS)]
            ckutil.produce_all(p, topic, recs)
            latest.update({rec["key"]: rec["value"] for rec in recs})
        dead = [b"k%03d" % i for i in range(0, KEYS, 5)]
        ckutil.produce_all(p, topic, [{"key": k, "value": None} for k in dead])
        latest.update({k: None for k in dead})
        filler(p, topic, 4)
        wait_until(lambda: cleaned_lines(b, f"{topic}-0"), 30, "the broker logs a clean")
        # Tombstones survive within delete.retention.ms ...
        wait_compacted(b, topic, latest, "a clean of every round")
        print(f"  broker: {cleaned_lines(b, f'{topic}-0')[-1]}")
        # ... and go once it has passed and more data makes the log dirty again.
        time.sleep(3.2)  # delete.retention.ms is measured from the segments' modification time
        live = {k: v for k, v in latest.items() if v is not None}
        filler(p, topic, 4)

        def tombstones_gone():
            recs = read_all(b, topic)
            return not any(v is None for _, _, v in recs)
        wait_until(tombstones_gone, 30, "the tombstones are removed after delete.retention.ms")
        check_compacted(read_all(b, topic), live)
        # Keyless records are refused by a compacted topic.
        errors = []
        p.produce(topic, value=b"no key", on_delivery=lambda err, msg: errors.append(err))
        p.flush(30)
        check(len(errors) == 1 and errors[0] is not None
              and errors[0].code() == INVALID_RECORD,
              f"keyless record: expected INVALID_RECORD, got {errors}")
        # kill -9 and restart: the compacted log reads the same.
        before = read_all(b, topic)
        b.kill9()
        b.start()
        check(read_all(b, topic) == before, "the same records after kill -9 and restart")
        # Cleaning continues after the restart (checkpoint), and new overwrites get compacted.
        p2 = ckutil.producer(b.bootstrap, linger_ms=0)
        ckutil.produce_all(p2, topic, [{"key": k, "value": b"again-" + k}
                                       for k in list(live)[:50]])
        live.update({k: b"again-" + k for k in list(live)[:50]})
        filler(p2, topic, 4)
        n = len(cleaned_lines(b, f"{topic}-0"))
        wait_until(lambda: len(cleaned_lines(b, f"{topic}-0")) > n, 30, "a clean after restart")
        wait_compacted(b, topic, live, "a clean of the overwrites after restart")
        b.stop()
    except BaseException:
        b.dump_log()
        b.kill9()
        raise


def offsets_dir(b):
    return os.path.join(b.data_dir, "__consumer_offsets-0")


def offsets_size(b):
    d = offsets_dir(b)
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.endswith(".log"))


def test_consumer_offsets_compacted():
    ov = dict(OVERRIDES)
    ov["log.segment.bytes"] = 4096
    b = Broker(overrides=ov).start()
    try:
        topic = unique_topic("offs")
        ckutil.create_topic(b.bootstrap, topic, 1)
        group = "compacted-group"
        c = ckutil.consumer(b.bootstrap, group_id=group)
        try:
            tp = TopicPartition(topic, 0)
            c.assign([tp])
            for i in range(1, 401):
                c.commit(offsets=[TopicPartition(topic, 0, i)], asynchronous=False)
            # A clean may already run while the commits go on (a slow machine): wait for one
            # after them, i.e. for the size to drop, and fail with the size seen last.
            sizes = []

            def compacted():
                sizes.append(offsets_size(b))
                return cleaned_lines(b, "__consumer_offsets-0") and sizes[-1] < 400 * 80

            wait_until(compacted, 30,
                       lambda: f"__consumer_offsets-0 still holds {sizes[-1]} bytes, cleans: "
                               f"{cleaned_lines(b, '__consumer_offsets-0')}")
            print(f"  __consumer_offsets-0: {sizes[-1]} bytes after 400 commits "
                  f"({cleaned_lines(b, '__consumer_offsets-0')[-1]})")
            check(c.committed([tp], timeout=10)[0].offset == 400, "committed offset before restart")
        finally:
            c.close()
        b.kill9()
        b.start()
        c = ckutil.consumer(b.bootstrap, group_id=group)
        try:
            deadline = time.monotonic() + 30
            while True:  # the coordinator may still be loading its partition
                try:
                    got = c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
                    break
                except Exception as e:  # noqa: BLE001 - retriable while loading
                    check(time.monotonic() < deadline, f"committed() kept failing: {e}")
                    time.sleep(0.2)
            check(got == 400, f"committed offset after restart: {got}")
        finally:
            c.close()
        b.stop()
    except BaseException:
        b.dump_log()
        b.kill9()
        raise


if __name__ == "__main__":
    main([test_compacted_topic, test_consumer_offsets_compacted])
