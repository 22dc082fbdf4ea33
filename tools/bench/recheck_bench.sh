#!/usr/bin/env bash
# Benchmark (not a test): full recheck of existing content, `btnode verify`
# against libtorrent's check (bench/lt_recheck.py: add_torrent on existing
# data, timed until checking ends), in the same run, alternating.
#
# Two data sets: (a) one 1 GiB file, (b) 10,000 small files totalling 1 GiB;
# 1 MiB pieces; each with the page cache warm and cold. "Cold" evicts the
# content's pages with POSIX_FADV_DONTNEED (drop_caches needs privileges this
# machine may not grant); the disk under it decides those figures.
#
# usage: tools/bench/recheck_bench.sh [SCRATCH_DIR] [ROUNDS] [BTNODE]
#   SCRATCH_DIR  where the data lives (default ./scratch; reused if present)
#   ROUNDS       rounds per case (default 3, minimum 3)
#   BTNODE       btnode binary (default $BTNODE, else build/release/tools/btnode)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench_lib.sh"

scratch=${1:-./scratch}
rounds=${2:-3}
btnode=${3:-${BTNODE:-build/release/tools/btnode}}
lt_recheck=${LT_RECHECK:-$here/lt_recheck.py}
size=$((1 << 30))
small_count=10000

((rounds >= 3)) || { echo "recheck_bench: need at least 3 rounds" >&2; exit 2; }
[ -x "$btnode" ] || { echo "recheck_bench: btnode not found at $btnode" >&2; exit 2; }
[ -f "$lt_recheck" ] || { echo "recheck_bench: $lt_recheck missing" >&2; exit 2; }
for tool in openssl /usr/bin/python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "recheck_bench: $tool missing (scripts/deps.sh)" >&2; exit 2; }
done

mkdir -p "$scratch/recheck-one" "$scratch/recheck-many"
one="$scratch/recheck-one/one.bin"
many="$scratch/recheck-many/many"
if [ ! -f "$one" ] || [ "$(stat -c %s "$one")" -ne "$size" ]; then
  echo "writing $one (1 GiB random)..."
  head -c "$size" /dev/urandom >"$one"
fi
if [ "$(find "$many" -type f 2>/dev/null | wc -l)" -ne "$small_count" ]; then
  echo "writing $many ($small_count files, 1 GiB random in all)..."
  rm -rf "$many"
  /usr/bin/python3 - "$many" "$small_count" "$size" <<'PY'
import os, sys
root, count, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
each, extra = divmod(total, count)
for i in range(count):
    d = os.path.join(root, f"d{i // 100:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:05d}.bin"), "wb") as f:
        f.write(os.urandom(each + (1 if i < extra else 0)))
PY
fi
for name in one many; do
  t="$scratch/recheck-$name.torrent"
  [ -f "$t" ] || "$btnode" create "$scratch/recheck-$name/$( [ $name = one ] && echo one.bin || echo many)" \
    -o "$t" --piece-size $((1 << 20)) >/dev/null
done

declare -A wall cpu rss
run_case() {  # name cache
  local name=$1 cache=$2 content="$scratch/recheck-$1" key="$1-$2"
  local t="$scratch/recheck-$name.torrent" w c m r
  for ((r = 1; r <= rounds; r++)); do
    [ "$cache" = cold ] && evict_cache "$content" || warm_cache "$content"
    read -r w c m < <(timed_rss "$btnode" verify "$t" "$content")
    wall[bt-$key]+="$w " cpu[bt-$key]+="$c " rss[bt-$key]+="$m "
    [ "$cache" = cold ] && evict_cache "$content" || warm_cache "$content"
    local lc out
    read -r _ lc _ < <(timed_rss /usr/bin/python3 "$lt_recheck" "$t" "$content")
    out=$(cat "$scratch/bench-out.txt")
    read -r lw _ <<<"$out"
    # libtorrent must find every piece: otherwise it timed something else.
    [ "$(awk '{split($2, a, "/"); print (a[1] == a[2])}' <<<"$out")" = 1 ] ||
      { echo "recheck_bench: libtorrent did not find all pieces: $out" >&2; exit 1; }
    wall[lt-$key]+="$lw " cpu[lt-$key]+="$lc "
    printf '%-10s round %d: btnode %.3f s (cpu %.3f, rss %d MiB)  libtorrent %.3f s (cpu %.3f incl. python)\n' \
      "$key" "$r" "$w" "$c" $((m / 1024)) "$lw" "$lc"
  done
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: other jobs skew wall time)"
for name in one many; do
  for cache in warm cold; do run_case "$name" "$cache"; done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

ossl_mbs=$(openssl_sha1_mbs)
cores=$(nproc)
echo
printf 'data: 1 GiB, 1 MiB pieces, rounds: %d, cores: %d, openssl sha1 %.0f MB/s per core\n' \
  "$rounds" "$cores" "$ossl_mbs"
for name in one many; do
  for cache in warm cold; do
    key="$name-$cache"
    bw=$(med "${wall[bt-$key]}") lw=$(med "${wall[lt-$key]}")
    bc=$(med "${cpu[bt-$key]}") lc=$(med "${cpu[lt-$key]}") peak=$(tr ' ' '\n' <<<"${rss[bt-$key]}" | grep . | sort -g | tail -1)
    mbs=$(calc "$size / 1000000 / $bw")
    printf '%-10s median btnode %.3f s (%.0f MB/s, %.0f%% of openssl x cores, cpu %.3f s, peak rss %d MiB)' \
      "$key" "$bw" "$mbs" "$(calc "100 * $mbs / ($ossl_mbs * $cores)")" "$bc" $((peak / 1024))
    printf '  libtorrent %.3f s (cpu %.3f)  ratio wall %.2f  cpu %.2f\n' "$lw" "$lc" \
      "$(calc "$bw / $lw")" "$(calc "$bc / $lc")"
  done
done
