"""Durability across process death: every record acknowledged with acks=all is readable at the same
offset after kill -9 + restart; a clean SIGTERM + restart serves the same data; a kill -9 during
sustained produce loses nothing that was acknowledged and new produce continues at the next
offset; after recovery every .log file holds only whole batches with valid CRCs (no garbage); a
corrupt batch in the middle of the active segment is named in the log and cut, the records before
it are served."""

import glob
import os
import struct
import threading

from confluent_kafka import KafkaError, TopicPartition

from ckutil import consume_partitions, consumer, produce_all, producer
from harness import Broker, check, crc32c, main, unique_topic, wait_until


def new_broker():
    return Broker(overrides={"num.partitions": 2, "auto.create.topics.enable": True,
                             # small segments so that recovery crosses segment boundaries
                             "log.segment.bytes": 256 * 1024})


def watermarks(bootstrap, topic, partitions):
    c = consumer(bootstrap)
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
                for p in partitions}
    finally:
        c.close()


def verify(bootstrap, topic, reports, partitions=(0, 1), allow_extra=False):
    """All acknowledged records are at their acknowledged offsets; offsets contiguous from 0."""
    wm = watermarks(bootstrap, topic, partitions)
    acked_max = {p: max([r["offset"] for r in reports if r["partition"] == p], default=-1)
                 for p in partitions}
    for p in partitions:
        lo, hi = wm[p]
        check(lo == 0, f"partition {p}: log start offset {lo} after restart")
        check(hi >= acked_max[p] + 1,
              f"partition {p}: high watermark {hi} after restart, but offset {acked_max[p]} "
              f"was acknowledged")
        if not allow_extra:
            check(hi == acked_max[p] + 1, f"partition {p}: high watermark {hi} != "
                                          f"{acked_max[p] + 1} (records appeared from nowhere)")
    total = sum(hi for _, hi in wm.values())
    msgs = consume_partitions(bootstrap, topic, list(partitions), total, timeout=90)
    by_pos = {(m["partition"], m["offset"]): m for m in msgs}
    for p in partitions:
        offs = sorted(o for (pp, o) in by_pos if pp == p)
        check(offs == list(range(wm[p][1])), f"partition {p}: offsets not contiguous 0..hw-1")
    for r in reports:
        m = by_pos.get((r["partition"], r["offset"]))
        check(m is not None, f"acknowledged record {r['i']} at {r['partition']}/{r['offset']} "
                             f"missing after restart")
        check(m["value"] == r["value"] and m["key"] == r.get("key"),
              f"record at {r['partition']}/{r['offset']} changed after restart")
    return wm


def records(prefix, n):
    return [{"key": f"{prefix}-k{i % 13}".encode(),
             "value": f"{prefix}-{i:07d}-".encode() + b"x" * (i % 200), "partition": i % 2}
            for i in range(n)]


def test_kill9_after_ack():
    with new_broker() as b:
        topic = unique_topic("dur")
        p = producer(b.bootstrap, linger_ms=2, batch_num_messages=500)
        reports = produce_all(p, topic, records("a", 20000))
        del p
        b.kill9()
        check(len(segment_files(b, topic, 0)) > 1,
              "expected several segments (log.segment.bytes=256KiB), recovery should cross them")
        check(b.returncode == -9, f"kill9: return code {b.returncode}")
        b.start()
        verify(b.bootstrap, topic, reports)
        # and a second crash right after recovery changes nothing
        b.kill9()
        b.start()
        verify(b.bootstrap, topic, reports)


def test_clean_restart():
    with new_broker() as b:
        topic = unique_topic("clean")
        reports = produce_all(producer(b.bootstrap), topic, records("c", 5000))
        b.stop()  # asserts exit code 0 after SIGTERM
        b.start()
        verify(b.bootstrap, topic, reports)
        more = produce_all(producer(b.bootstrap), topic, records("d", 100))
        for p in (0, 1):
            first_new = min(r["offset"] for r in more if r["partition"] == p)
            check(first_new == 2500, f"partition {p}: produce after restart at {first_new}, "
                                     f"want 2500")
        b.stop()
        b.start()
        verify(b.bootstrap, topic, reports + [dict(r, i=r["i"] + 5000) for r in more])


def test_kill9_during_produce():
    with new_broker() as b:
        topic = unique_topic("crash")
        p = producer(b.bootstrap, linger_ms=1, message_timeout_ms=120000, retries=1000000)
        acked, errors = [], []
        lock = threading.Lock()
        stop = threading.Event()

        def cb(err, msg):
            with lock:
                if err is None:
                    acked.append({"i": len(acked), "partition": msg.partition(),
                                  "offset": msg.offset(), "key": msg.key(),
                                  "value": msg.value()})
                else:
                    errors.append(err)

        def run_producer():
            i = 0
            while not stop.is_set():
                try:
                    p.produce(topic, key=f"s-k{i % 13}".encode(),
                              value=f"s-{i:08d}-".encode() + b"y" * (i % 300),
                              partition=i % 2, on_delivery=cb)
                    i += 1
                except BufferError:
                    pass
                p.poll(0 if i % 100 else 0.001)

        th = threading.Thread(target=run_producer, daemon=True)
        th.start()
        wait_until(lambda: len(acked) >= 20000, 90, "20000 acknowledged records before the kill")
        b.kill9()
        stop.set()
        th.join(30)
        check(not th.is_alive(), "producer thread did not stop")
        # Anything acknowledged by the dead broker is reported now; nothing else can succeed.
        p.purge(in_queue=True, in_flight=True, blocking=True)
        p.flush(30)
        with lock:
            acked_at_kill = list(acked)
        check(all(e.code() in (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT,
                               KafkaError._TRANSPORT, KafkaError._MSG_TIMED_OUT)
                  for e in errors), f"unexpected delivery errors: {set(map(str, errors))}")
        p = None  # destroy the client before the restart
        check(len(acked_at_kill) >= 20000, "acked count shrank?")
        b.start()
        wm = verify(b.bootstrap, topic, acked_at_kill, allow_extra=True)
        # Recovery left no garbage: the broker is idle, its files are complete.
        check(check_no_garbage(b.data_dir) > 0, "no batches found by the garbage check")
        # New produce continues exactly at the recovered end of each partition.
        more = produce_all(producer(b.bootstrap), topic,
                           [{"value": f"after-{i}".encode(), "partition": i % 2}
                            for i in range(20)])
        for part in (0, 1):
            offs = sorted(r["offset"] for r in more if r["partition"] == part)
            check(offs == list(range(wm[part][1], wm[part][1] + 10)),
                  f"partition {part}: post-crash offsets {offs}, expected from {wm[part][1]}")
        b.stop()
        check_no_garbage(b.data_dir)
        b.start()
        verify(b.bootstrap, topic, acked_at_kill + [dict(r, i=10**9 + r["i"]) for r in more],
               allow_extra=True)


def check_no_garbage(data_dir):
    """Every segment under data_dir is a sequence of whole magic-2 batches with valid CRC-32C
    and increasing offsets, ending exactly at the end of the file. Returns the batch count."""
    batches = 0
    for part_dir in sorted(glob.glob(os.path.join(data_dir, "*"))):
        last = -1
        for path in sorted(glob.glob(os.path.join(part_dir, "[0-9]" * 20 + ".log"))):
            with open(path, "rb") as f:
                data = f.read()
            pos = 0
            while pos < len(data):
                where = f"{path} at position {pos} of {len(data)}"
                check(len(data) - pos >= 61, f"{where}: torn batch header after recovery")
                base, length = struct.unpack_from(">qi", data, pos)
                magic, crc = struct.unpack_from(">bI", data, pos + 16)
                last_delta = struct.unpack_from(">i", data, pos + 23)[0]
                end = pos + 12 + length
                check(magic == 2 and length >= 49 and end <= len(data),
                      f"{where}: not a whole batch (magic {magic}, length {length})")
                check(crc32c(data[pos + 21:end]) == crc, f"{where}: CRC mismatch")
                check(base > last, f"{where}: offset {base} after {last}")
                last = base + last_delta
                pos = end
                batches += 1
    return batches


def segment_files(b, topic, partition):
    files = sorted(glob.glob(os.path.join(b.data_dir, f"{topic}-{partition}", "*.log")))
    check(files, f"no segment files under {b.data_dir}/{topic}-{partition} (Kafka layout "
                 f"<log.dirs>/<topic>-<partition>/<base offset>.log expected)")
    return files


def test_torn_tail_recovery():
    """kill -9, then simulate torn writes at the end of the active segments: recovery truncates
    them, keeps every acknowledged record, rebuilds indexes (offsets_for_times works) and appends
    continue at the recovered end."""
    with new_broker() as b:
        topic = unique_topic("torn")
        t0 = 1_700_000_000_000
        recs = [dict(r, timestamp=t0 + i) for i, r in enumerate(records("t", 6000))]
        reports = produce_all(producer(b.bootstrap, linger_ms=2, batch_num_messages=200), topic,
                              recs)
        b.kill9()
        segs0, segs1 = segment_files(b, topic, 0), segment_files(b, topic, 1)
        check(len(segs0) > 1, f"expected several segments with log.segment.bytes=256KiB: {segs0}")
        with open(segs0[-1], "rb") as f:
            head = f.read(200)
        with open(segs0[-1], "ab") as f:       # a batch cut short: header + part of the records
            f.write(head[:100])
        with open(segs1[-1], "ab") as f:       # garbage that is not even a batch header
            f.write(os.urandom(37))
        b.start()
        wm = verify(b.bootstrap, topic, reports)
        check_no_garbage(b.data_dir)  # both damaged tails were cut
        more = produce_all(producer(b.bootstrap), topic,
                           [{"value": b"after-torn", "partition": p} for p in (0, 1)])
        for r in more:
            check(r["offset"] == wm[r["partition"]][1],
                  f"append after recovery at {r['offset']}, want {wm[r['partition']][1]}")
        verify(b.bootstrap, topic, reports + [dict(r, i=10**9 + r["i"]) for r in more])
        # time index rebuilt by recovery
        c = consumer(b.bootstrap)
        try:
            for i in (0, 1, 2999, 5998, 5999):
                p = i % 2
                res = c.offsets_for_times([TopicPartition(topic, p, t0 + i)], timeout=10)
                check(res[0].offset == i // 2,
                      f"after recovery offsets_for_times(t0+{i}) on partition {p} = "
                      f"{res[0].offset}, want {i // 2}")
        finally:
            c.close()


def test_corrupt_batch_mid_segment():
    """A batch with a bad CRC in the middle of the active segment, found after a kill -9:
    the broker starts, names the batch (offset, position, file) in its log, serves every record
    before it, appends after them, and restarts again without further repairs."""
    with new_broker() as b:
        topic = unique_topic("corrupt")
        recs = [{"value": f"c-{i:05d}-".encode() + b"q" * 100, "partition": 0}
                for i in range(3000)]
        reports = produce_all(producer(b.bootstrap, linger_ms=5, batch_num_messages=40), topic,
                              recs)
        b.kill9()
        path = segment_files(b, topic, 0)[-1]
        with open(path, "rb") as f:
            data = bytearray(f.read())
        starts, pos = [], 0
        while pos < len(data):
            starts.append(pos)
            pos += 12 + struct.unpack_from(">i", data, pos + 8)[0]
        check(len(starts) >= 5, f"want several batches in the active segment, got {len(starts)}")
        bad_pos = starts[len(starts) // 2]
        bad_offset = struct.unpack_from(">q", data, bad_pos)[0]
        data[bad_pos + 61 + 7] ^= 0x20  # inside the records: only the CRC can tell
        with open(path, "wb") as f:
            f.write(data)
        b.start()
        notice = (f"{topic}-0: recovery: corrupt batch at offset {bad_offset} (position {bad_pos}) "
                  f"in {os.path.basename(path)}: CRC mismatch; truncated {len(data) - bad_pos} "
                  f"bytes")
        check(notice in b.log_text(), f"server log lacks the notice {notice!r}")
        kept = [r for r in reports if r["partition"] == 0 and r["offset"] < bad_offset]
        check(len(kept) == bad_offset, f"{len(kept)} acknowledged records below {bad_offset}")
        wm = watermarks(b.bootstrap, topic, [0])
        check(wm[0] == (0, bad_offset), f"watermarks {wm[0]}, want (0, {bad_offset})")
        msgs = consume_partitions(b.bootstrap, topic, [0], bad_offset, timeout=60)
        by_offset = {m["offset"]: m["value"] for m in msgs}
        for r in kept:
            check(by_offset.get(r["offset"]) == r["value"], f"record {r['offset']} changed")
        more = produce_all(producer(b.bootstrap), topic, [{"value": b"after", "partition": 0}])
        check(more[0]["offset"] == bad_offset,
              f"append after recovery at {more[0]['offset']}, want {bad_offset}")
        check_no_garbage(b.data_dir)
        b.kill9()
        starts_before = b.log_text().count("recovery: corrupt batch")
        b.start()
        check(b.log_text().count("recovery: corrupt batch") == starts_before,
              "a second start repaired again")
        check(watermarks(b.bootstrap, topic, [0])[0] == (0, bad_offset + 1), "after 2nd start")


if __name__ == "__main__":
    main([test_kill9_after_ack, test_clean_restart, test_kill9_during_produce,
          test_torn_tail_recovery, test_corrupt_batch_mid_segment])
