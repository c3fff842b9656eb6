#!/bin/bash
# Broker CPU for serving Fetch: prefill a topic (untimed), then `perf stat -e task-clock` on the
# broker around a `cafka-perf consume` of the same records. Alternates two server builds, so a
# change to the fetch path can be judged by broker CPU even when the machine is too loaded for
# throughput numbers (docs/performance.md, "Zero-copy Fetch").
# Usage: bench/consume_cpu.sh BEFORE_SERVER AFTER_SERVER [ROUNDS] [PERF]
# Needs `perf` (linux-perf) and a cafka-perf build; data goes to /dev/shm.
set -eu
before=$1 after=$2 rounds=${3:-3}
perf_tool=${4:-$(dirname "$2")/cafka-perf}

one() { # server size count label
  local srv=$1 size=$2 count=$3 label=$4
  local dir port pid sp out ms rps
  dir=$(mktemp -d /dev/shm/cafka-cpu-XXXXXX)
  port=$((20000 + RANDOM % 20000))
  "$srv" --override "log.dirs=$dir" --override "listeners=PLAINTEXT://127.0.0.1:$port" \
    > "$dir.log" 2>&1 &
  pid=$!
  until "$perf_tool" produce --bootstrap "127.0.0.1:$port" --topic t --record-size "$size" \
          --count "$count" --progress-ms 0 > /dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server $srv died"; cat "$dir.log"; return 1; }
  done
  perf stat -e task-clock -p "$pid" -x, -o "$dir.stat" &
  sp=$!
  out=$("$perf_tool" consume --bootstrap "127.0.0.1:$port" --topic t --count "$count" \
          --progress-ms 0 2>/dev/null | tail -1)
  kill -INT "$sp"; wait "$sp" 2>/dev/null || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  ms=$(grep task-clock "$dir.stat" | cut -d, -f1)
  rps=$(echo "$out" | python3 -c "import json,sys; print(round(json.loads(sys.stdin.read())['records_per_s']))")
  echo "$label size=$size broker_task_clock_ms=$ms consume_rps=$rps load=$(cut -d' ' -f1 /proc/loadavg)"
  rm -rf "$dir" "$dir.log" "$dir.stat"
}

for ((i = 1; i <= rounds; ++i)); do
  for size in 1024 100; do
    count=$([ "$size" = 100 ] && echo 2000000 || echo 400000)
    one "$before" "$size" "$count" before
    one "$after" "$size" "$count" after
  done
done
