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
