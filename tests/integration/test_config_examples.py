"""The example files in config/ boot a real broker that answers kcat's metadata request and applies
their settings; cafka-server's command line prints help and docs, and refuses a bad file by name."""

import json
import os
import tempfile

from harness import SOURCE_DIR, Broker, check, main, raw_metadata, run, server_path, unique_topic

CONFIG_DIR = os.path.join(SOURCE_DIR, "config")


def boot_example(name, expected_partitions):
    with Broker(properties=os.path.join(CONFIG_DIR, name)) as b:
        md = json.loads(run(["kcat", "-L", "-J", "-b", b.bootstrap], timeout=30).stdout)
        brokers = [(br["id"], br["name"]) for br in md["brokers"]]
        check(brokers == [(1, b.bootstrap)], f"{name}: kcat -L brokers {brokers}, expected "
                                              f"[(1, {b.bootstrap!r})]")
        # num.partitions from the file applies to an auto-created topic.
        topic = unique_topic("cfg")
        parts = raw_metadata(b.host, b.port, [topic], allow_auto_create=True)["topics"][topic]
        check(parts["error"] == 0 and len(parts["partitions"]) == expected_partitions,
              f"{name}: auto-created {topic} has {parts}, expected {expected_partitions} "
              f"partitions")


def test_server_properties_boots():
    boot_example("server.properties", 1)


def test_dev_properties_boots():
    boot_example("dev.properties", 3)


def test_bad_file_is_refused_by_name():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bad.properties")
        with open(path, "w") as f:
            f.write("node.id=1\nlog.segmnt.bytes=100\n")
        cp = run([server_path(), path], timeout=30, check=False)
        err = cp.stderr.decode(errors="replace")
        check(cp.returncode != 0, f"cafka-server accepted {path} (exit 0)")
        check(f"{path}:2: unknown option 'log.segmnt.bytes'" in err,
              f"stderr does not name file:line and key:\n{err}")


def test_help_and_config_docs():
    cp = run([server_path(), "--help"], timeout=30)
    check(b"usage: cafka-server" in cp.stdout.lower(), f"--help printed {cp.stdout[:500]!r}")
    cp = run([server_path(), "--print-config-docs"], timeout=30)
    with open(os.path.join(SOURCE_DIR, "docs", "configuration.md"), "rb") as f:
        check(cp.stdout == f.read(), "docs/configuration.md differs from --print-config-docs; "
              "regenerate: build/bin/cafka-server --print-config-docs > docs/configuration.md")


if __name__ == "__main__":
    main([test_server_properties_boots, test_dev_properties_boots,
          test_bad_file_is_refused_by_name, test_help_and_config_docs])
