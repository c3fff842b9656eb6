#!/bin/bash
# Broker CPU for serving Produce: a fresh broker per run (log dir under $TMPDIR or /tmp), one
# `cafka-perf produce`, then the broker's user and system CPU from /proc/<pid>/stat. Alternates
# two server builds, so a change to the produce path is judged by where the broker spends its
# time (user space vs the kernel's socket and page-cache copies) even when throughput is noisy
# (docs/performance.md, "Produce without the decode copy").
# Usage: bench/produce_cpu.sh BEFORE_SERVER AFTER_SERVER [ROUNDS] [PERF] -- [cafka-perf args]
# Default workload: --record-size 1024 --count 2000000.
set -eu
before=$1 after=$2
shift 2
rounds=3 perf_tool=$(dirname "$after")/cafka-perf
[ $# -gt 0 ] && [ "$1" != -- ] && { rounds=$1; shift; }
[ $# -gt 0 ] && [ "$1" != -- ] && { perf_tool=$1; shift; }
[ $# -gt 0 ] && [ "$1" = -- ] && shift
workload=("$@")
[ ${#workload[@]} -eq 0 ] && workload=(--record-size 1024 --count 2000000)
tick=$(getconf CLK_TCK)

one() { # server label
  local srv=$1 label=$2
  local dir port pid out rps cpu
  dir=$(mktemp -d "${TMPDIR:-/tmp}/cafka-cpu-XXXXXX")
  port=$((20000 + RANDOM % 20000))
  "$srv" --override "log.dirs=$dir/data" --override "listeners=PLAINTEXT://127.0.0.1:$port" \
    > "$dir/server.log" 2>&1 &
  pid=$!
  until "$perf_tool" produce --bootstrap "127.0.0.1:$port" --topic warmup --count 1 \
          --progress-ms 0 > /dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server $srv died"; cat "$dir/server.log"; return 1; }
  done
  out=$("$perf_tool" produce --bootstrap "127.0.0.1:$port" --topic t --progress-ms 0 \
          "${workload[@]}" 2>/dev/null | tail -1)
  # Fields 14 and 15 of /proc/<pid>/stat: utime and stime in clock ticks.
  cpu=$(awk -v t="$tick" '{printf "user_s=%.2f system_s=%.2f", $14 / t, $15 / t}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rps=$(echo "$out" | python3 -c "import json,sys; print(round(json.loads(sys.stdin.read())['records_per_s']))")
  echo "$label $cpu produce_rps=$rps load=$(cut -d' ' -f1 /proc/loadavg)"
  rm -rf "$dir"
}

for ((i = 1; i <= rounds; ++i)); do
  one "$before" before
  one "$after" after
done
