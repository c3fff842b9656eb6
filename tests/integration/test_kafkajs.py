"""kafkajs 2.2.4 (from npm) against a real cafka-server: admin create/describe/delete,
alterConfigs + describeConfigs of a topic key, producer with acks=all and headers, a consumer
group that consumes everything and commits.

The client lives in tests/integration/kafkajs (package.json + lock file); scripts/setup.sh runs
`npm ci` there. kafkajs negotiates each API's version as min(its max, the broker's max).
"""
import json
import os

from harness import Broker, check, main, run, unique_topic

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "kafkajs")


def test_kafkajs_produce_consume_group_admin():
    check(os.path.isdir(os.path.join(CLIENT, "node_modules", "kafkajs")),
          "kafkajs is not installed: run `npm ci --prefix tests/integration/kafkajs`")
    with Broker(overrides={"group.initial.rebalance.delay.ms": 0,
                           "offsets.topic.num.partitions": 4}) as b:
        out = run(["node", os.path.join(CLIENT, "roundtrip.js"), b.bootstrap,
                   unique_topic("kjs"), "kjs-group"], timeout=120,
                  env=dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")).stdout.decode()
        result = json.loads(out.strip().splitlines()[-1])
        check(result["consumed"] == 300 and result["duplicates"] == 0,
              f"kafkajs group consumed {result}")
        check(result["committed"] == 300, f"committed offsets: {result}")
        check(result["state"] == "Empty", f"group after everyone left: {result}")


if __name__ == "__main__":
    main([test_kafkajs_produce_consume_group_admin])
