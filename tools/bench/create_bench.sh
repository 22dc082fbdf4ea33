#!/usr/bin/env bash
# Benchmark (not a test): `btnode create` vs `mktorrent -t 2` vs libtorrent's
# create_torrent on the same 1 GiB file of random data, alternating tools
# within each round so machine noise hits all of them alike (bench/README.md).
#
# usage: tools/bench/create_bench.sh [SCRATCH_DIR] [ROUNDS] [BTNODE]
#   SCRATCH_DIR  where the 1 GiB file lives (default ./scratch; reused if present)
#   ROUNDS       rounds of the three tools (default 3, minimum 3)
#   BTNODE       btnode binary (default $BTNODE, else build/release/tools/btnode)
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"

scratch=${1:-./scratch}
rounds=${2:-3}
btnode=${3:-${BTNODE:-build/release/tools/btnode}}
piece_log2=20  # 1 MiB pieces, as in bench/README.md
piece=$((1 << piece_log2))
size=$((1 << 30))

((rounds >= 3)) || { echo "create_bench: need at least 3 rounds" >&2; exit 2; }
[ -x "$btnode" ] || { echo "create_bench: btnode not found at $btnode" >&2; exit 2; }
for tool in mktorrent openssl /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "create_bench: $tool missing (scripts/deps.sh)" >&2; exit 2; }
done

mkdir -p "$scratch"
data="$scratch/bench-1g.bin"
if [ ! -f "$data" ] || [ "$(stat -c %s "$data")" -ne "$size" ]; then
  echo "writing $data (1 GiB random)..."
  head -c "$size" /dev/urandom >"$data"
fi
cat "$data" >/dev/null  # warm the page cache: we measure hashing, not the disk

lt_snippet='
import sys, libtorrent as lt
fs = lt.file_storage(); lt.add_files(fs, sys.argv[1])
ct = lt.create_torrent(fs, int(sys.argv[3]), flags=lt.create_torrent.v1_only)
lt.set_piece_hashes(ct, sys.argv[4])
open(sys.argv[2], "wb").write(lt.bencode(ct.generate()))
'

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: other jobs skew wall time)"
declare -A wall_s cpu_s
for ((r = 1; r <= rounds; r++)); do
  rm -f "$scratch"/bench-*.torrent
  read -r wall_bt cpu_bt < <(timed "$btnode" create "$data" -o "$scratch/bench-btnode.torrent" --piece-size "$piece")
  read -r wall_mk cpu_mk < <(timed mktorrent -t 2 -l "$piece_log2" -o "$scratch/bench-mk.torrent" "$data")
  read -r wall_lt cpu_lt < <(timed /usr/bin/python3 -c "$lt_snippet" "$data" "$scratch/bench-lt.torrent" "$piece" "$scratch")
  printf 'round %d: btnode %.3f s (cpu %.3f)  mktorrent %.3f s (cpu %.3f)  libtorrent %.3f s (cpu %.3f)\n' \
    "$r" "$wall_bt" "$cpu_bt" "$wall_mk" "$cpu_mk" "$wall_lt" "$cpu_lt"
  wall_s[bt]+="$wall_bt " wall_s[mk]+="$wall_mk " wall_s[lt]+="$wall_lt "
  cpu_s[bt]+="$cpu_bt " cpu_s[mk]+="$cpu_mk " cpu_s[lt]+="$cpu_lt "
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The three torrents must describe the same pieces (sanity: same info-hash).
ih() { "$btnode" --json info "$1" | sed -n 's/.*"info_hash":"\([0-9a-f]*\)".*/\1/p'; }
ih_bt=$(ih "$scratch/bench-btnode.torrent")
ih_lt=$(ih "$scratch/bench-lt.torrent")
[ "$ih_bt" = "$ih_lt" ] || echo "WARNING: btnode info-hash $ih_bt != libtorrent $ih_lt (metadata differs?)"

bt_med=$(med "${wall_s[bt]}") mk_med=$(med "${wall_s[mk]}") lt_med=$(med "${wall_s[lt]}")
bt_cpu=$(med "${cpu_s[bt]}") mk_cpu=$(med "${cpu_s[mk]}") lt_cpu=$(med "${cpu_s[lt]}")

ossl_mbs=$(openssl_sha1_mbs)
cores=$(nproc)
bt_mbs=$(calc "$size / 1000000 / $bt_med")
mk_mbs=$(calc "$size / 1000000 / $mk_med")

echo
printf 'file: 1 GiB, piece 1 MiB, rounds: %d, cores: %d\n' "$rounds" "$cores"
printf 'median wall  btnode %.3f s (%.0f MB/s)   mktorrent -t 2 %.3f s (%.0f MB/s)   libtorrent %.3f s\n' \
  "$bt_med" "$bt_mbs" "$mk_med" "$mk_mbs" "$lt_med"
printf 'median cpu   btnode %.3f s   mktorrent %.3f s   libtorrent %.3f s (user+sys)\n' \
  "$bt_cpu" "$mk_cpu" "$lt_cpu"
printf 'ratio btnode/mktorrent time: %.2f  (below 1 = btnode faster)\n' "$(calc "$bt_med / $mk_med")"
printf 'ratio btnode/libtorrent time: %.2f\n' "$(calc "$bt_med / $lt_med")"
printf 'openssl sha1 (1 MiB blocks): %.0f MB/s per core x %d = %.0f MB/s\n' \
  "$ossl_mbs" "$cores" "$(calc "$ossl_mbs * $cores")"
printf 'btnode hashing throughput: %.0f%% of openssl x cores (wall)\n' \
  "$(calc "100 * $bt_mbs / ($ossl_mbs * $cores)")"
# CPU efficiency is immune to other jobs: the SHA-1 floor over the CPU spent.
printf 'btnode cpu efficiency: openssl needs %.3f cpu-s for 1 GiB, btnode spent %.3f (%.0f%%)\n' \
  "$(calc "$size / 1000000 / $ossl_mbs")" "$bt_cpu" "$(calc "100 * $size / 1000000 / $ossl_mbs / $bt_cpu")"
