#!/usr/bin/env bash
# Benchmark (not a test): one file seed -> leech over loopback, all four
# pairings of btnode and libtorrent (the anchor lt -> lt, tools/bench/lt_pair.py,
# no encryption) in the same run, alternating within each round so machine
# noise hits all alike: btnode -> btnode (default encryption policy `prefer`,
# which settles on plaintext after the MSE handshake), lt -> lt, lt -> btnode,
# btnode -> lt, and btnode -> btnode with MSE RC4 (`require` on the leech).
# Both seeds check their data fully before the first round (page cache warm).
# Prints each round, then the medians, the ratios to lt -> lt and the peak
# RSS of the downloading btnode; every download is compared with the data.
#
# usage: tools/bench/transfer_bench.sh [SCRATCH_DIR] [ROUNDS] [SIZE_MIB] [BTNODE] [MODES]
#   SCRATCH_DIR  where the data and downloads live (default ./scratch; data reused)
#   ROUNDS       rounds (default 3, minimum 3)
#   SIZE_MIB     file size in MiB (default 1024); pieces are 1 MiB
#   BTNODE       btnode binary (default $BTNODE, else build/rel/tools/btnode)
#   MODES        which legs besides lt->lt, comma-separated (default all):
#                bt (btnode->btnode), lt2bt, bt2lt, rc4
# env LT_PAIR: path of lt_pair.py (default tools/bench/lt_pair.py)
set -euo pipefail

scratch=${1:-./scratch}
rounds=${2:-3}
size_mib=${3:-1024}
btnode=${4:-${BTNODE:-build/rel/tools/btnode}}
modes=",${5:-bt,lt2bt,bt2lt,rc4},"
lt_pair=${LT_PAIR:-$(dirname "$0")/lt_pair.py}
bt_seed_ip=127.0.4.1
bt_leech_ip=127.0.4.2
bt_port=7101

((rounds >= 3)) || { echo "transfer_bench: need at least 3 rounds" >&2; exit 2; }
[ -x "$btnode" ] || { echo "transfer_bench: btnode not found at $btnode" >&2; exit 2; }
[ -f "$lt_pair" ] || { echo "transfer_bench: $lt_pair missing (set LT_PAIR)" >&2; exit 2; }
for tool in mktorrent /usr/bin/python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "transfer_bench: $tool missing (scripts/deps.sh)" >&2; exit 2; }
done
btnode=$(realpath "$btnode")

mkdir -p "$scratch"
scratch=$(realpath "$scratch")
seed_dir="$scratch/transfer-seed-$size_mib"
data="$seed_dir/data.bin"
torrent="$scratch/transfer-$size_mib.torrent"
size=$((size_mib * 1024 * 1024))
mkdir -p "$seed_dir"
if [ ! -f "$data" ] || [ "$(stat -c %s "$data")" -ne "$size" ]; then
  echo "writing $data ($size_mib MiB random)..."
  head -c "$size" /dev/urandom >"$data"
  rm -f "$torrent"
fi
[ -f "$torrent" ] || mktorrent -l 20 -o "$torrent" "$data" >/dev/null
cat "$data" >/dev/null  # warm the page cache

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$scratch/transfer-leech"
}
trap cleanup EXIT

calc() { awk "BEGIN { print $* }"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The seeds: btnode (accepts MSE and plain) and libtorrent ("full": checked first).
seed_log="$scratch/transfer-bt-seed.log"
"$btnode" --json seed "$torrent" "$seed_dir" --bind "$bt_seed_ip" --listen "$bt_port" \
  --no-dht --no-pex --encryption prefer >"$seed_log" 2>"$scratch/transfer-bt-seed.err" &
pids+=($!)
/usr/bin/python3 "$lt_pair" seed "$seed_dir" "$torrent" 7001 full >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  grep -q '"seeding"' "$seed_log" 2>/dev/null && break
  sleep 0.1
done
grep -q '"seeding"' "$seed_log" || { echo "transfer_bench: btnode seed did not start" >&2; exit 1; }
# libtorrent gives no signal on stdout; its check runs at about 350 MB/s here.
sleep "$(calc "2 + $size_mib / 300")"

leech="$scratch/transfer-leech"
# btnode downloads from SEED with encryption policy POLICY; prints
# "SECONDS PEAK_RSS_KIB".
bt_get() {
  rm -rf "$leech"
  mkdir -p "$leech"
  local start end rss
  start=$(date +%s.%N)
  /usr/bin/time -f %M -o "$scratch/transfer-rss.txt" timeout 600 "$btnode" get "$torrent" \
    -o "$leech" --bind "$bt_leech_ip" --no-dht --no-pex --peer "$1" --encryption "$2" \
    >/dev/null 2>"$scratch/transfer-get.err" ||
    { echo "transfer_bench: btnode get failed: $(tail -3 "$scratch/transfer-get.err")" >&2; exit 1; }
  end=$(date +%s.%N)
  cmp -s "$data" "$leech/data.bin" || { echo "transfer_bench: btnode download differs" >&2; exit 1; }
  rss=$(tail -1 "$scratch/transfer-rss.txt")
  echo "$(calc "$end - $start") $rss"
}
# libtorrent downloads from SEED (HOST:PORT); prints SECONDS.
lt_get() {
  rm -rf "$leech"
  mkdir -p "$leech"
  local out
  out=$(timeout 600 /usr/bin/python3 "$lt_pair" leech "$leech" "$torrent" 7002 "$1") ||
    { echo "transfer_bench: libtorrent leech failed" >&2; exit 1; }
  cmp -s "$data" "$leech/data.bin" || { echo "transfer_bench: libtorrent download differs" >&2; exit 1; }
  echo "${out%%s *}"
}
on() { [[ $modes == *",$1,"* ]]; }

bt_seed="$bt_seed_ip:$bt_port"
lt_seed="127.0.0.1:7001"
bt=() lt=() lt2bt=() bt2lt=() rc4=() rss=()
for round in $(seq 1 "$rounds"); do
  line="round $round:"
  if on bt; then
    read -r t r < <(bt_get "$bt_seed" prefer)
    bt+=("$t") rss+=("$r")
    line+=$(printf ' bt->bt %.3f s (RSS %d MiB)' "$t" "$((r / 1024))")
  fi
  l=$(lt_get "$lt_seed")
  lt+=("$l")
  line+=$(printf ' lt->lt %.3f s' "$l")
  if on lt2bt; then
    read -r t r < <(bt_get "$lt_seed" disable)
    lt2bt+=("$t") rss+=("$r")
    line+=$(printf ' lt->bt %.3f s (RSS %d MiB)' "$t" "$((r / 1024))")
  fi
  if on bt2lt; then
    t=$(lt_get "$bt_seed")
    bt2lt+=("$t")
    line+=$(printf ' bt->lt %.3f s' "$t")
  fi
  if on rc4; then
    read -r t r < <(bt_get "$bt_seed" require)
    rc4+=("$t") rss+=("$r")
    line+=$(printf ' bt->bt RC4 %.3f s (RSS %d MiB)' "$t" "$((r / 1024))")
  fi
  echo "$line"
done

m_lt=$(median "${lt[@]}")
echo "size ${size_mib} MiB, 1 MiB pieces, $rounds rounds (medians; targets in brackets):"
report() {  # NAME TARGET VALUES...
  local name=$1 target=$2
  shift 2
  (($# > 0)) || return 0
  local m
  m=$(median "$@")
  printf '  %-18s %.3f s  %4.0f MB/s  ratio to lt->lt %.2f  [<= %s]\n' \
    "$name" "$m" "$(calc "$size / $m / 1e6")" "$(calc "$m / $m_lt")" "$target"
}
printf '  %-18s %.3f s  %4.0f MB/s\n' "lt->lt (anchor)" "$m_lt" "$(calc "$size / $m_lt / 1e6")"
report "btnode->btnode" 0.4 "${bt[@]}"
report "lt->btnode" 1.0 "${lt2bt[@]}"
report "btnode->lt" 1.0 "${bt2lt[@]}"
report "btnode->btnode RC4" 0.6 "${rc4[@]}"
if ((${#rss[@]} > 0)); then
  max_rss=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
  printf '  peak RSS of the downloading btnode: median %d MiB, max %d MiB [<= 48 MiB]\n' \
    "$(calc "int($(median "${rss[@]}") / 1024)")" "$((max_rss / 1024))"
fi
