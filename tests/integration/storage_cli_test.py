#!/usr/bin/python3
"""How `btnode get` treats the disk, from the outside: sparse files by default,
--preallocate allocating full-size files at start, a disk too small for the
download ending in one "disk full" line, a read-only download directory in a
"read-only file system"/"permission denied" line.

Run standalone: BTNODE=build/release/tools/btnode /usr/bin/python3 tests/integration/storage_cli_test.py
"""
import os
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
TIMEOUT = 30
SIZE = 8 * 1024 * 1024 + 3
# Nobody listens here: the download never gets a byte, so only storage acts.
NO_PEER = "127.0.6.9:9"


def btnode(*args, timeout=TIMEOUT):
    return subprocess.run([BTNODE, *args], capture_output=True, text=True, timeout=timeout,
                          errors="replace")


def get_briefly(torrent, out, *extra, seconds=3):
    """Runs get against a dead peer for `seconds`; returns (code or None, stderr)."""
    p = subprocess.Popen([BTNODE, "get", torrent, "-o", out, "--bind", "127.0.6.1", "--no-dht",
                          "--peer", NO_PEER, *extra],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, err = p.communicate(timeout=seconds)
        return p.returncode, err
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        return None, err


class StorageCliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-storage-")
        src = os.path.join(self.tmp, "src")
        os.makedirs(src)
        with open(os.path.join(src, "big.bin"), "wb") as f:
            f.write(os.urandom(SIZE))
        self.torrent = os.path.join(self.tmp, "big.torrent")
        p = btnode("create", os.path.join(src, "big.bin"), "-o", self.torrent)
        self.assertEqual(p.returncode, 0, p.stderr)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_preallocate_allocates_full_size_at_start(self):
        out = os.path.join(self.tmp, "pre")
        code, err = get_briefly(self.torrent, out, "--preallocate")
        self.assertIsNone(code, f"get should still be waiting for peers: {err}")
        st = os.stat(os.path.join(out, "big.bin"))
        self.assertEqual(st.st_size, SIZE)
        self.assertGreaterEqual(st.st_blocks * 512, SIZE - 4096, "blocks were not allocated")

    def test_sparse_by_default_creates_nothing_before_data(self):
        out = os.path.join(self.tmp, "sparse")
        code, err = get_briefly(self.torrent, out)
        self.assertIsNone(code, err)
        path = os.path.join(out, "big.bin")
        self.assertFalse(os.path.exists(path) and os.stat(path).st_blocks > 0,
                         "a file with no verified piece must not take space")

    def mount_tmpfs(self, size):
        where = os.path.join(self.tmp, "small")
        os.makedirs(where)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", where],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest(f"cannot mount a tmpfs here: {p.stderr.strip()}")
        self.addCleanup(subprocess.run, ["umount", "-l", where], capture_output=True)
        return where

    def test_disk_too_small_ends_in_one_disk_full_line(self):
        out = self.mount_tmpfs("1m")
        code, err = get_briefly(self.torrent, out, "--preallocate", seconds=10)
        self.assertEqual(code, 1, err)
        last = err.strip().splitlines()[-1]
        self.assertIn("disk full", last)
        self.assertIn("big.bin", last)

    def test_read_only_download_dir_is_a_clear_error(self):
        ro = self.mount_tmpfs("1m")
        p = subprocess.run(["mount", "-o", "remount,ro", ro], capture_output=True, text=True)
        if p.returncode != 0:
            self.skipTest(f"cannot remount read-only: {p.stderr.strip()}")
        code, err = get_briefly(self.torrent, ro, "--preallocate", seconds=10)
        self.assertEqual(code, 1, err)
        last = err.strip().splitlines()[-1]
        self.assertRegex(last, "read-only file system|permission denied")


if __name__ == "__main__":
    unittest.main(verbosity=2)
