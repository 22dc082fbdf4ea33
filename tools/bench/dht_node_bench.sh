#!/usr/bin/env bash
# Benchmark (not a test): one btnode DHT node (dht-node-serve: dht::Node in
# node::DhtService, what `btnode` runs) against a libtorrent 2.0 DHT node
# (tools/bench/lt_dht_node.py), both with their abuse limits
# lifted and 32 nodes in their tables, loaded by tools/dht-load in the same
# run. The server is pinned to CPU 0, dht-load to CPU 1; servers alternate
# within each round so machine noise hits both.
#
# Per server and round: a closed-loop warm-up; an open-loop phase at a fixed
# offered load (server CPU µs per answered query, p50/p99 latency); a
# closed-loop phase with a deep window (answered/s at saturation). Prints
# the medians of the rounds and the btnode/libtorrent ratios.
#
# usage: tools/bench/dht_node_bench.sh [ROUNDS] [RATE]
#   ROUNDS  rounds (default 3, minimum 3)
#   RATE    fixed offered load, queries/s (default 20000)
# env: SERVE, DHT_LOAD (binaries; default build/rel/tools/...), LT_NODE (the
#      anchor script; default tools/bench/lt_dht_node.py),
#      DURATION (s per phase, default 5), MIX (find_node:get_peers:ping, default 1:1:0)
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

rounds=${1:-3}
rate=${2:-20000}
serve=${SERVE:-build/rel/tools/dht-node-serve}
load=${DHT_LOAD:-build/rel/tools/dht-load}
lt_node=${LT_NODE:-$(dirname "$0")/lt_dht_node.py}
duration=${DURATION:-5}
mix=${MIX:-1:1:0}
bt_ip=127.0.5.100
lt_ip=127.0.5.101
port=16881

dht_bench_check dht_node_bench "build dht-node-serve and dht-load" "$serve" "$load"
dht_bench_workdir dht-node-bench

lifetime=$((3 * duration + 30))
start_server() {  # $1 = btnode|libtorrent; sets server_pid
  if [ "$1" = btnode ]; then
    taskset -c 0 "$serve" "$bt_ip" "$port" "$lifetime" 32 >"$work/server.out" 2>&1 &
  else
    taskset -c 0 /usr/bin/python3 "$lt_node" "$lt_ip" "$port" "$lifetime" fake_nodes=32 \
      dht_upload_rate_limit=1000000000 dht_block_ratelimit=1000000 >"$work/server.out" 2>&1 &
  fi
  server_pid=$!
  sleep 3  # libtorrent starts its DHT and fills its table
}
results="$work/results.txt"
for round in $(seq "$rounds"); do
  for server in btnode libtorrent; do
    target=$bt_ip:$port
    [ "$server" = libtorrent ] && target=$lt_ip:$port
    start_server "$server"
    run_load "$target" --window 256 --duration 2 --warmup 0 >/dev/null  # warm-up
    fixed=$(run_load "$target" --rate "$rate" --duration "$duration" --warmup 1)
    sat=$(run_load "$target" --window 2048 --duration "$duration" --warmup 1)
    stop_server
    printf '%s %s %s %s %s %s %s\n' "$round" "$server" \
      "$(field server_cpu_us_per_answer <<<"$fixed")" "$(field answered_per_s <<<"$fixed")" \
      "$(field latency_ms_p50 <<<"$fixed")" "$(field latency_ms_p99 <<<"$fixed")" \
      "$(field answered_per_s <<<"$sat")" >>"$results"
    echo "round $round $server: $(tail -1 "$results" | cut -d' ' -f3-)" >&2
  done
done

/usr/bin/python3 - "$results" "$rate" "$mix" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
rate = float(sys.argv[2])
cols = ["cpu_us_per_answer", "answered_per_s_at_rate", "p50_ms", "p99_ms", "saturation_per_s"]
med = {}
for server in ("btnode", "libtorrent"):
    vals = [[float(x) for x in r[2:]] for r in rows if r[1] == server]
    med[server] = dict(zip(cols, [statistics.median(v[i] for v in vals) for i in range(5)]))
print(f"dht node bench: {len(rows)//2} rounds, fixed load {rate:.0f} q/s, mix {sys.argv[3]}, medians")
print(f"{'':24}{'btnode':>12}{'libtorrent':>12}{'ratio':>8}")
for c in cols:
    b, l = med["btnode"][c], med["libtorrent"][c]
    print(f"{c:24}{b:12.2f}{l:12.2f}{(b / l if l else float('nan')):8.2f}")
print("targets: cpu_us_per_answer ratio <= 0.33, saturation_per_s ratio >= 2")
PY
