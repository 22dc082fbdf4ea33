#!/usr/bin/python3
"""The peer wire against libtorrent 2.0 over loopback TCP (plaintext, and
MSE/RC4 into btnode's listener):
btnode get downloads from a libtorrent seed (btnode dials it with --peer), and
a libtorrent leech downloads from btnode seed (libtorrent dials btnode).
Content compared byte for byte; btnode verify afterwards.

Run standalone: BTNODE=build/peer/tools/btnode /usr/bin/python3 tests/interop/transfer_libtorrent_test.py
"""
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import libtorrent as lt

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
TIMEOUT = 60
DISABLED = 2  # libtorrent enc policy: plaintext only
ENABLED = 1
FORCED = 0
RC4 = 2  # allowed_enc_level
BOTH = 3


def lt_session(ip, out_enc=DISABLED, level=BOTH):
    return lt.session({
        "listen_interfaces": f"{ip}:0", "enable_dht": False, "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True, "enable_outgoing_utp": False,
        "enable_incoming_utp": False, "out_enc_policy": out_enc, "in_enc_policy": ENABLED,
        "allowed_enc_level": level,
        "alert_mask": 0})


def wait_for(predicate, what, timeout=TIMEOUT):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def write_tree(root):
    files = {"a.bin": 1, "b/c.bin": 16385, "d.bin": 4 * 1024 * 1024 + 333, "e/f.bin": 70000}
    for rel, size in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(os.urandom(size))
    return files


def same(a, b, files):
    for rel in files:
        with open(os.path.join(a, rel), "rb") as fa, open(os.path.join(b, rel), "rb") as fb:
            if fa.read() != fb.read():
                return f"{rel} differs"
    return None


class TransferLibtorrentTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-lt-transfer-")
        self.seed_dir = os.path.join(self.tmp, "seed")
        self.files = write_tree(os.path.join(self.seed_dir, "album"))
        self.torrent = os.path.join(self.tmp, "t.torrent")
        p = subprocess.run([BTNODE, "create", os.path.join(self.seed_dir, "album"), "-o",
                            self.torrent, "--piece-size", "32768"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stdout.close()
            p.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, out):
        self.assertIsNone(same(os.path.join(self.seed_dir, "album"), os.path.join(out, "album"),
                               self.files))
        p = subprocess.run([BTNODE, "verify", self.torrent, out], capture_output=True,
                           text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_btnode_get_from_libtorrent_seed(self):
        ses = lt_session("127.0.0.41")
        h = ses.add_torrent({"ti": lt.torrent_info(self.torrent), "save_path": self.seed_dir})
        wait_for(lambda: h.status().is_seeding, "the libtorrent seed to check its content")
        out = os.path.join(self.tmp, "leech")
        p = subprocess.run([BTNODE, "--json", "get", self.torrent, "-o", out, "--bind",
                            "127.0.0.42", "--peer", f"127.0.0.41:{ses.listen_port()}"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.check(out)
        # libtorrent updates its counters on its one-second tick.
        wait_for(lambda: h.status().all_time_upload > 0, "libtorrent to count its upload", 10)

    def test_btnode_get_rc4_from_libtorrent_seed_requiring_it(self):
        ses = lt_session("127.0.0.49")
        ses.apply_settings({"in_enc_policy": FORCED, "allowed_enc_level": RC4})
        h = ses.add_torrent({"ti": lt.torrent_info(self.torrent), "save_path": self.seed_dir})
        wait_for(lambda: h.status().is_seeding, "the libtorrent seed to check its content")
        out = os.path.join(self.tmp, "leech-rc4")
        p = subprocess.run([BTNODE, "get", self.torrent, "-o", out, "--bind", "127.0.0.50",
                            "--encryption", "require", "--peer",
                            f"127.0.0.49:{ses.listen_port()}"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.check(out)

    def start_btnode_seed(self, ip):
        p = subprocess.Popen(["timeout", "-s", "KILL", "120", BTNODE, "--json", "seed",
                              self.torrent, self.seed_dir, "--bind", ip, "--listen", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        deadline = time.time() + 30
        while time.time() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 0.5)
            if ready:
                line = p.stdout.readline()
                if not line:
                    break
                if line.startswith("{") and json.loads(line).get("event") == "seeding":
                    return json.loads(line)["port"]
            elif p.poll() is not None:
                break
        self.fail(f"btnode seed did not start: {p.stderr.read() if p.poll() is not None else ''}")

    def lt_leech(self, ip, seed_ip, port, out_enc=DISABLED, level=BOTH):
        ses = lt_session(ip, out_enc, level)
        out = os.path.join(self.tmp, f"lt-{ip}")
        h = ses.add_torrent({"ti": lt.torrent_info(self.torrent), "save_path": out})
        h.connect_peer((seed_ip, port))
        wait_for(lambda: h.status().is_seeding, "the libtorrent leech to finish")
        self.check(out)
        return ses

    def test_libtorrent_leech_from_btnode_seed(self):
        port = self.start_btnode_seed("127.0.0.43")
        self.lt_leech("127.0.0.44", "127.0.0.43", port)
        seed = self.procs[0]
        seed.send_signal(signal.SIGINT)
        self.assertEqual(seed.wait(timeout=15), 0)

    def test_libtorrent_with_default_encryption(self):
        port = self.start_btnode_seed("127.0.0.45")
        self.lt_leech("127.0.0.46", "127.0.0.45", port, out_enc=ENABLED)

    def test_libtorrent_leech_forcing_rc4(self):
        # btnode's listener accepts MSE (policy prefer): RC4 both ways.
        port = self.start_btnode_seed("127.0.0.47")
        self.lt_leech("127.0.0.48", "127.0.0.47", port, out_enc=FORCED, level=RC4)


if __name__ == "__main__":
    unittest.main(verbosity=2)
