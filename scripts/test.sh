#!/usr/bin/env bash
# The whole test suite: Release build + all ctest suites (unit, integration,
# interop against real clients), ASan+UBSan build + unit tests, then every
# libFuzzer target for a bounded time over its checked-in seed corpus.
#   FUZZ_SECONDS=20 (per target)   JOBS=$(nproc)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

jobs=${JOBS:-$(nproc)}
fuzz_seconds=${FUZZ_SECONDS:-20}
step() { printf '\n=== %s\n' "$*"; }

step "Release build"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j"$jobs"
step "Release: all tests"
ctest --test-dir build/release -j"$jobs" --output-on-failure --timeout 900

step "ASan+UBSan build"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1" \
  -DBTNODE_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs"
step "ASan+UBSan: unit and CLI integration tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -L "unit|integration" -j"$jobs" --output-on-failure --timeout 900

step "libFuzzer build (clang)"
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBTNODE_FUZZ=ON >/dev/null
cmake --build build/fuzz -j"$jobs"
for fuzzer in build/fuzz/tests/fuzz/*_fuzz; do
  name=$(basename "$fuzzer" _fuzz)
  step "fuzz $name for ${fuzz_seconds}s"
  work=$(mktemp -d)
  # New inputs go to a scratch corpus; the checked-in seeds are read-only input.
  if ! "$fuzzer" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$name" \
      >"$work/log" 2>&1; then
    cat "$work/log"
    echo "fuzzer $name failed; reproducer kept in $work" >&2
    exit 1
  fi
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "$work/log" || true
  rm -rf "$work"
done
step "all tests passed"
