"""Topic auto-creation: on produce and on Metadata (allow_auto_topic_creation) with num.partitions;
Metadata with allow_auto_topic_creation=false does not create; with
auto.create.topics.enable=false producing to an unknown topic fails with an unknown-topic error and
the topic is not created."""

from confluent_kafka import KafkaError, KafkaException

from ckutil import admin, consume_partitions, partition_count, produce_all, producer
from harness import Broker, check, main, raw_metadata, unique_topic, wait_until

UNKNOWN_TOPIC_OR_PARTITION = 3
LEADER_NOT_AVAILABLE = 5


def test_auto_create_enabled():
    with Broker(overrides={"num.partitions": 3, "auto.create.topics.enable": True}) as b:
        # produce (librdkafka producer metadata requests ask for auto-creation)
        t = unique_topic("auto")
        reports = produce_all(producer(b.bootstrap), t,
                              [{"key": f"k{i}".encode(), "value": b"v"} for i in range(300)])
        check(partition_count(b.bootstrap, t) == 3,
              f"auto-created topic has {partition_count(b.bootstrap, t)} partitions, want 3")
        used = {r["partition"] for r in reports}
        check(used == {0, 1, 2}, f"keyed records landed only in partitions {used}")
        msgs = consume_partitions(b.bootstrap, t, [0, 1, 2], 300)
        check(len(msgs) == 300, "consume after auto-create")

        # Metadata v4 with allow_auto_topic_creation=false: not created.
        t2 = unique_topic("noauto")
        md = raw_metadata(b.host, b.port, [t2], allow_auto_create=False)
        check(md["topics"][t2]["error"] == UNKNOWN_TOPIC_OR_PARTITION,
              f"Metadata(allow_auto=false) for unknown topic: {md['topics'][t2]}")
        md = raw_metadata(b.host, b.port, None)
        check(t2 not in md["topics"], "topic created by Metadata with allow_auto=false")

        # Metadata v4 with allow_auto_topic_creation=true: created with num.partitions.
        t3 = unique_topic("mdauto")
        md = raw_metadata(b.host, b.port, [t3], allow_auto_create=True)
        check(md["topics"][t3]["error"] in (0, LEADER_NOT_AVAILABLE),
              f"Metadata(allow_auto=true): {md['topics'][t3]}")

        def ready():
            tm = raw_metadata(b.host, b.port, [t3])["topics"][t3]
            return tm["error"] == 0 and sorted(tm["partitions"]) == [0, 1, 2] and all(
                pm["error"] == 0 and pm["leader"] >= 0 for pm in tm["partitions"].values())
        wait_until(ready, 20, f"{t3} auto-created by Metadata with 3 partitions and leaders")
        check(t3 in raw_metadata(b.host, b.port, None)["topics"], "all-topics metadata lacks t3")

        # Internal-looking / invalid names are not auto-created.
        bad = "bad name!"
        md = raw_metadata(b.host, b.port, [bad], allow_auto_create=True)
        check(md["topics"][bad]["error"] != 0, f"invalid name auto-created: {md['topics'][bad]}")


def test_auto_create_disabled():
    with Broker(overrides={"num.partitions": 3, "auto.create.topics.enable": False}) as b:
        t = unique_topic("off")
        p = producer(b.bootstrap, topic_metadata_propagation_max_ms=1000,
                     message_timeout_ms=10000)
        errors, ok = [], []
        try:
            for i in range(5):
                p.produce(t, value=b"v",
                          on_delivery=lambda err, msg: (errors if err else ok).append(err or msg))
        except KafkaException as e:  # librdkafka may already know the topic does not exist
            errors.append(e.args[0])
        p.flush(20)
        check(not ok, f"{len(ok)} records delivered to a non-existent topic")
        check(errors, "no error for producing to an unknown topic")
        codes = {e.code() for e in errors}
        check(codes <= {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC},
              f"unexpected errors producing to an unknown topic: {[str(e) for e in errors]}")
        md = raw_metadata(b.host, b.port, [t], allow_auto_create=True)
        check(md["topics"][t]["error"] == UNKNOWN_TOPIC_OR_PARTITION,
              f"Metadata(allow_auto=true) with auto-create disabled: {md['topics'][t]}")
        check(t not in admin(b.bootstrap).list_topics(timeout=10).topics,
              "topic created although auto.create.topics.enable=false")
        check(t not in raw_metadata(b.host, b.port, None)["topics"], "raw metadata lists it")


if __name__ == "__main__":
    main([test_auto_create_enabled, test_auto_create_disabled])
