"""log.flush.interval.messages=1: every acknowledged record was fdatasync'ed first.

confluent_kafka producers with acks=all load a broker whose partitions flush every record;
the broker logs each finished flush at DEBUG ("flushed below offset N, k appends
acknowledged"), which shows the policy is applied and appends share flushes. Then kill -9:
after the restart every acknowledged record is there.
"""
import re
import threading

import confluent_kafka
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from harness import Broker, check, main, unique_topic

PARTITIONS = 3
PER_PRODUCER = 6000
FLUSHED = re.compile(r"\[log\] (\S+): flushed below offset (\d+), (\d+) appends acknowledged")


def produce_load(bootstrap, topic, tag, acked, lock):
    p = confluent_kafka.Producer({"bootstrap.servers": bootstrap, "acks": "all",
                                  "linger.ms": 1, "batch.num.messages": 50})

    def report(err, msg):
        if err is None:
            with lock:
                acked[(msg.partition(), msg.offset())] = msg.value()

    for i in range(PER_PRODUCER):
        while True:
            try:
                p.produce(topic, value=b"%s-%06d" % (tag, i), partition=i % PARTITIONS,
                          on_delivery=report)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    check(p.flush(60) == 0, "producer did not drain")


def consume_all(bootstrap, topic):
    c = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": unique_topic("g"),
                                  "enable.auto.commit": False})
    try:
        out, total = {}, 0
        for part in range(PARTITIONS):
            total += c.get_watermark_offsets(TopicPartition(topic, part), timeout=10)[1]
        c.assign([TopicPartition(topic, part, 0) for part in range(PARTITIONS)])
        while len(out) < total:
            m = c.poll(10)
            check(m is not None, f"consume stalled at {len(out)}/{total}")
            check(not m.error(), f"consume error {m.error()}")
            out[(m.partition(), m.offset())] = m.value()
        return out
    finally:
        c.close()


def test_flush_every_message_survives_kill9():
    b = Broker(overrides={"log.flush.interval.messages": 1, "log.level": "debug"})
    with b:
        topic = unique_topic("flush")
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(timeout=30)
        acked, lock = {}, threading.Lock()
        producers = [threading.Thread(target=produce_load, args=(b.bootstrap, topic, tag, acked,
                                                                 lock))
                     for tag in (b"a", b"b")]
        for t in producers:
            t.start()
        for t in producers:
            t.join()
        check(len(acked) == 2 * PER_PRODUCER, f"{len(acked)} of {2 * PER_PRODUCER} acknowledged")

        flushes = [m for m in FLUSHED.finditer(b.log_text()) if m.group(1).startswith(topic)]
        check(flushes, "no flush was logged although log.flush.interval.messages=1")
        released = sum(int(m.group(3)) for m in flushes)
        # Every acknowledged produce waited for a flush: each append (a batch) was released by
        # one. With many batches per flush, there are far fewer flushes than batches.
        check(released >= len(flushes), "flushes that released nothing")
        biggest = max(int(m.group(3)) for m in flushes)
        print(f"{len(flushes)} flushes released {released} appends (at most {biggest} at once)")

        b.kill9()
        b.start()
        stored = consume_all(b.bootstrap, topic)
        lost = [k for k in acked if stored.get(k) != acked[k]]
        check(not lost, f"{len(lost)} acknowledged records lost or changed, e.g. {lost[:3]}")


if __name__ == "__main__":
    main([test_flush_every_message_survives_kill9])
