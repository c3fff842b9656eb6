#!/usr/bin/python3
"""Measures what replication costs: the same cafka-perf produce workload with acks=all and with
acks=1 against a 3-node cafka cluster on loopback (one topic, replication factor 3,
min.insync.replicas 2), alternating, several times each; prints medians and the acks=all/acks=1
ratio.

One cluster serves every run (each run writes its own topic), so both modes see the same
processes and page cache. All three brokers and the client share this machine's cores, so the
absolute numbers are far below a real deployment's; the ratio is what this measures.

  bench/replication.py [--runs 3] [--server PATH] [--perf PATH] [--json FILE]
                       [--data-root DIR] [--override k=v ...] -- CAFKA_PERF_ARGS...

e.g.  bench/replication.py --runs 3 -- --record-size 1024 --count 300000
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from compare import default_bin, free_port, proc_status, run_perf  # noqa: E402


class Cluster:
    """Three cafka-server processes sharing one cluster.nodes list, each with its own data dir."""

    def __init__(self, server, overrides, size=3, data_root=None):
        self.tmp = tempfile.mkdtemp(prefix="cafka-replication-", dir=data_root)
        self.nodes = [(i + 1, free_port(), free_port()) for i in range(size)]
        spec = ",".join(f"{i}@127.0.0.1:{kp}:{ap}" for i, kp, ap in self.nodes)
        self.procs = []
        for node_id, kafka_port, _ in self.nodes:
            cmd = [server,
                   "--override", f"node.id={node_id}",
                   "--override", f"cluster.nodes={spec}",
                   "--override", f"log.dirs={self.tmp}/node-{node_id}",
                   "--override", "broker.heartbeat.interval.ms=500",
                   "--override", "broker.session.timeout.ms=3000",
                   "--override", f"min.insync.replicas={min(2, size)}",
                   "--override", f"default.replication.factor={size}",
                   "--override", f"offsets.topic.replication.factor={size}"]
            for o in overrides:
                cmd += ["--override", o]
            log = open(os.path.join(self.tmp, f"node-{node_id}.log"), "wb")
            self.procs.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT), log))
        deadline = time.time() + 60
        for (node_id, kafka_port, _), (proc, log) in zip(self.nodes, self.procs):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"node {node_id} exited {proc.returncode}: "
                                       + open(log.name).read()[-2000:])
                try:
                    socket.create_connection(("127.0.0.1", kafka_port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError(f"node {node_id} did not start listening")
                    time.sleep(0.1)

    def wait_for_brokers(self, timeout=60):
        """Until Metadata (via kcat) lists every node: topics need all three registered."""
        deadline = time.time() + timeout
        while True:
            p = subprocess.run(["kcat", "-L", "-J", "-b", self.bootstrap, "-m", "5"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                if len(json.loads(p.stdout)["brokers"]) >= len(self.nodes):
                    return
            except (ValueError, KeyError):
                pass
            if time.time() > deadline:
                raise RuntimeError(f"Metadata did not list {len(self.nodes)} brokers in time")
            time.sleep(0.2)

    def wait_idle(self, timeout=120):
        """Until the nodes use < 5% of a core for a second: followers have copied the last
        run's records, so the next run does not compete with that replication."""
        def cpu():
            return sum(proc_status(p.pid).get("cpu_s", 0) for p, _ in self.procs)
        deadline = time.time() + timeout
        last = cpu()
        while time.time() < deadline:
            time.sleep(1)
            now = cpu()
            if now - last < 0.05:
                return
            last = now
        print("warning: the cluster did not go idle between runs", file=sys.stderr)

    @property
    def bootstrap(self):
        return ",".join(f"127.0.0.1:{kp}" for _, kp, _ in self.nodes)

    def stop(self):
        failed = False
        for proc, _ in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc, log in self.procs:
            try:
                failed |= proc.wait(60) != 0
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                failed = True
            log.close()
        if failed:
            print(f"warning: a node did not stop cleanly; logs kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--server", default=default_bin("cafka-server"))
    ap.add_argument("--perf", default=default_bin("cafka-perf"))
    ap.add_argument("--override", action="append", default=[])
    ap.add_argument("--data-root", help="where the nodes' data dirs go (e.g. /dev/shm to take "
                                        "the disk out of the measurement); default: $TMPDIR")
    ap.add_argument("--json", help="also write the summary as one JSON object to this file")
    ap.add_argument("perf_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    perf_args = [x for x in a.perf_args if x != "--"]

    cluster = Cluster(a.server, a.override, data_root=a.data_root)
    results = {"all": [], "1": []}
    try:
        cluster.wait_for_brokers()
        for run in range(a.runs):
            for acks in ("-1", "1"):
                mode = "all" if acks == "-1" else "1"
                topic = f"replication-{mode}-{run}"
                args = perf_args + ["--acks", acks, "--topic", topic, "--partitions", "1",
                                    "--replication-factor", "3"]
                cluster.wait_idle()
                r = run_perf(a.perf, "produce", args, "cafka", cluster.bootstrap,
                             label=f"acks={mode} run {run + 1}")
                results[mode].append(r)
                print(f"run {run + 1}/{a.runs} acks={mode}: {r['records_per_s']:,.0f} rec/s, "
                      f"{r['mb_per_s']:.1f} MB/s, p99 {r['latency_p99_ms']:.2f} ms",
                      file=sys.stderr, flush=True)
    finally:
        cluster.stop()

    def med(mode, f):
        return statistics.median(f(r) for r in results[mode])

    summary = {}
    for mode in ("all", "1"):
        summary[f"acks_{mode}"] = {
            "records_per_s": med(mode, lambda r: r["records_per_s"]),
            "mb_per_s": med(mode, lambda r: r["mb_per_s"]),
            "p99_ms": med(mode, lambda r: r["latency_p99_ms"]),
        }
    summary["ratio_all_over_1"] = (summary["acks_all"]["records_per_s"]
                                   / summary["acks_1"]["records_per_s"])
    print(f"{'acks':>6} {'rec/s (median)':>16} {'MB/s':>8} {'p99 ms':>8}")
    for mode in ("all", "1"):
        s = summary[f"acks_{mode}"]
        print(f"{mode:>6} {s['records_per_s']:>16,.0f} {s['mb_per_s']:>8.1f} {s['p99_ms']:>8.2f}")
    print(f"acks=all / acks=1 throughput: {summary['ratio_all_over_1']:.2f} "
          f"(medians of {a.runs} alternated runs)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f)


if __name__ == "__main__":
    main()
