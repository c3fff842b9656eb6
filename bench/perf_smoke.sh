#!/usr/bin/env bash
# bench.perf_smoke: starts a real cafka-server on a free port with a temp log.dirs, runs
# cafka-perf produce 20k + consume 20k records, checks both exit 0 and print a JSON line, then
# SIGTERMs the server (which must exit 0). No timing assertions.
# usage: perf_smoke.sh CAFKA_SERVER CAFKA_PERF [COUNT]
set -euo pipefail
server=$1
perf=$2
count=${3:-20000}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cafka-perf-smoke-XXXXXX")
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$server" --override "listeners=PLAINTEXT://127.0.0.1:$port" --override "log.dirs=$tmp/data" \
  >"$tmp/server.log" 2>&1 &
pid=$!

# Wait until the port accepts connections (bash's /dev/tcp), at most 30 s.
for _ in $(seq 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "cafka-server exited during startup:"; cat "$tmp/server.log"; exit 1
  fi
  sleep 0.1
done

fail() {
  echo "FAIL: $*"
  echo "--- server log (tail)"; tail -n 40 "$tmp/server.log"
  exit 1
}

check_json() { # file mode
  local line
  line=$(grep '^{' "$1" | tail -n 1) || fail "$2: no JSON line"
  /usr/bin/python3 -c 'import json, sys
r = json.loads(sys.argv[1])
assert r["mode"] == sys.argv[2], r
n = r.get("delivered", r.get("received"))
assert n == int(sys.argv[3]), r
print(sys.argv[2], "ok:", round(r["records_per_s"]), "rec/s")' "$line" "$2" "$count" \
    || fail "$2: bad JSON line: $line"
}

common=(--bootstrap "127.0.0.1:$port" --topic perf-smoke --count "$count" --record-size 100
        --progress-ms 0)
"$perf" produce "${common[@]}" --partitions 2 --acks 1 --linger-ms 5 >"$tmp/produce.out" \
  || fail "cafka-perf produce exited $?"
check_json "$tmp/produce.out" produce
timeout 60 "$perf" consume "${common[@]}" --timeout-s 20 >"$tmp/consume.out" \
  || fail "cafka-perf consume exited $?"
check_json "$tmp/consume.out" consume

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[[ $rc -eq 0 ]] || { echo "cafka-server exited $rc after SIGTERM"; tail -n 40 "$tmp/server.log"; exit 1; }
echo "PASS"
