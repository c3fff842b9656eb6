"""AdminClient (confluent_kafka) against cafka-server: create_topics (valid, replication factor 3,
duplicate, bad names), create_partitions (grow 2→5, shrink rejected), delete_topics (and re-create
empty), list_topics reflecting each change, produce/consume on grown partitions."""

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import NewPartitions, NewTopic

from ckutil import admin, consume_partitions, partition_count, produce_all, producer
from harness import Broker, check, main, raw_metadata, unique_topic, wait_until

BROKER = None


def broker():
    global BROKER
    if BROKER is None or not BROKER.alive():
        # Auto-creation off: list_topics must reflect only what the admin API did.
        BROKER = Broker(overrides={"auto.create.topics.enable": False, "num.partitions": 1})
        BROKER.start()
    return BROKER


def expect_error(fut, code, what):
    try:
        fut.result(timeout=30)
    except KafkaException as e:
        err = e.args[0]
        check(err.code() == code, f"{what}: error {err.code()} ({err.name()}: {err.str()}), "
                                  f"expected {KafkaError(code).name()}")
        return err
    raise AssertionError(f"{what}: succeeded, expected {KafkaError(code).name()}")


def test_create_topics():
    b = broker()
    a = admin(b.bootstrap)
    good, good3 = unique_topic("adm"), unique_topic("adm3")
    fs = a.create_topics([NewTopic(good, 2, 1), NewTopic(good3, 3, 1)], request_timeout=15)
    for t, f in fs.items():
        check(f.result(timeout=30) is None, f"create {t}")
    wait_until(lambda: partition_count(b.bootstrap, good, a) == 2, 20, f"{good} with 2 partitions")
    check(partition_count(b.bootstrap, good3, a) == 3, f"{good3} partitions")
    md = raw_metadata(b.host, b.port, [good])
    tm = md["topics"][good]
    check(tm["error"] == 0 and sorted(tm["partitions"]) == [0, 1], f"raw metadata {tm}")
    for idx, pm in tm["partitions"].items():
        check(pm["leader"] in md["brokers"], f"partition {idx} leader {pm['leader']}")

    rf3 = unique_topic("rf3")
    fs = a.create_topics([NewTopic(rf3, 1, 3)], request_timeout=15)
    expect_error(fs[rf3], KafkaError.INVALID_REPLICATION_FACTOR, "replication factor 3")

    fs = a.create_topics([NewTopic(good, 4, 1)], request_timeout=15)
    expect_error(fs[good], KafkaError.TOPIC_ALREADY_EXISTS, "duplicate topic")
    check(partition_count(b.bootstrap, good, a) == 2, "duplicate create changed the topic")

    for bad in ["bad name!", "a" * 250, "..", "sl/ash"]:
        fs = a.create_topics([NewTopic(bad, 1, 1)], request_timeout=15)
        expect_error(fs[bad], KafkaError.TOPIC_EXCEPTION, f"invalid topic name {bad[:20]!r}")

    md = a.list_topics(timeout=10)
    for t in [rf3, "bad name!", "..", "sl/ash"]:
        check(t not in md.topics, f"rejected topic {t!r} appears in list_topics")

    # validate_only does not create.
    vo = unique_topic("vo")
    fs = a.create_topics([NewTopic(vo, 1, 1)], validate_only=True, request_timeout=15)
    fs[vo].result(timeout=30)
    check(vo not in a.list_topics(timeout=10).topics, "validate_only created the topic")


def test_create_partitions():
    b = broker()
    a = admin(b.bootstrap)
    t = unique_topic("grow")
    a.create_topics([NewTopic(t, 2, 1)], request_timeout=15)[t].result(timeout=30)
    wait_until(lambda: partition_count(b.bootstrap, t, a) == 2, 20, "2 partitions")
    p = producer(b.bootstrap)
    produce_all(p, t, [{"value": f"before-{i}".encode(), "partition": i % 2} for i in range(10)])

    a.create_partitions([NewPartitions(t, 5)], request_timeout=15)[t].result(timeout=30)
    wait_until(lambda: partition_count(b.bootstrap, t, a) == 5, 20, "5 partitions after grow")

    fs = a.create_partitions([NewPartitions(t, 3)], request_timeout=15)
    expect_error(fs[t], KafkaError.INVALID_PARTITIONS, "shrink 5 -> 3")
    fs = a.create_partitions([NewPartitions(t, 5)], request_timeout=15)
    expect_error(fs[t], KafkaError.INVALID_PARTITIONS, "grow to the same count")
    missing = unique_topic("missing")
    fs = a.create_partitions([NewPartitions(missing, 3)], request_timeout=15)
    expect_error(fs[missing], KafkaError.UNKNOWN_TOPIC_OR_PART, "create_partitions unknown topic")
    check(partition_count(b.bootstrap, t, a) == 5, "rejected create_partitions changed the topic")

    # The new partitions accept and serve records; the old ones are untouched.
    p = producer(b.bootstrap, topic_metadata_refresh_interval_ms=1000)
    reports = produce_all(p, t, [{"value": f"new-{i}".encode(), "partition": 2 + i % 3}
                                 for i in range(30)])
    for part in (2, 3, 4):
        offs = sorted(r["offset"] for r in reports if r["partition"] == part)
        check(offs == list(range(10)), f"new partition {part}: offsets {offs}")
    msgs = consume_partitions(b.bootstrap, t, [0, 1, 2, 3, 4], 40)
    vals = sorted(m["value"] for m in msgs)
    want = sorted([f"before-{i}".encode() for i in range(10)] +
                  [f"new-{i}".encode() for i in range(30)])
    check(vals == want, "values after partition growth differ")


def test_delete_topics():
    b = broker()
    a = admin(b.bootstrap)
    t, keep = unique_topic("del"), unique_topic("keep")
    for f in a.create_topics([NewTopic(t, 2, 1), NewTopic(keep, 1, 1)],
                             request_timeout=15).values():
        f.result(timeout=30)
    wait_until(lambda: partition_count(b.bootstrap, t, a) == 2, 20, "created")
    p = producer(b.bootstrap)
    produce_all(p, t, [{"value": b"old", "partition": 0} for _ in range(5)])

    a.delete_topics([t], operation_timeout=15, request_timeout=15)[t].result(timeout=30)
    wait_until(lambda: t not in a.list_topics(timeout=10).topics, 20,
               f"{t} gone from list_topics after delete")
    check(keep in a.list_topics(timeout=10).topics, "delete_topics removed another topic")
    md = raw_metadata(b.host, b.port, [t])
    check(md["topics"][t]["error"] == KafkaError.UNKNOWN_TOPIC_OR_PART,
          f"metadata for deleted topic: {md['topics'][t]}")

    fs = a.delete_topics([t], operation_timeout=15, request_timeout=15)
    expect_error(fs[t], KafkaError.UNKNOWN_TOPIC_OR_PART, "delete a deleted topic")

    # Re-creating the name yields a fresh, empty topic.
    a.create_topics([NewTopic(t, 1, 1)], request_timeout=15)[t].result(timeout=30)
    wait_until(lambda: partition_count(b.bootstrap, t, a) == 1, 20, "re-created with 1 partition")
    reports = produce_all(producer(b.bootstrap), t, [{"value": b"new", "partition": 0}])
    check(reports[0]["offset"] == 0, f"re-created topic starts at offset {reports[0]['offset']}")
    msgs = consume_partitions(b.bootstrap, t, [0], 1)
    check(msgs[0]["value"] == b"new", f"re-created topic serves {msgs[0]['value']!r}")


def test_deleted_topic_survives_restart_as_deleted():
    b = broker()
    a = admin(b.bootstrap)
    t, keep = unique_topic("gone"), unique_topic("stay")
    for f in a.create_topics([NewTopic(t, 1, 1), NewTopic(keep, 3, 1)],
                             request_timeout=15).values():
        f.result(timeout=30)
    wait_until(lambda: partition_count(b.bootstrap, keep, a) == 3, 20, "created")
    a.delete_topics([t], operation_timeout=15, request_timeout=15)[t].result(timeout=30)
    wait_until(lambda: t not in a.list_topics(timeout=10).topics, 20, "deleted")
    b.restart()
    a = admin(b.bootstrap)
    md = a.list_topics(timeout=10)
    check(t not in md.topics, f"deleted topic {t} came back after restart")
    check(keep in md.topics and len(md.topics[keep].partitions) == 3,
          f"topic {keep} after restart: {md.topics.get(keep)}")


def teardown():
    if BROKER is not None and BROKER.alive():
        BROKER.stop()


if __name__ == "__main__":
    main([test_create_topics, test_create_partitions, test_delete_topics,
          test_deleted_topic_survives_restart_as_deleted, teardown])
