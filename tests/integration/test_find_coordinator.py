"""FindCoordinator (API key 10) against a real cafka-server.

kafka-python's admin client locates a group coordinator through it; raw frames check the
transaction key type and each version's layout. librdkafka's use of it as a feature marker
(lz4 only when it is advertised) is covered by test_compression.py.
"""
from harness import Broker, check, i8, main, string, _request

import kafka.admin


def find_coordinator(b, version, key, key_type=None):
    body = string(key) + (i8(key_type) if key_type is not None else b"")
    r = _request(b.host, b.port, 10, version, body)
    throttle = r.i32() if version >= 1 else 0
    error = r.i16()
    message = r.string() if version >= 1 else None
    node_id, host, port = r.i32(), r.string(), r.i32()
    check(r.remaining() == 0, f"v{version}: {r.remaining()} trailing bytes")
    return {"throttle": throttle, "error": error, "message": message, "node_id": node_id,
            "host": host, "port": port}


def test_group_coordinator_is_this_node_in_every_version():
    with Broker(overrides={"node.id": 7}) as b:
        for version in (0, 1, 2):
            got = find_coordinator(b, version, "g1", 0 if version >= 1 else None)
            check(got["error"] == 0, f"v{version}: error {got}")
            check((got["node_id"], got["host"], got["port"]) == (7, "127.0.0.1", b.port),
                  f"v{version}: coordinator {got}")


def test_transaction_coordinator_is_not_available_yet():
    with Broker() as b:
        got = find_coordinator(b, 1, "txn-1", 1)
        check(got["error"] == 15, f"want COORDINATOR_NOT_AVAILABLE (15), got {got}")
        check("transactions" in (got["message"] or ""), f"message should say why: {got}")
        bad = find_coordinator(b, 2, "x", 9)
        check(bad["error"] == 42, f"unknown key type: want INVALID_REQUEST (42), got {bad}")


def test_kafka_python_admin_finds_the_coordinator():
    with Broker(overrides={"node.id": 3}) as b:
        admin = kafka.admin.KafkaAdminClient(bootstrap_servers=b.bootstrap,
                                             request_timeout_ms=10000)
        try:
            check(admin._find_coordinator_ids(["my-group"]) == {"my-group": 3},
                  "kafka-python should find node 3 as the group coordinator")
        finally:
            admin.close()


if __name__ == "__main__":
    main([test_group_coordinator_is_this_node_in_every_version,
          test_transaction_coordinator_is_not_available_yet,
          test_kafka_python_admin_finds_the_coordinator])
