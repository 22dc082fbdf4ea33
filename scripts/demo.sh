#!/usr/bin/env bash
# Demo: the main job on a machine with no internet. Build btnode (Release),
# create -> info -> verify a small multi-file torrent, then a DHT swarm on
# loopback: a DHT bootstrap node (127.0.0.1), a seeder that announces itself
# on the DHT (127.0.0.2), and `btnode get MAGNET` (127.0.0.3) given only the
# magnet link and the bootstrap node: it finds the seeder on the DHT, fetches
# and verifies the metadata (BEP 9), downloads, and the result is compared
# (diff) and verified. Finally one byte is corrupted and verify pinpoints the piece.
# Exits non-zero if any step does not behave as expected.
#
# usage: scripts/demo.sh [SCRATCH_DIR]   (default: ./scratch/demo, recreated)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:-$repo/scratch/demo}
btnode=$repo/build/release/tools/btnode
piece=65536

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

step "dependencies"
"$repo/scripts/deps.sh"

step "build (Release, build/release)"
cmake -S "$repo" -B "$repo/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$repo/build/release" --target btnode -j"$(nproc)"
start=$(date +%s)

step "content: a few MiB of random data in $scratch/share"
rm -rf "$scratch"
mkdir -p "$scratch/share/photos/2024" "$scratch/share/docs"
head -c $((3 * 1024 * 1024 + 123)) /dev/urandom >"$scratch/share/video.bin"
head -c $((1024 * 1024)) /dev/urandom >"$scratch/share/photos/2024/a.jpg"
head -c 777 /dev/urandom >"$scratch/share/photos/2024/b.jpg"
head -c 200000 /dev/urandom >"$scratch/share/docs/notes.txt"
: >"$scratch/share/docs/empty"
torrent=$scratch/share.torrent

step "btnode create"
magnet=$("$btnode" create "$scratch/share" -o "$torrent" --piece-size $piece \
  --tracker udp://tracker.example:6969/announce --comment "btnode demo")
echo "$magnet"
[[ $magnet == magnet:\?xt=urn:btih:* ]] || die "create did not print a magnet link"

step "btnode info"
"$btnode" info "$torrent"
pieces=$("$btnode" --json info "$torrent" | sed -n 's/.*"piece_count":\([0-9]*\).*/\1/p')
[ -n "$pieces" ] || die "info --json gave no piece_count"

step "btnode verify (content intact: expect exit 0)"
"$btnode" verify "$torrent" "$scratch" || die "verify failed on intact content"

step "DHT swarm on loopback: bootstrap node 127.0.0.1, seeder 127.0.0.2, magnet download 127.0.0.3"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
boot_port=$((20000 + $$ % 20000))
# timeout(1) bounds each background node and lets us stop it with SIGTERM
# (INTEROP.md: a background job of a non-interactive shell ignores SIGINT).
# --full-node: a plain DHT node that also stores announces (the router form
# of `btnode bootstrap` only hands out nodes).
timeout 120 "$btnode" --json bootstrap --full-node --bind 127.0.0.1 --listen $boot_port \
  --state-dir "$scratch/boot-state" >"$scratch/boot.log" 2>&1 &
pids+=($!)
echo "DHT bootstrap node on 127.0.0.1:$boot_port"
seed_log=$scratch/seed.log
timeout 120 "$btnode" --json seed "$torrent" "$scratch" --bind 127.0.0.2 --listen 0 \
  --bootstrap 127.0.0.1:$boot_port --state-dir "$scratch/seed-state" >"$seed_log" 2>&1 &
seed_pid=$!
pids+=($seed_pid)
port=""
for _ in $(seq 1 100); do  # up to 10 s for the seed to check and listen
  port=$(sed -n 's/.*"event":"seeding".*"port":\([0-9]*\).*/\1/p' "$seed_log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$seed_log"; die "seed did not start listening"; }
echo "seeding on 127.0.0.2:$port, announced on the DHT"
echo "btnode get '$magnet' --bootstrap 127.0.0.1:$boot_port (no --peer, no tracker)"
get_log=$scratch/get.log
timeout 60 "$btnode" --json get "$magnet" -o "$scratch/leech" --bind 127.0.0.3 --listen 0 \
  --bootstrap 127.0.0.1:$boot_port --state-dir "$scratch/leech-state" --progress-interval 0.2 \
  >"$get_log" || { cat "$get_log"; die "get did not complete"; }
# The progress phases: finding peers -> metadata -> download.
sed -n -e 's/.*"phase":"finding_peers".*/  &/p' -e 's/.*"phase":"metadata".*/  &/p' \
  -e 's/.*"event":"metadata".*/  &/p' -e 's/.*"phase":"download".*/  &/p' \
  -e 's/.*"event":"complete".*/  &/p' "$get_log"
grep -q '"event":"metadata"' "$get_log" || die "get reported no metadata"
meta_s=$(sed -n 's/.*"elapsed":\([0-9.]*\).*"event":"metadata".*/\1/p' "$get_log")
done_s=$(sed -n 's/.*"elapsed":\([0-9.]*\).*"event":"complete".*/\1/p' "$get_log")
kill -TERM $seed_pid
wait $seed_pid || die "seed did not exit cleanly on SIGTERM"
cleanup
trap - EXIT
diff -r "$scratch/share" "$scratch/leech/share" || die "downloaded content differs"
"$btnode" verify "$torrent" "$scratch/leech" || die "verify failed on the download"

# video.bin is the last file in torrent order (docs/, photos/, video.bin);
# flip a byte 100 bytes into its second piece-sized chunk.
total=$("$btnode" --json info "$torrent" | sed -n 's/.*"total_size":\([0-9]*\).*/\1/p')
video_size=$(stat -c %s "$scratch/share/video.bin")
offset_in_file=$((piece + 100))
torrent_offset=$((total - video_size + offset_in_file))
bad_piece=$((torrent_offset / piece))
step "corrupt one byte: video.bin offset $offset_in_file (torrent byte $torrent_offset, piece $bad_piece)"
orig=$(dd if="$scratch/share/video.bin" bs=1 skip=$offset_in_file count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf '%03o' $(((orig + 1) % 256)))" |
  dd of="$scratch/share/video.bin" bs=1 seek=$offset_in_file conv=notrunc 2>/dev/null

step "btnode verify (expect exit 1 and bad piece $bad_piece)"
set +e
out=$("$btnode" verify "$torrent" "$scratch")
rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || die "verify exit $rc after corruption, expected 1"
grep -qx "bad pieces: $bad_piece" <<<"$out" || die "verify did not name piece $bad_piece"

step "summary"
echo "torrent:     $torrent ($pieces pieces of $piece bytes, $total bytes)"
echo "magnet:      $magnet"
echo "intact:      verify exit 0, $pieces/$pieces pieces valid"
echo "magnet:      bootstrap 127.0.0.1, seed 127.0.0.2 -> get 127.0.0.3 via the DHT only:"
echo "             metadata verified after ${meta_s} s, download complete after ${done_s} s,"
echo "             identical bytes (diff), verify exit 0"
echo "corrupted:   verify exit 1, bad piece $bad_piece found"
echo "demo took $(($(date +%s) - start)) s after the build"
