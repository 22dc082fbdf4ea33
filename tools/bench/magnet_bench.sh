#!/usr/bin/env bash
# Benchmark (not a test): time from a magnet link to verified metadata and to a
# complete download, btnode against libtorrent 2.0 (the anchor, measured in the
# same run) on one 20-node loopback DHT network with a libtorrent seed; medians
# of ROUNDS rounds and the btnode/libtorrent ratios. See magnet_bench.py.
#
# usage: tools/bench/magnet_bench.sh [SCRATCH_DIR] [ROUNDS] [SIZE_MIB] [BTNODE]
#   SCRATCH_DIR  data and downloads (default ./scratch; the data file is reused)
#   ROUNDS       rounds (default 5, minimum 5)
#   SIZE_MIB     file size in MiB (default 64)
#   BTNODE       btnode binary (default $BTNODE, else build/rel/tools/btnode)
set -euo pipefail

scratch=${1:-./scratch}
rounds=${2:-5}
size_mib=${3:-64}
btnode=${4:-${BTNODE:-build/rel/tools/btnode}}
((rounds >= 5)) || { echo "magnet_bench: need at least 5 rounds" >&2; exit 2; }
[ -x "$btnode" ] || { echo "magnet_bench: btnode not found at $btnode" >&2; exit 2; }
/usr/bin/python3 -c 'import libtorrent' 2>/dev/null ||
  { echo "magnet_bench: python3-libtorrent missing (scripts/deps.sh)" >&2; exit 2; }
mkdir -p "$scratch"
exec /usr/bin/python3 "$(dirname "$0")/magnet_bench.py" "$(realpath "$btnode")" \
  "$(realpath "$scratch")" "$rounds" "$size_mib"
