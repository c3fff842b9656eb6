"""kcat produces 100,000 keyed records with headers into an auto-created 4-partition topic and
consumes them back; the test compares byte-exact (every record exactly once, per-partition offsets
contiguous from 0, per-key order preserved, one partition per key, headers intact)."""

import collections
import json
import random

from harness import Broker, check, main, run, unique_topic

N = 100_000
KEYS = 997
PARTITIONS = 4


def make_input():
    rnd = random.Random(4711)
    lines, expected = [], {}
    for i in range(N):
        key = f"key-{i % KEYS:04d}".encode()
        # Values: unique sequence number first, then bytes that exercise exactness: ':' (the
        # key delimiter again), '|', UTF-8, tabs, and variable length. No '\n' (kcat's delimiter).
        filler = "".join(rnd.choice("abcXYZ019|:\t ü€") for _ in range(rnd.randrange(0, 120)))
        value = f"{i:06d}:{filler}".encode()
        lines.append(key + b":" + value)
        expected[value] = key
    return b"\n".join(lines) + b"\n", expected


def test_kcat_roundtrip():
    data, expected = make_input()
    topic = unique_topic("kcat")
    with Broker(overrides={"num.partitions": PARTITIONS, "auto.create.topics.enable": True}) as b:
        prod = run(["kcat", "-P", "-b", b.bootstrap, "-t", topic, "-K:", "-H", "h1=v1",
                    "-H", "h2=second header", "-X", "linger.ms=5", "-X", "acks=all",
                    "-X", "message.timeout.ms=60000"], timeout=180, input=data)
        stderr = prod.stderr.decode(errors="replace")
        check("Delivery failed" not in stderr and "ERROR" not in stderr,
              f"kcat producer reported errors:\n{stderr[-3000:]}")

        md = json.loads(run(["kcat", "-L", "-J", "-b", b.bootstrap, "-t", topic],
                            timeout=30).stdout)
        topics = [t for t in md["topics"] if t["topic"] == topic]
        check(len(topics) == 1, f"kcat -L does not list {topic}: {md}")
        parts = topics[0]["partitions"]
        check(sorted(p["partition"] for p in parts) == list(range(PARTITIONS)),
              f"expected {PARTITIONS} partitions (num.partitions), got {parts}")
        broker_ids = {br["id"] for br in md["brokers"]}
        for p in parts:
            check(p["leader"] in broker_ids, f"partition leader {p['leader']} not a broker "
                                             f"{broker_ids}")

        cons = run(["kcat", "-C", "-b", b.bootstrap, "-t", topic, "-e", "-o", "beginning",
                    "-q", "-f", "%k|%s|%h|%p|%o\\n"], timeout=180)
        out = cons.stdout
        check(out.endswith(b"\n"), "consumer output does not end with a newline")
        rows = out[:-1].split(b"\n")
        check(len(rows) == N, f"kcat consumed {len(rows)} records, produced {N}")

        seen = {}
        per_part_offsets = collections.defaultdict(list)
        key_partition = {}
        last_seq_per_key = {}
        for row in rows:
            head, hdrs, part, off = row.rsplit(b"|", 3)
            key, value = head.split(b"|", 1)
            part, off = int(part), int(off)
            check(value in expected, f"unexpected value {value[:60]!r} (key {key!r})")
            check(value not in seen, f"duplicate record {value[:40]!r} at {part}/{off} and "
                                     f"{seen.get(value)}")
            seen[value] = (part, off)
            check(expected[value] == key, f"key mismatch for {value[:20]!r}: {key!r} != "
                                          f"{expected[value]!r}")
            check(hdrs == b"h1=v1,h2=second header", f"headers mismatch: {hdrs!r}")
            per_part_offsets[part].append(off)
            check(key_partition.setdefault(key, part) == part,
                  f"key {key!r} in partitions {key_partition[key]} and {part}")
            seq = int(value[:6])
            check(seq > last_seq_per_key.get(key, -1),
                  f"per-key order violated for {key!r}: {seq} after {last_seq_per_key.get(key)}")
            last_seq_per_key[key] = seq
        check(len(seen) == N, f"{N - len(seen)} records missing")
        for p, offs in per_part_offsets.items():
            bad = [(i, o) for i, o in enumerate(offs) if o != i][:1]
            check(not bad, f"partition {p}: offsets not contiguous from 0 in consumption "
                           f"order (index, offset) = {bad}")
        check(len(per_part_offsets) > 1, "all records landed in one partition")

        # Watermarks agree with what was consumed.
        q = run(["kcat", "-Q", "-b", b.bootstrap, "-t", f"{topic}:0:-1", "-t", f"{topic}:1:-1",
                 "-t", f"{topic}:2:-1", "-t", f"{topic}:3:-1"], timeout=30, check=False)
        text = q.stdout.decode(errors="replace")
        for p in range(PARTITIONS):
            want = f"{topic} [{p}] offset {len(per_part_offsets[p])}"
            check(want in text, f"kcat -Q: expected '{want}', got:\n{text}\n"
                                f"{q.stderr.decode(errors='replace')}")


if __name__ == "__main__":
    main([test_kcat_roundtrip])
