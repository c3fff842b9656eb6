#!/usr/bin/python3
"""Runs the same cafka-perf workload against cafka-server and against librdkafka's in-process
mock cluster (the client's own ceiling on this machine), alternating, several times each, and
prints medians and the cafka/ceiling ratio.

Every cafka run gets a fresh cafka-server (free port on 127.0.0.1, temp log.dirs, removed after),
so runs do not share page cache state or logs. The broker's peak RSS (VmHWM) and CPU time are
read from /proc before it is stopped.

  bench/compare.py [--runs 5] [--mode produce|consume] [--server PATH] [--perf PATH]
                   [--override k=v ...] [--json FILE] -- CAFKA_PERF_ARGS...

e.g.  bench/compare.py --runs 5 -- --record-size 100 --count 5000000
      bench/compare.py --mode consume -- --record-size 100 --count 5000000
Mode consume runs `cafka-perf consume --prefill` (produce untimed, then consume timed) against
cafka only: librdkafka's mock cluster keeps just ~5 MB per partition, so it cannot serve as a
consume ceiling (the table shows n/a).
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
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def default_bin(name):
    for build in ("build-perf", "build"):
        for root in (REPO, os.path.dirname(REPO)):
            p = os.path.join(root, build, "bin", name)
            if os.access(p, os.X_OK):
                return p
    return os.path.join(REPO, "build", "bin", name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                    out[k] = int(v.split()[0]) * 1024
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        out["cpu_s"] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    except OSError:
        pass
    return out


class Server:
    def __init__(self, path, overrides, data_root=None):
        self.tmp = tempfile.mkdtemp(prefix="cafka-compare-", dir=data_root)
        self.port = free_port()
        cmd = [path, "--override", f"listeners=PLAINTEXT://127.0.0.1:{self.port}",
               "--override", f"log.dirs={self.tmp}/data"]
        for o in overrides:
            cmd += ["--override", o]
        self.log = open(os.path.join(self.tmp, "server.log"), "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.peak_anon = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cafka-server exited {self.proc.returncode}: "
                                   + open(self.log.name).read()[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                self._sampler.start()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("cafka-server did not start listening")

    def _sample(self):
        # Peak anonymous RSS (heap: queued requests, buffers); VmHWM also counts file pages.
        while self._sampling:
            self.peak_anon = max(self.peak_anon, proc_status(self.proc.pid).get("RssAnon", 0))
            time.sleep(0.1)

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self._sampling = False
        if self._sampler.is_alive():
            self._sampler.join()
        stats = proc_status(self.proc.pid)
        stats["peak_anon"] = self.peak_anon
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        if rc != 0:
            print(f"warning: cafka-server exited {rc}; log kept in {self.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return stats


def run_perf(perf, mode, args, target, bootstrap=None, label=""):
    cmd = [perf, mode] + args + ["--progress-ms", "0", "--label", label]
    if mode == "consume":
        cmd.append("--prefill")
    cmd += ["--mock"] if target == "mock" else ["--bootstrap", bootstrap]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=3600)
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}")
    return json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mode", choices=("produce", "consume"), default="produce")
    ap.add_argument("--server", default=default_bin("cafka-server"))
    ap.add_argument("--perf", default=default_bin("cafka-perf"))
    ap.add_argument("--override", action="append", default=[],
                    help="cafka-server --override key=value (repeatable)")
    ap.add_argument("--data-root", help="parent of the broker's temp log.dirs (default: $TMPDIR "
                    "or /tmp; e.g. /dev/shm to take the disk out of the measurement)")
    ap.add_argument("--json", help="append every run's result line to this file")
    ap.add_argument("perf_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    perf_args = [x for x in a.perf_args if x != "--"]
    if not any(x == "--topic" for x in perf_args):
        perf_args += ["--topic", "compare"]

    results = {"cafka": [], "mock": []}
    for i in range(a.runs):
        order = ("cafka", "mock") if i % 2 == 0 else ("mock", "cafka")
        if a.mode == "consume":
            order = ("cafka",)
        for target in order:
            if target == "cafka":
                srv = Server(a.server, a.override, a.data_root)
                try:
                    r = run_perf(a.perf, a.mode, perf_args, target, srv.bootstrap, f"run{i}")
                finally:
                    stats = srv.stop()
                r["broker_vmhwm_mib"] = round(stats.get("VmHWM", 0) / 2**20, 1)
                r["broker_cpu_s"] = stats.get("cpu_s", 0)
                r["broker_peak_anon_mib"] = round(stats.get("peak_anon", 0) / 2**20, 1)
            else:
                r = run_perf(a.perf, a.mode, perf_args, target, label=f"run{i}")
            r["target"] = target
            results[target].append(r)
            lat = "latency" if a.mode == "produce" else "e2e"
            extra = (f"  broker HWM {r['broker_vmhwm_mib']} MiB (anon peak"
                     f" {r['broker_peak_anon_mib']} MiB)  cpu {r['broker_cpu_s']:.1f}s"
                     if target == "cafka" else "")
            print(f"run {i} {target:5s} {r['records_per_s']:12.0f} rec/s {r['mb_per_s']:8.1f} MB/s"
                  f"  p50 {r[lat + '_p50_ms']:.2f} ms  p99 {r[lat + '_p99_ms']:.2f} ms{extra}",
                  flush=True)
            if a.json:
                with open(a.json, "a") as f:
                    f.write(json.dumps(r) + "\n")

    def med(target, key):
        if not results[target]:
            return float("nan")
        return statistics.median(r[key] for r in results[target])

    lat = "latency" if a.mode == "produce" else "e2e"
    print(f"\nmedians over {a.runs} alternated runs ({a.mode}, {' '.join(perf_args)}):")
    print(f"{'target':6s} {'rec/s':>12s} {'MB/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for t in ("cafka", "mock"):
        print(f"{t:6s} {med(t, 'records_per_s'):12.0f} {med(t, 'mb_per_s'):8.1f}"
              f" {med(t, lat + '_p50_ms'):8.2f} {med(t, lat + '_p99_ms'):8.2f}")
    ratio = med("cafka", "records_per_s") / med("mock", "records_per_s")
    print(f"cafka/ceiling ratio: {ratio:.2f}")
    summary = {
        "mode": a.mode, "runs": a.runs, "args": perf_args,
        "cafka_records_per_s": med("cafka", "records_per_s"),
        "mock_records_per_s": med("mock", "records_per_s") if results["mock"] else None,
        "ratio": round(ratio, 3) if results["mock"] else None,
        "cafka_mb_per_s": med("cafka", "mb_per_s"),
        "cafka_p99_ms": med("cafka", lat + "_p99_ms"),
        "broker_vmhwm_mib_max": max(r["broker_vmhwm_mib"] for r in results["cafka"]),
        "broker_peak_anon_mib_max": max(r["broker_peak_anon_mib"] for r in results["cafka"]),
        "broker_cpu_s_median": med("cafka", "broker_cpu_s"),
        "load_avg_1m": os.getloadavg()[0],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
