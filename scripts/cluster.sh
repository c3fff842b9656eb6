#!/usr/bin/env bash
# Runs a local cafka cluster from one properties file (default config/cluster-3.properties):
# every node of its cluster.nodes as a background cafka-server process.
#   scripts/cluster.sh start   [FILE]   start every node not running, wait until all listen
#   scripts/cluster.sh stop    [FILE]   SIGTERM every node, wait until they exited
#   scripts/cluster.sh status  [FILE]   which nodes run, where they listen, their logs
#   scripts/cluster.sh kill N  [FILE]   SIGKILL node N (a crash)
#   scripts/cluster.sh restart N [FILE] stop node N if it runs, start it again
# Each node keeps its pid file and its log (server.log) in its data dir (log.dirs with
# ${node.id} replaced). CAFKA_SERVER overrides the binary (default build/bin/cafka-server).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
cmd="${1:-}"; [[ -n "$cmd" ]] || usage; shift
node_arg=""
if [[ "$cmd" == kill || "$cmd" == restart ]]; then
  node_arg="${1:-}"; [[ "$node_arg" =~ ^[0-9]+$ ]] || usage; shift
fi
file="${1:-config/cluster-3.properties}"
[[ -f "$file" ]] || { echo "cluster.sh: no such file: $file" >&2; exit 2; }
server="${CAFKA_SERVER:-build/bin/cafka-server}"

# The value of a key in the file (last occurrence, whitespace trimmed).
prop() { sed -n "s/^[[:space:]]*$1[[:space:]]*[=:][[:space:]]*//p" "$file" | tail -n1 | sed 's/[[:space:]]*$//'; }

nodes="$(prop cluster.nodes)"
[[ -n "$nodes" ]] || { echo "cluster.sh: $file has no cluster.nodes" >&2; exit 2; }
dirs_template="$(prop log.dirs)"; dirs_template="${dirs_template:-./data}"
ids=(); declare -A kafka_host kafka_port
IFS=',' read -ra items <<<"$nodes"
for item in "${items[@]}"; do
  item="${item// /}"
  id="${item%%@*}"; rest="${item#*@}"
  ap="${rest##*:}"; rest="${rest%:*}"; kp="${rest##*:}"; host="${rest%:*}"
  ids+=("$id"); kafka_host[$id]="$host"; kafka_port[$id]="$kp"
done

data_dir() { local d="${dirs_template//\$\{node.id\}/$1}"; echo "${d%%,*}"; }
pid_of() { local f; f="$(data_dir "$1")/cafka.pid"; [[ -f "$f" ]] && cat "$f" || true; }
running() { local p; p="$(pid_of "$1")"; [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/${kafka_host[$1]}/${kafka_port[$1]}") 2>/dev/null; }
known() { [[ -n "${kafka_port[$1]:-}" ]] || { echo "cluster.sh: node $1 is not in $file" >&2; exit 2; }; }

start_node() {
  local id="$1" dir
  if running "$id"; then echo "node $id already running (pid $(pid_of "$id"))"; return; fi
  dir="$(data_dir "$id")"; mkdir -p "$dir"
  [[ -x "$server" ]] || { echo "cluster.sh: $server not built (scripts/build.sh --target cafka-server)" >&2; exit 1; }
  echo "=== start $(date -u +%FT%TZ)" >>"$dir/server.log"
  nohup "$server" "$file" --override "node.id=$id" >>"$dir/server.log" 2>&1 &
  echo $! >"$dir/cafka.pid"
}

wait_listening() {
  local id="$1"
  for _ in $(seq 1 300); do
    listening "$id" && return 0
    running "$id" || { echo "node $id exited; tail of $(data_dir "$id")/server.log:" >&2
                       tail -n 20 "$(data_dir "$id")/server.log" >&2; return 1; }
    sleep 0.1
  done
  echo "node $id does not listen after 30 s" >&2; return 1
}

stop_node() {
  local id="$1" p
  running "$id" || return 0
  p="$(pid_of "$id")"; kill -TERM "$p"
  for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || { rm -f "$(data_dir "$id")/cafka.pid"; return 0; }; sleep 0.1; done
  echo "node $id (pid $p) still running after 30 s" >&2; return 1
}

show() {
  local id="$1"
  if running "$id"; then
    echo "node $id: running (pid $(pid_of "$id")) on ${kafka_host[$id]}:${kafka_port[$id]}, log $(data_dir "$id")/server.log"
  else
    echo "node $id: stopped, log $(data_dir "$id")/server.log"
  fi
}

case "$cmd" in
  start)
    for id in "${ids[@]}"; do start_node "$id"; done
    rc=0; for id in "${ids[@]}"; do wait_listening "$id" || rc=1; done
    for id in "${ids[@]}"; do show "$id"; done
    bootstrap=""; for id in "${ids[@]}"; do bootstrap+="${bootstrap:+,}${kafka_host[$id]}:${kafka_port[$id]}"; done
    echo "bootstrap servers: $bootstrap"
    exit $rc ;;
  stop)
    rc=0; for id in "${ids[@]}"; do stop_node "$id" || rc=1; done
    for id in "${ids[@]}"; do show "$id"; done
    exit $rc ;;
  status)
    for id in "${ids[@]}"; do show "$id"; done ;;
  kill)
    known "$node_arg"
    if running "$node_arg"; then kill -KILL "$(pid_of "$node_arg")"; echo "node $node_arg killed"; else echo "node $node_arg not running"; fi ;;
  restart)
    known "$node_arg"; stop_node "$node_arg"; start_node "$node_arg"; wait_listening "$node_arg"; show "$node_arg" ;;
  *) usage ;;
esac
