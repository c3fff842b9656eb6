"""Zero-copy Fetch while retention deletes segments under active consumers.

Fetch responses carry record bytes as slices of each segment's memory mapping, written to the
socket after the log actor has moved on; retention may delete (and the broker unlink) a segment
between the read and the write. The mapping must outlive the file: no SIGBUS, no garbage.

Tiny segments (8 KiB), retention.ms 2000 on the topic (longer than librdkafka's ~500 ms
offset-reset cycle, so a consumer that falls behind can always catch up again), a retention check every 50 ms and no delete
delay, so segments are deleted all the time while a producer keeps appending and two readers
consume from the oldest offset:
- a confluent_kafka consumer with check.crcs=true (librdkafka verifies every batch CRC and
  reports _BAD_MSG otherwise); every value is checked against what the producer sent;
- a raw Fetch v4 loop that checks every batch's CRC-32C itself.
The run ends once retention has moved the log start offset on many times and both readers have
seen enough data, never after a fixed sleep.
"""

import hashlib
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, KafkaError, TopicPartition
from confluent_kafka.admin import NewTopic

import ckutil
from harness import (Broker, batch_crc_ok, check, iter_batches, main, raw_fetch, unique_topic,
                     wait_until)

OVERRIDES = {"log.segment.bytes": 8192, "log.retention.check.interval.ms": 50,
             "log.segment.delete.delay.ms": 0}
OFFSET_OUT_OF_RANGE = 1
VALUE_SIZE = 300


def value_for(seq):
    """Deterministic content per sequence number, so garbage cannot pass as a record."""
    head = b"%08d:" % seq
    digest = hashlib.sha256(head).digest()
    body = (digest * (VALUE_SIZE // len(digest) + 1))[:VALUE_SIZE - len(head)]
    return head + body


def check_value(v):
    check(v is not None and len(v) == VALUE_SIZE, f"value of wrong size: {v!r:.60}")
    seq = int(v[:8])
    check(v == value_for(seq), f"garbled value for seq {seq}: {v!r:.60}")
    return seq


class Run:
    def __init__(self):
        self.stop = threading.Event()
        self.errors = []
        self.produced = 0
        self.consumed = 0
        self.raw_batches = 0
        self.raw_resets = 0
        self.lock = threading.Lock()

    def fail(self, what):
        with self.lock:
            self.errors.append(what)
        self.stop.set()


def produce(b, topic, run):
    p = ckutil.producer(b.bootstrap, linger_ms=2)
    seq = 0
    try:
        while not run.stop.is_set():
            recs = [{"value": value_for(s)} for s in range(seq, seq + 25)]
            ckutil.produce_all(p, topic, recs)
            seq += 25
            run.produced = seq
            time.sleep(0.005)  # at most ~5000 records/s: readers keep up on a loaded machine
    except Exception as e:  # noqa: B902 - reported to the main thread
        run.fail(f"producer: {e!r}")


def consume(b, topic, run):
    c = None
    try:
        c = ckutil.consumer(b.bootstrap, check_crcs=True, auto_offset_reset="earliest",
                            max_partition_fetch_bytes=128 * 1024)
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        last_offset = -1
        while not run.stop.is_set():
            for m in c.consume(num_messages=1000, timeout=0.2):
                if m.error():
                    if m.error().code() in (KafkaError._PARTITION_EOF,
                                            KafkaError._AUTO_OFFSET_RESET):
                        continue
                    run.fail(f"consumer error: {m.error()}")
                    return
                check_value(m.value())
                check(m.offset() > last_offset or m.offset() < last_offset - 1,
                      f"offset {m.offset()} repeated after {last_offset}")
                last_offset = m.offset()
                run.consumed += 1
    except Exception as e:  # noqa: B902
        run.fail(f"consumer: {e!r}")
    finally:
        if c is not None:
            c.close()


def raw_reader(b, topic, run):
    wm = ckutil.consumer(b.bootstrap)
    offset = 0
    try:
        while not run.stop.is_set():
            r = raw_fetch(b.host, b.port, topic, 0, offset, max_bytes=48 * 1024, max_wait_ms=100)
            if r["error"] == OFFSET_OUT_OF_RANGE:
                low, _ = wm.get_watermark_offsets(TopicPartition(topic, 0), timeout=10,
                                                  cached=False)
                offset = low
                run.raw_resets += 1
                continue
            check(r["error"] == 0, f"raw fetch error {r['error']} at offset {offset}")
            for batch in iter_batches(r["records"]):
                check(batch["magic"] == 2, f"batch at {batch['base_offset']}: magic")
                check(batch_crc_ok(batch), f"batch at {batch['base_offset']}: CRC mismatch")
                check(batch["base_offset"] + batch["last_offset_delta"] >= offset,
                      f"batch at {batch['base_offset']} ends before offset {offset}")
                offset = batch["base_offset"] + batch["last_offset_delta"] + 1
                run.raw_batches += 1
    except Exception as e:  # noqa: B902
        run.fail(f"raw reader: {e!r}")
    finally:
        wm.close()


def test_fetch_while_retention_deletes_segments():
    with Broker(overrides=OVERRIDES) as b:
        topic = unique_topic("zc")
        a = ckutil.admin(b.bootstrap)
        fs = a.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                       config={"retention.ms": "2000"})], request_timeout=15)
        fs[topic].result(timeout=30)
        ckutil.wait_until(lambda: ckutil.partition_count(b.bootstrap, topic, a) == 1, 30,
                          f"{topic} visible")
        run = Run()
        threads = [threading.Thread(target=f, args=(b, topic, run), daemon=True)
                   for f in (produce, consume, raw_reader)]
        for t in threads:
            t.start()
        starts = set()
        watcher = ckutil.consumer(b.bootstrap)

        def enough():
            if run.stop.is_set():
                return True
            low, _ = watcher.get_watermark_offsets(TopicPartition(topic, 0), timeout=10,
                                                   cached=False)
            starts.add(low)
            return len(starts) >= 30 and run.consumed >= 10000 and run.raw_batches >= 500
        try:
            wait_until(enough, 120, "retention and both readers to make progress")
        except AssertionError as e:
            raise AssertionError(f"{e}: consumed {run.consumed}, raw batches {run.raw_batches}, "
                                 f"{len(starts)} log start offsets") from None
        finally:
            run.stop.set()
            for t in threads:
                t.join(timeout=60)
            watcher.close()
        check(not run.errors, "; ".join(run.errors))
        check(b.alive(), "broker died (SIGBUS?)")
        print(f"  produced {run.produced}, consumed {run.consumed}, raw batches "
              f"{run.raw_batches}, raw out-of-range resets {run.raw_resets}, "
              f"{len(starts)} distinct log start offsets")


if __name__ == "__main__":
    main([test_fetch_while_retention_deletes_segments])
