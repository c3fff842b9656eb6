"""A full disk: appends fail with KAFKA_STORAGE_ERROR, the broker stays up, space returns.

A soft RLIMIT_FSIZE on cafka-server stands in for a full disk: writes past the limit fail with
EFBIG (cafka-server ignores SIGXFSZ) exactly like ENOSPC would, partial write included. Segments
are larger than the limit, so one partition's active .log hits it while every other file (small
indexes, other partitions, the server log) stays below it.
"""
import os
import subprocess

import confluent_kafka
from confluent_kafka import KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

import harness
from harness import Broker, check, main, unique_topic, wait_until

LIMIT = 1 << 20  # bytes: the "disk" of the full partition's active segment
ERROR_LINE = "append failed: File too large; produce gets KAFKA_STORAGE_ERROR until space returns"
RECOVERED_LINE = "appends succeed again"


def limited_broker(limit):
    """A Broker whose process starts with a soft file-size limit of `limit` bytes."""
    original = harness._pdeathsig

    def preexec():
        original()
        import resource
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    harness._pdeathsig = preexec  # Broker.start passes it as preexec_fn
    return Broker(overrides={
        "log.segment.bytes": 16 * LIMIT,
        "log.index.size.max.bytes": 65536,  # preallocated indexes fit under the limit
        "num.partitions": 1,
    })


def create_topics(bootstrap, names):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(n, 1, 1) for n in names]).values():
        f.result(timeout=30)


def producer(bootstrap):
    # No retries and a short timeout: the delivery report carries the broker's error code.
    return confluent_kafka.Producer({
        "bootstrap.servers": bootstrap, "acks": "all", "retries": 0,
        "enable.idempotence": False, "message.timeout.ms": 15000, "linger.ms": 2,
    })


def produce(p, topic, values):
    """Produces values to partition 0; returns [(value, offset or None, error code or None)]."""
    results = []

    def report(err, msg):
        results.append((msg.value(), None if err else msg.offset(), err.code() if err else None))

    for v in values:
        p.produce(topic, value=v, partition=0, on_delivery=report)
        p.poll(0)
    check(p.flush(30) == 0, "producer did not drain")
    return results


def consume_all(bootstrap, topic):
    """Every (offset, value) of partition 0 up to the high watermark."""
    c = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": unique_topic("g"),
                                  "enable.auto.commit": False})
    try:
        _, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        c.assign([TopicPartition(topic, 0, 0)])
        out = {}
        while len(out) < high:
            m = c.poll(10)
            check(m is not None, f"consume of {topic} stalled at {len(out)}/{high}")
            check(not m.error(), f"consume error {m.error()}")
            out[m.offset()] = m.value()
        return out
    finally:
        c.close()


def test_disk_full_then_space_returns():
    with limited_broker(LIMIT) as b:
        full, other = unique_topic("full"), unique_topic("other")
        create_topics(b.bootstrap, [full, other])
        p = producer(b.bootstrap)
        acked, errors, n = {}, [], 0
        while not errors:  # produce 1 KiB records until the partition's file hits the limit
            check(n < 4 * LIMIT // 1024, "the file-size limit never hit")
            values = [b"%08d" % (n + i) + b"x" * 1016 for i in range(100)]
            n += len(values)
            for v, offset, err in produce(p, full, values):
                if err is None:
                    acked[offset] = v
                else:
                    errors.append(err)
        check(all(e == KafkaError.KAFKA_STORAGE_ERROR for e in errors),
              f"expected KAFKA_STORAGE_ERROR (56), got {set(errors)}")
        check(len(acked) > 500, f"only {len(acked)} records fit before the limit")
        # Still full: single records fill what room the failed batch left, then fail the same
        # way, without a log line each.
        later_errors = 0
        for i in range(2000):
            if later_errors >= 20:
                break
            for v, offset, err in produce(p, full, [b"%08d" % (n + i) + b"y" * 1016]):
                if err is None:
                    acked[offset] = v
                else:
                    check(err == KafkaError.KAFKA_STORAGE_ERROR, f"unexpected error {err}")
                    later_errors += 1
        check(later_errors >= 20, "the partition stopped failing while still full")
        check(b.log_text().count(ERROR_LINE) == 1,
              f"expected exactly one ERROR line {ERROR_LINE!r}:\n{b.log_tail(30)}")
        check(f"{full}-0: {ERROR_LINE}" in b.log_text(), "the ERROR line names the partition")

        # Everything acknowledged is still there, and nothing else.
        stored = consume_all(b.bootstrap, full)
        check(stored == acked, f"stored {len(stored)} records, acknowledged {len(acked)}")
        # The broker serves metadata and other partitions meanwhile.
        md = confluent_kafka.admin.AdminClient({"bootstrap.servers": b.bootstrap}).list_topics(
            timeout=10)
        check(full in md.topics and other in md.topics, "metadata lists both topics")
        ok = produce(p, other, [b"other-%d" % i for i in range(50)])
        check(all(err is None for _, _, err in ok), f"other topic failed: {ok[:3]}")
        check(len(consume_all(b.bootstrap, other)) == 50, "other topic readable")

        # Space returns: appends succeed again, with one INFO line.
        subprocess.run(["prlimit", "--pid", str(b.proc.pid), "--fsize=unlimited"], check=True)
        after = produce(p, full, [b"after-%d" % i for i in range(200)])
        check(all(err is None for _, _, err in after), f"still failing: {after[:3]}")
        wait_until(lambda: RECOVERED_LINE in b.log_text(), 10, "no INFO line after recovery")
        stored = consume_all(b.bootstrap, full)
        check(len(stored) == len(acked) + 200, f"{len(stored)} records after recovery")
        check(all(stored[o] == v for o, v in acked.items()), "acknowledged records changed")
        check(sorted(v for o, v in stored.items() if o not in acked)
              == sorted(v for v, _, _ in after), "the records produced after recovery")


if __name__ == "__main__":
    main([test_disk_full_then_space_returns])
