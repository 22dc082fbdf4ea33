# Shared helpers for the benchmark scripts in tools/bench (sourced, not run).
# Benchmarks compare btnode with an anchor in the same run, alternating, and
# report medians: the machine is shared and noisy (bench/README.md).

# Floating-point arithmetic without depending on bc.
calc() { awk "BEGIN { print $* }"; }

# Median of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# Median of a space-separated list.
med() { tr ' ' '\n' <<<"$1" | grep . | median; }

# Prints "WALL CPU" seconds of "$@" (CPU = user + sys, children included);
# output is discarded and a failure aborts the bench. Needs $scratch.
timed() {
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" >/dev/null 2>"$scratch/bench-stderr.txt"; } 2>&1) || {
    echo "bench: '$*' failed: $(cat "$scratch/bench-stderr.txt")" >&2
    exit 1
  }
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<<"$t"
}

# Prints "WALL CPU MAXRSS_KIB" of "$@" (CPU = user + sys of the process and
# its threads); its stdout is kept in $scratch/bench-out.txt. A failure
# aborts the bench. Needs $scratch.
timed_rss() {
  /usr/bin/time -o "$scratch/bench-time.txt" -f '%e %U %S %M' "$@" \
    >"$scratch/bench-out.txt" 2>"$scratch/bench-stderr.txt" || {
    echo "bench: '$*' failed: $(cat "$scratch/bench-stderr.txt")" >&2
    exit 1
  }
  awk '{ printf "%s %.3f %s\n", $1, $2 + $3, $4 }' "$scratch/bench-time.txt"
}

# openssl's single-core SHA-1 speed over 1 MiB buffers, in MB/s.
openssl_sha1_mbs() {
  local line
  line=$(openssl speed -evp sha1 -bytes 1048576 -seconds 3 2>/dev/null | grep -i '^sha1' | tail -1)
  calc "$(echo "$line" | awk '{print $NF}' | tr -d 'k') / 1000"
}

# Evicts the files under "$@" from the page cache (POSIX_FADV_DONTNEED works
# without the privileges that /proc/sys/vm/drop_caches needs).
evict_cache() {
  /usr/bin/python3 - "$@" <<'PY'
import os, sys
for root in sys.argv[1:]:
    paths = [root] if os.path.isfile(root) else [
        os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fdatasync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
PY
}

# Reads everything under "$@" once so the page cache holds it.
warm_cache() { find "$@" -type f -exec cat {} + >/dev/null; }

# --- DHT server benchmarks (dht_node_bench.sh, dht_router_bench.sh) ---
# They share these globals: rounds, load (dht-load), lt_node (the libtorrent
# node script), duration, mix, work, server_pid.

# Checks what a DHT server bench needs; exits 2 with a message otherwise.
# usage: dht_bench_check NAME BUILD_HINT BINARY...
dht_bench_check() {
  local name=$1 hint=$2 f; shift 2
  ((rounds >= 3)) || { echo "$name: need at least 3 rounds" >&2; exit 2; }
  for f in "$@"; do
    [ -x "$f" ] || { echo "$name: $f not found ($hint)" >&2; exit 2; }
  done
  [ -f "$lt_node" ] || { echo "$name: $lt_node not found (set LT_NODE)" >&2; exit 2; }
  command -v taskset >/dev/null || { echo "$name: taskset missing" >&2; exit 2; }
  /usr/bin/python3 -c 'import libtorrent' 2>/dev/null ||
    { echo "$name: python3-libtorrent missing (scripts/deps.sh)" >&2; exit 2; }
}

# Makes $work (removed on exit, with the running server stopped).
# usage: dht_bench_workdir NAME
dht_bench_workdir() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  server_pid=""
  trap dht_bench_cleanup EXIT
}
dht_bench_cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}

stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# Runs dht-load on CPU 1 against TARGET (answers checked, JSON summary on
# stdout, the server's CPU read from /proc). usage: run_load TARGET [ARGS...]
run_load() {
  local target=$1; shift
  taskset -c 1 timeout $((duration + 60)) "$load" --target "$target" --sources 4096 --mix "$mix" \
    --answer --quiet --json --server-pid "$server_pid" "$@"
}

# Prints field $1 of the JSON object on stdin.
field() { /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }
