"""Compressed batches: for gzip, snappy, lz4 and zstd a confluent_kafka producer with
compression.type produces N records; a consumer reads them back identical. A raw Fetch v4 checks
that the broker really stored compressed batches (codec bits set, CRC-32C valid) — librdkafka
silently stops compressing when the broker's Produce range lacks v0, and zstd needs Produce 7 +
Fetch 10."""

import random

from ckutil import consume_partitions, produce_all, producer
from harness import Broker, batch_crc_ok, check, iter_batches, main, raw_fetch, unique_topic

CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
N = 5000
SMALL_BATCH_BYTES = 1024
BROKER = None


def broker():
    global BROKER
    if BROKER is None or not BROKER.alive():
        BROKER = Broker(overrides={"num.partitions": 2, "auto.create.topics.enable": True})
        BROKER.start()
    return BROKER


def make_records(seed):
    rnd = random.Random(seed)
    words = [rnd.randbytes(rnd.randrange(1, 12)).hex() for _ in range(200)]
    recs = []
    for i in range(N):
        value = " ".join(rnd.choice(words) for _ in range(rnd.randrange(0, 40))).encode()
        recs.append({"key": f"k{i % 31}".encode() if i % 5 else None, "value": value,
                     "partition": i % 2,
                     "headers": [("i", str(i).encode())] if i % 3 == 0 else None})
    return recs


def roundtrip(codec):
    b = broker()
    topic = unique_topic(f"comp-{codec}")
    recs = make_records(CODECS[codec])
    p = producer(b.bootstrap, compression_type=codec, linger_ms=20)
    reports = produce_all(p, topic, recs)
    msgs = consume_partitions(b.bootstrap, topic, [0, 1], N)
    by_pos = {(m["partition"], m["offset"]): m for m in msgs}
    for r in reports:
        m = by_pos.get((r["partition"], r["offset"]))
        check(m is not None, f"{codec}: record {r['i']} ({r['partition']}/{r['offset']}) missing")
        check(m["key"] == r["key"] and m["value"] == r["value"],
              f"{codec}: record {r['i']} differs after round trip")
        check((m["headers"] or None) == r["headers"], f"{codec}: headers of {r['i']} differ")
    for part in (0, 1):
        offs = [m["offset"] for m in msgs if m["partition"] == part]
        check(offs == list(range(N // 2)), f"{codec}: partition {part} offsets not 0..{N // 2 - 1}")

    # What did the broker store? Raw fetch of partition 0 from offset 0.
    res = raw_fetch(b.host, b.port, topic, 0, 0, max_bytes=4 << 20)
    check(res["error"] == 0, f"{codec}: raw fetch error {res['error']}")
    check(res["high_watermark"] == N // 2, f"{codec}: high watermark {res['high_watermark']}")
    batches = list(iter_batches(res["records"]))
    check(batches, f"{codec}: raw fetch returned no complete batch")
    expect_next = 0
    for bt in batches:
        check(bt["magic"] == 2, f"{codec}: batch magic {bt['magic']}")
        # librdkafka sends a batch uncompressed when compressing does not shrink it (a tiny batch
        # cut by linger.ms); anything of real size must arrive, and stay, compressed.
        tiny = len(bt["raw"]) < SMALL_BATCH_BYTES and bt["codec"] == 0
        check(bt["codec"] == CODECS[codec] or tiny,
              f"{codec}: stored batch at {bt['base_offset']} ({len(bt['raw'])} bytes) has codec "
              f"{bt['codec']}, expected {CODECS[codec]} (client did not compress, or broker "
              f"re-encoded)")
        check(bt["base_offset"] == expect_next,
              f"{codec}: batch base offset {bt['base_offset']} != {expect_next}")
        expect_next = bt["base_offset"] + bt["last_offset_delta"] + 1
    check(sum(bt["record_count"] for bt in batches if bt["codec"] == CODECS[codec]) >= N // 4,
          f"{codec}: most records should be stored in {codec} batches")
    check(batch_crc_ok(batches[0]), f"{codec}: CRC-32C of the first stored batch is wrong")
    check(sum(bt["record_count"] for bt in batches) == expect_next, "record counts")
    raw_size = sum(len(r["value"] or b"") for r in recs if r["partition"] == 0)
    if expect_next == N // 2:
        stored = sum(len(bt["raw"]) for bt in batches)
        check(stored < raw_size * 0.8,
              f"{codec}: stored {stored} bytes for {raw_size} bytes of compressible values")


def test_gzip():
    roundtrip("gzip")


def test_snappy():
    roundtrip("snappy")


def test_lz4():
    roundtrip("lz4")


def test_zstd():
    roundtrip("zstd")


def teardown():
    if BROKER is not None and BROKER.alive():
        BROKER.stop()


if __name__ == "__main__":
    main([test_gzip, test_snappy, test_lz4, test_zstd, teardown])
