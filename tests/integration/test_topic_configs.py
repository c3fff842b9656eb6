"""DescribeConfigs, AlterConfigs and IncrementalAlterConfigs against a real cafka-server.

Clients: confluent_kafka's AdminClient (librdkafka 2.0.2: DescribeConfigs v1 with synonyms,
AlterConfigs), kafka-python's KafkaAdminClient (DescribeConfigs v2, AlterConfigs v1) and raw
frames for what neither client sends (IncrementalAlterConfigs v0/v1 — librdkafka has it only from
2.2 — and DescribeConfigs v0/v4). A change must be live: lowering segment.bytes makes the next
appends roll, lowering retention.bytes deletes old segments (the earliest offset advances), and
the overrides survive a restart. Waiting is by polling a condition, never by sleeping.
"""

import os

from confluent_kafka import KafkaException
from confluent_kafka.admin import ConfigResource, ConfigSource, NewTopic
from kafka.admin import ConfigResource as KpResource, ConfigResourceType, KafkaAdminClient

import ckutil
from grouputil import kp_call
from harness import (Broker, Reader, check, compact_nullable_string, compact_string, connect,
                     i8, i16, i32, main, nullable_string, recv_frame, send_frame, string,
                     unique_topic, uvarint, wait_until)

UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_CONFIG = 40
INVALID_REQUEST = 42
TOPIC, BROKER = 2, 4
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
DYNAMIC_TOPIC = ConfigSource.DYNAMIC_TOPIC_CONFIG.value
STATIC_BROKER = ConfigSource.STATIC_BROKER_CONFIG.value
DEFAULT = ConfigSource.DEFAULT_CONFIG.value
# The topic-level keys of actors/topic_config.cpp.
TOPIC_KEYS = {"cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms",
              "flush.messages", "flush.ms", "max.message.bytes", "message.timestamp.type",
              "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas",
              "retention.bytes", "retention.ms", "segment.bytes", "segment.ms"}
OVERRIDES = {"log.retention.bytes": 1000000000, "log.retention.check.interval.ms": 200,
             "log.segment.delete.delay.ms": 0}


def create(b, topic, config=None):
    a = ckutil.admin(b.bootstrap)
    fs = a.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                   config=config or {})], request_timeout=15)
    fs[topic].result(timeout=30)
    wait_until(lambda: ckutil.partition_count(b.bootstrap, topic, a) == 1, 30, f"{topic} visible")
    return a


def describe(a, kind, name):
    res = ConfigResource(kind, name)
    return a.describe_configs([res], request_timeout=15)[res].result(timeout=30)


def alter(a, topic, configs, validate_only=False):
    res = ConfigResource("topic", topic, set_config=configs)
    return a.alter_configs([res], request_timeout=15,
                           validate_only=validate_only)[res].result(timeout=30)


def error_code(fn):
    """The Kafka error code fn() raised (KafkaException), or None."""
    try:
        fn()
    except KafkaException as e:
        return e.args[0].code()
    return None


def dynamic(entries):
    return {k: e.value for k, e in entries.items() if e.source == DYNAMIC_TOPIC}


def segment_bases(b, topic):
    d = os.path.join(b.data_dir, f"{topic}-0")
    return sorted(int(f[:20]) for f in os.listdir(d) if f.endswith(".log"))


def segment_count(b, topic):
    return len(segment_bases(b, topic))


def produce(b, topic, n, chunk=10, size=100):
    """n records in batches of `chunk` (a flush each), so batches are separate appends."""
    p = ckutil.producer(b.bootstrap)
    for start in range(0, n, chunk):
        ckutil.produce_all(p, topic, [{"value": b"%06d" % i + b"x" * size}
                                      for i in range(start, min(n, start + chunk))])


def watermarks(b, topic):
    return ckutil.watermarks(b.bootstrap, topic)


def low_watermark(b, topic):
    return watermarks(b, topic)[0]


def high_watermark(b, topic):
    return watermarks(b, topic)[1]


# -- raw frames ----------------------------------------------------------------------------------

def raw(b, api_key, version, body, flexible):
    with connect(b.host, b.port) as s:
        send_frame(s, api_key, version, 9, body, flexible=flexible)
        payload = recv_frame(s)
    check(payload is not None, f"api {api_key} v{version}: connection closed without a response")
    r = Reader(payload)
    check(r.i32() == 9, "correlation id")
    if flexible:
        r.skip_tags()
    return r


def compact_count(r):
    return r.uvarint() - 1


def incremental_alter(b, version, resources, validate_only=False):
    """resources: [(type, name, [(key, op, value)])] → [(error_code, message)]."""
    flex = version >= 1
    arr = (lambda n: uvarint(n + 1)) if flex else i32
    s = compact_string if flex else string
    ns = compact_nullable_string if flex else nullable_string
    tags = b"\x00" if flex else b""
    body = arr(len(resources))
    for kind, name, configs in resources:
        body += i8(kind) + s(name) + arr(len(configs))
        for key, op, value in configs:
            body += s(key) + i8(op) + ns(value) + tags
        body += tags
    body += bytes([1 if validate_only else 0]) + tags
    r = raw(b, 44, version, body, flex)
    r.i32()  # throttle
    out = []
    for _ in range(compact_count(r) if flex else r.i32()):
        code = r.i16()
        msg = r.compact_string() if flex else r.string()
        r.i8()
        r.compact_string() if flex else r.string()
        if flex:
            r.skip_tags()
        out.append((code, msg))
    return out


def describe_v0(b, kind, name):
    """DescribeConfigs v0 → (error_code, message, {key: (value, read_only, is_default)})."""
    body = i32(1) + i8(kind) + string(name) + i32(-1)
    r = raw(b, 32, 0, body, False)
    r.i32()
    check(r.i32() == 1, "one result")
    code, msg = r.i16(), r.string()
    r.i8()
    r.string()
    entries = {}
    for _ in range(r.i32()):
        key, value, read_only, is_default, _sensitive = r.string(), r.string(), r.i8(), r.i8(), r.i8()
        entries[key] = (value, bool(read_only), bool(is_default))
    return code, msg, entries


def describe_v4(b, topic, keys):
    """DescribeConfigs v4 (flexible), synonyms and documentation on → {key: entry dict}."""
    body = uvarint(2) + i8(TOPIC) + compact_string(topic) + uvarint(len(keys) + 1)
    for k in keys:
        body += compact_string(k)
    body += b"\x00" + b"\x01" + b"\x01" + b"\x00"
    r = raw(b, 32, 4, body, True)
    r.i32()
    check(compact_count(r) == 1, "one result")
    code, msg = r.i16(), r.compact_string()
    check(code == 0, f"DescribeConfigs v4 error {code}: {msg}")
    r.i8()
    r.compact_string()
    entries = {}
    for _ in range(compact_count(r)):
        e = {"name": r.compact_string(), "value": r.compact_string(), "read_only": r.i8(),
             "source": r.i8(), "sensitive": r.i8(), "synonyms": []}
        for _ in range(compact_count(r)):
            e["synonyms"].append((r.compact_string(), r.compact_string(), r.i8()))
            r.skip_tags()
        e["type"], e["doc"] = r.i8(), r.compact_string()
        r.skip_tags()
        entries[e["name"]] = e
    return entries


# -- tests ---------------------------------------------------------------------------------------

def test_describe_confluent():
    with Broker(overrides=OVERRIDES) as b:
        topic = unique_topic("desc")
        a = create(b, topic, {"retention.ms": "3600000"})
        entries = describe(a, "topic", topic)
        check(set(entries) == TOPIC_KEYS, f"topic keys: {sorted(entries)}")
        ms = entries["retention.ms"]
        check(ms.value == "3600000" and ms.source == DYNAMIC_TOPIC, f"retention.ms: {ms}")
        check(not ms.is_read_only and not ms.is_default, f"retention.ms flags: {ms}")
        check("retention.ms" in ms.synonyms and "log.retention.hours" in ms.synonyms,
              f"retention.ms synonyms: {list(ms.synonyms)}")
        rb = entries["retention.bytes"]
        check(rb.value == "1000000000" and rb.source == STATIC_BROKER,
              f"retention.bytes from the broker's --override: {rb}")
        sb = entries["segment.bytes"]
        check(sb.value == "1073741824" and sb.source == DEFAULT and sb.is_default,
              f"segment.bytes default: {sb}")

        broker = describe(a, "broker", "1")
        check(all(e.is_read_only for e in broker.values()), "broker options are read-only")
        lrb = broker["log.retention.bytes"]
        check(lrb.value == "1000000000" and lrb.source == STATIC_BROKER, f"{lrb}")
        mmb = broker["message.max.bytes"]
        check(mmb.value == "1048588" and mmb.source == DEFAULT, f"{mmb}")
        check(broker["log.retention.ms"].value is None, "unset log.retention.ms is null")

        code = error_code(lambda: describe(a, "topic", "no-such-topic"))
        check(code == UNKNOWN_TOPIC_OR_PARTITION, f"describe of a missing topic: {code}")
        # Only the broker's own id (or the empty name) is a broker resource here.
        code, msg, _ = describe_v0(b, BROKER, "7")
        check(code == INVALID_REQUEST, f"wrong broker id: {code} {msg}")
        code, _, entries = describe_v0(b, BROKER, "")
        check(code == 0 and entries == {}, f"cluster-wide defaults: {code} {entries}")
        code, _, entries = describe_v0(b, TOPIC, topic)
        check(code == 0 and entries["retention.ms"] == ("3600000", False, False)
              and entries["segment.bytes"] == ("1073741824", False, True),
              f"v0 is_default: {entries}")


def test_alter_is_live_and_survives_restart():
    with Broker(overrides=OVERRIDES) as b:
        topic = unique_topic("alter")
        a = create(b, topic)
        produce(b, topic, 60)
        check(segment_count(b, topic) == 1, "one segment with the 1 GiB default")

        alter(a, topic, {"segment.bytes": "1024"})
        check(dynamic(describe(a, "topic", topic)) == {"segment.bytes": "1024"},
              "describe shows the new override")
        produce(b, topic, 60)
        check(segment_count(b, topic) >= 4, f"segments roll at 1 KiB: {segment_count(b, topic)}")

        # AlterConfigs replaces every override: keep segment.bytes, add retention.bytes.
        alter(a, topic, {"segment.bytes": "1024", "retention.bytes": "2048"})
        wait_until(lambda: low_watermark(b, topic) > 0, 30,
                   "retention.bytes=2048 deletes old segments (earliest offset advances)")
        entries = describe(a, "topic", topic)
        check(dynamic(entries) == {"segment.bytes": "1024", "retention.bytes": "2048"},
              f"overrides: {dynamic(entries)}")

        # Bad values and validate_only change nothing.
        code = error_code(lambda: alter(a, topic, {"segment.bytes": "2048",
                                                   "retention.ms": "soon"}))
        check(code == INVALID_CONFIG, f"invalid value: {code}")
        code = error_code(lambda: alter(a, topic, {"no.such.config": "1"}))
        check(code == INVALID_CONFIG, f"unknown key: {code}")
        alter(a, topic, {"retention.ms": "5"}, validate_only=True)
        check(dynamic(describe(a, "topic", topic))
              == {"segment.bytes": "1024", "retention.bytes": "2048"}, "nothing applied")
        code = error_code(lambda: alter(a, "no-such-topic", {"retention.ms": "5"}))
        check(code == UNKNOWN_TOPIC_OR_PARTITION, f"alter of a missing topic: {code}")
        res = ConfigResource("broker", "1", set_config={"log.retention.ms": "5"})
        code = error_code(lambda: a.alter_configs([res], request_timeout=15)[res].result(30))
        check(code == INVALID_REQUEST, f"broker configs are read-only: {code}")

        low = low_watermark(b, topic)
        b.restart()
        a = ckutil.admin(b.bootstrap)
        check(dynamic(describe(a, "topic", topic))
              == {"segment.bytes": "1024", "retention.bytes": "2048"}, "overrides after restart")
        check(low_watermark(b, topic) >= low, "earliest offset kept")
        end = high_watermark(b, topic)
        produce(b, topic, 30)
        check(max(segment_bases(b, topic)) >= end,
              f"segment.bytes still applies after the restart: {segment_bases(b, topic)}, "
              f"end before {end}")


def test_kafka_python_admin():
    with Broker(overrides=OVERRIDES) as b:
        topic = unique_topic("kp")
        create(b, topic)
        kp = KafkaAdminClient(bootstrap_servers=b.bootstrap, request_timeout_ms=10000)
        try:
            (resp,) = kp_call(lambda: kp.describe_configs(
                [KpResource(ConfigResourceType.TOPIC, topic)], include_synonyms=True))
            (err, _msg, _type, name, entries) = resp.resources[0]
            check(err == 0 and name == topic, f"describe: {resp}")
            by_key = {e[0]: e for e in entries}
            check(set(by_key) == TOPIC_KEYS, f"keys: {sorted(by_key)}")
            check(by_key["retention.bytes"][1] == "1000000000"
                  and by_key["retention.bytes"][3] == STATIC_BROKER, f"{by_key['retention.bytes']}")

            resp = kp_call(lambda: kp.alter_configs(
                [KpResource(ConfigResourceType.TOPIC, topic, {"retention.ms": "86400000"})]))
            check(resp.resources[0][0] == 0, f"alter: {resp}")
            (resp,) = kp_call(lambda: kp.describe_configs(
                [KpResource(ConfigResourceType.TOPIC, topic, {"retention.ms": None})]))
            entries = resp.resources[0][4]
            check(len(entries) == 1 and entries[0][1] == "86400000"
                  and entries[0][3] == DYNAMIC_TOPIC, f"filtered describe: {entries}")

            resp = kp_call(lambda: kp.alter_configs(
                [KpResource(ConfigResourceType.TOPIC, topic, {"retention.ms": "x"})]))
            check(resp.resources[0][0] == INVALID_CONFIG, f"invalid value: {resp}")
            resp = kp_call(lambda: kp.alter_configs(
                [KpResource(ConfigResourceType.TOPIC, "no-such-topic", {"retention.ms": "1"})]))
            check(resp.resources[0][0] == UNKNOWN_TOPIC_OR_PARTITION, f"missing topic: {resp}")

            (resp,) = kp_call(lambda: kp.describe_configs(
                [KpResource(ConfigResourceType.BROKER, "1")]))
            entries = {e[0]: e for e in resp.resources[0][4]}
            check(entries["log.retention.bytes"][1] == "1000000000"
                  and entries["log.retention.bytes"][2], f"broker: {entries['log.retention.bytes']}")
        finally:
            kp.close()


def test_incremental_alter_raw():
    with Broker(overrides=OVERRIDES) as b:
        topic = unique_topic("inc")
        create(b, topic)
        check(incremental_alter(b, 0, [(TOPIC, topic, [("cleanup.policy", APPEND, "compact"),
                                                       ("retention.ms", SET, "60000")])])
              == [(0, None)], "APPEND + SET (v0)")
        e = describe_v4(b, topic, ["cleanup.policy", "retention.ms"])
        check(set(e) == {"cleanup.policy", "retention.ms"}, f"configuration_keys filter: {e}")
        check(e["cleanup.policy"]["value"] == "delete,compact"
              and e["cleanup.policy"]["source"] == DYNAMIC_TOPIC, f"{e['cleanup.policy']}")
        check(e["cleanup.policy"]["type"] == 7 and e["cleanup.policy"]["doc"],
              "config_type LIST and documentation (v4)")
        check(e["retention.ms"]["synonyms"][0] == ("retention.ms", "60000", DYNAMIC_TOPIC),
              f"synonyms: {e['retention.ms']['synonyms']}")

        check(incremental_alter(b, 1, [(TOPIC, topic, [("cleanup.policy", SUBTRACT, "delete"),
                                                       ("retention.ms", DELETE, None)])])
              == [(0, None)], "SUBTRACT + DELETE (v1, flexible)")
        e = describe_v4(b, topic, ["cleanup.policy", "retention.ms"])
        check(e["cleanup.policy"]["value"] == "compact", f"{e['cleanup.policy']}")
        check(e["retention.ms"]["source"] == DEFAULT, f"{e['retention.ms']}")

        (code, msg), = incremental_alter(b, 1, [(TOPIC, topic, [("retention.ms", APPEND, "1")])])
        check(code == INVALID_CONFIG and "append" in msg, f"APPEND to a non-list: {code} {msg}")
        (code, _), = incremental_alter(b, 0, [(TOPIC, topic, [("segment.bytes", SET, "1024"),
                                                              ("retention.ms", SET, "x")])])
        check(code == INVALID_CONFIG, f"one bad value: {code}")
        (code, _), = incremental_alter(b, 0, [(TOPIC, topic, [("segment.bytes", SET, "1024")])],
                                       validate_only=True)
        check(code == 0, "validate_only")
        e = describe_v4(b, topic, ["segment.bytes"])
        check(e["segment.bytes"]["source"] == DEFAULT, f"nothing applied: {e['segment.bytes']}")
        (code, _), = incremental_alter(b, 1, [(TOPIC, "no-such-topic",
                                               [("retention.ms", SET, "1")])])
        check(code == UNKNOWN_TOPIC_OR_PARTITION, f"missing topic: {code}")
        (code, _), = incremental_alter(b, 0, [(BROKER, "1", [("log.retention.ms", SET, "1")])])
        check(code == INVALID_REQUEST, f"broker resource: {code}")


if __name__ == "__main__":
    main([test_describe_confluent, test_alter_is_live_and_survives_restart,
          test_kafka_python_admin, test_incremental_alter_raw])
