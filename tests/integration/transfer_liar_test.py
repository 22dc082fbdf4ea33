#!/usr/bin/python3
"""btnode get against a peer that answers requests with garbage: the pieces
it sends fail their hash, btnode never marks them, bans the liar (closes it
and never dials it again), and completes from an honest btnode seed.

Run standalone: BTNODE=build/peer/tools/btnode /usr/bin/python3 tests/integration/transfer_liar_test.py
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from btnode_proc import BTNODE, interrupt, recv_exact
from scripted_peer import ScriptedPeer

TIMEOUT = int(os.environ.get("LIAR_TIMEOUT", "60"))


def info_hash_of(torrent):
    p = subprocess.run([BTNODE, "--json", "info", torrent], capture_output=True, text=True,
                       timeout=TIMEOUT)
    info = json.loads(p.stdout.strip().splitlines()[-1])
    return bytes.fromhex(info["info_hash"]), info["piece_count"]


class Liar(ScriptedPeer):
    """A plaintext BEP 3 peer claiming every piece and serving random bytes."""

    def __init__(self, ip, info_hash, pieces):
        super().__init__(ip)
        self.info_hash, self.pieces = info_hash, pieces
        self.connections = 0  # plain BitTorrent handshakes received
        self.blocks_sent = 0

    def serve(self, conn):
        conn.settimeout(10)
        # btnode's default encryption policy (prefer) dials with MSE first;
        # this plaintext-only peer hangs up and btnode redials in plaintext.
        # Only plain BitTorrent handshakes count as connections.
        if not recv_exact(conn, 68).startswith(b"\x13BitTorrent protocol"):
            return
        self.connections += 1
        conn.sendall(b"\x13BitTorrent protocol" + bytes(8) + self.info_hash + b"-LI0001-" + bytes(12))
        bits = bytearray((self.pieces + 7) // 8)
        for i in range(self.pieces):
            bits[i // 8] |= 0x80 >> (i % 8)
        conn.sendall(struct.pack(">IB", 1 + len(bits), 5) + bits + struct.pack(">IB", 1, 1))
        while not self.stopping:
            length = struct.unpack(">I", recv_exact(conn, 4))[0]
            if length == 0:
                continue
            body = recv_exact(conn, length)
            if body[0] == 6:  # request
                piece, begin, size = struct.unpack(">III", body[1:13])
                conn.sendall(struct.pack(">IBII", 9 + size, 7, piece, begin) + os.urandom(size))
                self.blocks_sent += 1


class LiarTest(unittest.TestCase):
    def test_liar_is_banned_and_download_completes(self):
        tmp = tempfile.mkdtemp(prefix="btnode-liar-")
        procs = []
        liar = None
        try:
            seed_dir = os.path.join(tmp, "seed")
            os.makedirs(seed_dir)
            with open(os.path.join(seed_dir, "x.bin"), "wb") as f:
                f.write(os.urandom(2 * 1024 * 1024 + 7))
            torrent = os.path.join(tmp, "x.torrent")
            subprocess.run([BTNODE, "create", os.path.join(seed_dir, "x.bin"), "-o", torrent,
                            "--piece-size", "32768"], check=True, capture_output=True,
                           timeout=TIMEOUT)
            info_hash, pieces = info_hash_of(torrent)
            liar = Liar("127.0.0.51", info_hash, pieces)
            liar.start()
            # Only the liar at first: every piece btnode gets comes from it.
            out = os.path.join(tmp, "leech")
            get = subprocess.Popen([BTNODE, "--json", "--log-level", "info", "get", torrent,
                                    "-o", out, "--bind", "127.0.0.52",
                                    "--peer", f"127.0.0.51:{liar.port}",
                                    "--peer", "127.0.0.53:7999"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            procs.append(get)
            deadline = time.time() + 20
            while time.time() < deadline and liar.blocks_sent < 2:
                time.sleep(0.05)
            self.assertGreaterEqual(liar.blocks_sent, 2, "btnode never asked the liar")
            time.sleep(3)  # reconnect backoff is 1-2 s: a second dial would show here
            self.assertEqual(liar.connections, 1, "a banned peer must not be dialled again")
            # Now the honest seed appears on the address btnode keeps retrying.
            seed = subprocess.Popen(["timeout", "-s", "KILL", "90", BTNODE, "seed", torrent,
                                     seed_dir, "--bind", "127.0.0.53", "--listen", "7999"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(seed)
            try:
                stdout, stderr = get.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                get.kill()
                stdout, stderr = get.communicate()
                self.fail(f"get did not finish in {TIMEOUT} s: {stderr[-3000:]}")
            self.assertEqual(get.returncode, 0, stderr[-2000:])
            self.assertIn("banning 127.0.0.51", stderr)
            # Pieces the liar had started are restarted at the ban, so none
            # fails again once the honest seed completes it (pieces already
            # complete and hashing at the ban still fail, blaming nobody).
            after_seed = stderr.split("127.0.0.53:7999 connected", 1)[-1]
            self.assertNotIn("held blocks of a banned peer", after_seed)
            self.assertEqual(liar.connections, 1)
            p = subprocess.run([BTNODE, "verify", torrent, out], capture_output=True, text=True,
                               timeout=TIMEOUT)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            with open(os.path.join(seed_dir, "x.bin"), "rb") as a, \
                    open(os.path.join(out, "x.bin"), "rb") as b:
                self.assertEqual(a.read(), b.read())
        finally:
            if liar:
                liar.close()
            for p in procs:
                interrupt(p, 10)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
