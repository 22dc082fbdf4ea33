#!/usr/bin/env bash
# Benchmark (not a test): `btnode bootstrap` against a libtorrent 2.0 DHT node
# with its limits lifted (tools/bench/lt_dht_node.py), both loaded
# by tools/dht-load in the same run. The server is pinned to CPU 0, dht-load
# to CPU 1; servers alternate within each round so machine noise hits both.
#
# Per server and round: a closed-loop warm-up; an open-loop phase at a fixed
# offered load (CPU µs per answered query, p50/p99 latency); a closed-loop
# phase with a deep window (answered/s at saturation). btnode starts from a
# saved buffer of 1 M synthetic IPv4 nodes, so its replies carry 8 nodes and
# its RSS is read with 1 M nodes held. Prints the median of the rounds and
# the btnode/libtorrent ratios.
#
# usage: tools/bench/dht_router_bench.sh [ROUNDS] [RATE]
#   ROUNDS  rounds (default 3, minimum 3)
#   RATE    fixed offered load for the CPU/latency phase, queries/s (default 60000)
# env: BTNODE, DHT_LOAD (binaries; default build/rel/tools/...), LT_NODE (the
#      anchor script; default tools/bench/lt_dht_node.py),
#      DURATION (s per phase, default 5), MIX (find_node:get_peers:ping, default 1:0:0)
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

rounds=${1:-3}
rate=${2:-60000}
btnode=${BTNODE:-build/rel/tools/btnode}
load=${DHT_LOAD:-build/rel/tools/dht-load}
lt_node=${LT_NODE:-$(dirname "$0")/lt_dht_node.py}
duration=${DURATION:-5}
mix=${MIX:-1:0:0}
bt_addr=127.0.1.1:16881
lt_addr=127.0.1.2:16882

dht_bench_check dht_router_bench "build btnode and dht-load" "$btnode" "$load"
dht_bench_workdir dht-router-bench

# A saved buffer of 1 M random IPv4 nodes in btnode's state format.
/usr/bin/python3 - "$work/state/router-buffer.bin" <<'PY'
import os, struct, sys
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
n = 1 << 20
with open(sys.argv[1], "wb") as f:
    f.write(b"btnode-router-buffer 1\n" + os.urandom(20) + struct.pack(">II", n, 0))
    f.write(os.urandom(26 * n))
PY
cp "$work/state/router-buffer.bin" "$work/buffer.orig"

start_server() {  # $1 = btnode|libtorrent; sets server_pid
  if [ "$1" = btnode ]; then
    cp "$work/buffer.orig" "$work/state/router-buffer.bin"
    taskset -c 0 "$btnode" bootstrap --bind "${bt_addr%:*}" --listen "${bt_addr#*:}" \
      --threads 1 --capacity 1048576 --per-ip-rate 1000000 --per-ip-burst 1000000 \
      --state-dir "$work/state" --stats-interval 600 >"$work/server.out" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do grep -q listening "$work/server.out" && break; sleep 0.1; done
  else
    taskset -c 0 /usr/bin/python3 "$lt_node" "${lt_addr%:*}" "${lt_addr#*:}" 600 fake_nodes=32 \
      dht_upload_rate_limit=1000000000 dht_block_ratelimit=1000000 >"$work/server.out" 2>&1 &
    server_pid=$!
    for _ in $(seq 200); do grep -q ready "$work/server.out" && break; sleep 0.1; done
  fi
  grep -qE 'listening|ready' "$work/server.out" ||
    { echo "dht_router_bench: $1 did not start:" >&2; cat "$work/server.out" >&2; exit 1; }
}

results="$work/results.txt"
for round in $(seq "$rounds"); do
  for server in btnode libtorrent; do
    target=$bt_addr
    [ "$server" = libtorrent ] && target=$lt_addr
    start_server "$server"
    run_load "$target" --window 256 --duration 3 --warmup 0 >/dev/null  # warm-up
    fixed=$(run_load "$target" --rate "$rate" --duration "$duration" --warmup 1)
    sat=$(run_load "$target" --window 2048 --duration "$duration" --warmup 1)
    rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
    stop_server
    printf '%s %s %s %s %s %s %s %s\n' "$round" "$server" \
      "$(field server_cpu_us_per_answer <<<"$fixed")" "$(field answered_per_s <<<"$fixed")" \
      "$(field latency_ms_p50 <<<"$fixed")" "$(field latency_ms_p99 <<<"$fixed")" \
      "$(field answered_per_s <<<"$sat")" "$rss_kib" >>"$results"
    echo "round $round $server: $(tail -1 "$results" | cut -d' ' -f3-)" >&2
  done
done

/usr/bin/python3 - "$results" "$rate" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
rate = float(sys.argv[2])
cols = ["cpu_us_per_answer", "answered_per_s_at_rate", "p50_ms", "p99_ms", "saturation_per_s", "rss_mib"]
med = {}
for server in ("btnode", "libtorrent"):
    vals = [[float(x) for x in r[2:]] for r in rows if r[1] == server]
    m = [statistics.median(v[i] for v in vals) for i in range(6)]
    m[5] /= 1024
    med[server] = dict(zip(cols, m))
print(f"dht router bench: {len(rows)//2} rounds, fixed load {rate:.0f} q/s, medians")
print(f"{'':24}{'btnode':>12}{'libtorrent':>12}{'ratio':>8}")
for c in cols:
    b, l = med["btnode"][c], med["libtorrent"][c]
    print(f"{c:24}{b:12.2f}{l:12.2f}{(b / l if l else float('nan')):8.2f}")
print("(btnode RSS is with 1,048,576 IPv4 nodes in its buffer; libtorrent's with its own table)")
PY
