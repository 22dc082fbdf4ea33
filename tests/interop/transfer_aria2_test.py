#!/usr/bin/python3
"""btnode <-> aria2 1.36 (Debian aria2c) over loopback, both directions.

aria2 takes no peer on its command line (INTEROP.md), so btnode dials it: an
aria2 seed is downloaded with `btnode get --peer`, and a `btnode seed --peer`
dials an aria2 download (aria2 repeats its bitfield mid-connection, which
btnode tolerates). Each with aria2 accepting plaintext or encryption and with
`--bt-require-crypto` (RC4 only). Bytes compared.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/transfer_aria2_test.py
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from btnode_proc import BTNODE, interrupt

ARIA2 = shutil.which("aria2c")
TIMEOUT = 40


@unittest.skipUnless(ARIA2, "aria2c not installed")
class Aria2Test(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-aria2-")
        self.procs = []
        self.src = os.path.join(self.tmp, "src")
        os.makedirs(self.src)
        self.data = os.urandom(3 * 1024 * 1024 + 4321)
        with open(os.path.join(self.src, "a.bin"), "wb") as f:
            f.write(self.data)
        self.torrent = os.path.join(self.tmp, "a.torrent")
        subprocess.run([BTNODE, "create", os.path.join(self.src, "a.bin"), "-o", self.torrent,
                        "--piece-size", "65536"], check=True, capture_output=True, timeout=30)

    def tearDown(self):
        for p in self.procs:
            interrupt(p, 10)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def aria2(self, directory, ip, port, require_crypto, seed):
        args = ["timeout", "-s", "KILL", str(TIMEOUT + 10), ARIA2, "-d", directory, self.torrent,
                f"--listen-port={port}", f"--interface={ip}", "--enable-dht=false",
                "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                "--summary-interval=0", "--console-log-level=warn", "--seed-ratio=0.0"]
        args += ["-V", "--seed-time=60"] if seed else ["--seed-time=0"]
        if require_crypto:
            args += ["--bt-require-crypto=true", "--bt-min-crypto-level=arc4"]
        log = open(os.path.join(self.tmp, f"aria2-{port}.log"), "w")
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.procs.append(p)
        time.sleep(1.5)  # listening (and, as a seed, checked: 3 MiB)
        return p

    def btnode_get_from_aria2(self, require_crypto, n):
        self.aria2(self.src, f"127.0.4.{90 + n}", 7280 + n, require_crypto, seed=True)
        out = os.path.join(self.tmp, "got")
        p = subprocess.run([BTNODE, "get", self.torrent, "-o", out, "--bind", f"127.0.4.{95 + n}",
                            "--no-dht", "--no-pex", "--peer", f"127.0.4.{90 + n}:{7280 + n}",
                            "--encryption", "require" if require_crypto else "prefer"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr[-3000:])
        with open(os.path.join(out, "a.bin"), "rb") as f:
            self.assertEqual(f.read(), self.data)

    def aria2_gets_from_btnode(self, require_crypto, n):
        out = os.path.join(self.tmp, "aria2-got")
        os.makedirs(out)
        leech = self.aria2(out, f"127.0.4.{90 + n}", 7280 + n, require_crypto, seed=False)
        seed = subprocess.Popen([BTNODE, "seed", self.torrent, self.src, "--bind",
                                 f"127.0.4.{95 + n}", "--listen", "0", "--no-dht", "--no-pex",
                                 "--encryption", "require" if require_crypto else "prefer",
                                 "--peer", f"127.0.4.{90 + n}:{7280 + n}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(seed)
        try:
            code = leech.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail("aria2 did not finish downloading from the btnode seed")
        self.assertEqual(code, 0)
        with open(os.path.join(out, "a.bin"), "rb") as f:
            self.assertEqual(f.read(), self.data)

    def test_btnode_downloads_from_aria2(self):
        self.btnode_get_from_aria2(False, 0)

    def test_btnode_downloads_from_aria2_requiring_encryption(self):
        self.btnode_get_from_aria2(True, 1)

    def test_aria2_downloads_from_btnode(self):
        self.aria2_gets_from_btnode(False, 2)

    def test_aria2_requiring_encryption_downloads_from_btnode(self):
        self.aria2_gets_from_btnode(True, 3)


if __name__ == "__main__":
    unittest.main(verbosity=2)
