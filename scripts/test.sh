#!/usr/bin/env bash
# The whole test suite: Release build + all ctest suites (unit, integration,
# interop against real clients), ASan+UBSan build + unit and CLI integration
# tests, then every libFuzzer target for a bounded time over its checked-in
# seed corpus.
#   FUZZ_SECONDS=20 (per target)   JOBS=$(nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

jobs=${JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-20}
step() { printf '\n=== %s\n' "$*"; }

# A full build from scratch is most of this script's time. Unity builds compile
# each library's and tool's sources as a few large translation units, so the
# Asio/spdlog/CLI11 templates they share are instantiated once per batch rather
# than once per file (tests stay one file per unit; see tests/CMakeLists.txt).
unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16)

step "Release build"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release "${unity[@]}" >/dev/null
cmake --build build/release -j"$jobs"
step "Release: all tests"
ctest --test-dir build/release -j"$jobs" --output-on-failure --timeout 900

step "ASan+UBSan build"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1" \
  -DBTNODE_SANITIZE=ON "${unity[@]}" >/dev/null
# Only what the unit and integration labels run: the unit test binaries, the
# btnode command and the load generator the router CLI test drives.
asan_targets=(btnode dht-load)
for dir in tests/unit/*/; do asan_targets+=("unit_$(basename "$dir")"); done
cmake --build build/asan -j"$jobs" --target "${asan_targets[@]}"
step "ASan+UBSan: unit and CLI integration tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -L "unit|integration" -j"$jobs" --output-on-failure --timeout 900

step "libFuzzer build (clang)"
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBTNODE_FUZZ=ON >/dev/null
cmake --build build/fuzz -j"$jobs"

# One fuzzer for fuzz_seconds; its report is printed in one piece at the end so
# parallel runs do not interleave. New inputs go to a scratch corpus; the
# checked-in seeds are read-only input.
fuzz_one() {
  local fuzzer=$1 name work
  name=$(basename "$fuzzer" _fuzz)
  work=$(mktemp -d)
  if ! "$fuzzer" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$name" \
      >"$work/log" 2>&1; then
    cat "$work/log"
    echo "fuzzer $name failed; reproducer kept in $work" >&2
    return 1
  fi
  printf '=== fuzz %s for %ss: %s\n' "$name" "$fuzz_seconds" \
    "$(grep -E '^stat::number_of_executed_units' "$work/log" | tr -s ' ')"
  rm -rf "$work"
}
export -f fuzz_one
export fuzz_seconds
step "fuzz every target for ${fuzz_seconds}s, $jobs at a time"
printf '%s\n' build/fuzz/tests/fuzz/*_fuzz | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$1"' _ {}
step "all tests passed"
