#!/usr/bin/python3
"""`btnode get --sequential` end to end: a scripted BEP 3 seed serves the real
content and records, in arrival order, every request btnode sends and every
`have` it announces once a piece is verified. With --sequential the requests
go strictly through the pieces in order and the pieces are verified in order
(but for a few whose hash job finished late); without
it (rarest first, random among equals) they are not, which shows the check
can tell the two apart. The download is compared byte for byte. (`get` exits
once complete, so the haves of the last few pieces may never be sent.)

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/integration/transfer_sequential_test.py
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from btnode_proc import BTNODE, recv_exact
from scripted_peer import ScriptedPeer

TIMEOUT = 60
PIECE = 32768
PIECES = 64


def mean_displacement(seq):
    """How far, on average, each piece arrived from its place in index order:
    about 1 when neighbours swap, about len/3 for a shuffled order."""
    return sum(abs(piece - position) for position, piece in enumerate(seq)) / len(seq)


class RecordingSeed(ScriptedPeer):
    """A plaintext BEP 3 seed of `data` that logs requests and haves."""

    def __init__(self, ip, info_hash, data):
        super().__init__(ip)
        self.info_hash, self.data = info_hash, data
        self.requests = []  # (piece, begin) in arrival order
        self.haves = []     # piece indices in arrival order
        self.error = None

    def handle(self, conn):
        # btnode closing the connection when it is done is fine (the base
        # class ends there); anything else is a bug in the script.
        try:
            super().handle(conn)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = repr(e)

    def serve(self, conn):
        conn.settimeout(TIMEOUT)
        hs = recv_exact(conn, 68)
        if not hs.startswith(b"\x13BitTorrent protocol") or hs[28:48] != self.info_hash:
            return
        conn.sendall(b"\x13BitTorrent protocol" + bytes(8) + self.info_hash + b"-SQ0001-" + bytes(12))
        bits = bytearray((PIECES + 7) // 8)
        for i in range(PIECES):
            bits[i // 8] |= 0x80 >> (i % 8)
        conn.sendall(struct.pack(">IB", 1 + len(bits), 5) + bits + struct.pack(">IB", 1, 1))
        # Until btnode closes the connection (it exits once complete), so
        # every message it sent before is read.
        while True:
            length = struct.unpack(">I", recv_exact(conn, 4))[0]
            if length == 0:
                continue
            body = recv_exact(conn, length)
            if body[0] == 6:  # request
                piece, begin, size = struct.unpack(">III", body[1:13])
                self.requests.append((piece, begin))
                at = piece * PIECE + begin
                conn.sendall(struct.pack(">IBII", 9 + size, 7, piece, begin) + self.data[at:at + size])
            elif body[0] == 4:  # have
                self.haves.append(struct.unpack(">I", body[1:5])[0])


class SequentialTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-seq-")
        self.seeds = []
        seed_dir = os.path.join(self.tmp, "seed")
        os.makedirs(seed_dir)
        self.data = os.urandom(PIECES * PIECE)
        self.path = os.path.join(seed_dir, "movie.bin")
        with open(self.path, "wb") as f:
            f.write(self.data)
        self.torrent = os.path.join(self.tmp, "movie.torrent")
        subprocess.run([BTNODE, "create", self.path, "-o", self.torrent, "--piece-size", str(PIECE)],
                       check=True, capture_output=True, timeout=TIMEOUT)
        p = subprocess.run([BTNODE, "--json", "info", self.torrent], capture_output=True,
                           text=True, timeout=TIMEOUT)
        info = json.loads(p.stdout.strip().splitlines()[-1])
        self.info_hash = bytes.fromhex(info["info_hash"])
        self.assertEqual(info["piece_count"], PIECES)

    def tearDown(self):
        for seed in self.seeds:
            seed.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def download(self, seed_ip, leech_ip, *extra):
        seed = RecordingSeed(seed_ip, self.info_hash, self.data)
        self.seeds.append(seed)
        seed.start()
        out = os.path.join(self.tmp, "leech-" + leech_ip)
        p = subprocess.run([BTNODE, "--json", "get", self.torrent, "-o", out, "--bind", leech_ip,
                            "--no-dht", "--no-pex", "--no-lsd", "--encryption", "disable",
                            "--peer", f"{seed_ip}:{seed.port}", *extra],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        with open(os.path.join(out, "movie.bin"), "rb") as f:
            self.assertEqual(f.read(), self.data)
        seed.stopping = True
        seed.join(timeout=10)  # btnode has exited: the rest of its stream is read
        self.assertFalse(seed.is_alive())
        self.assertIsNone(seed.error)
        pieces = [piece for piece, _ in seed.requests]
        self.assertEqual(set(pieces), set(range(PIECES)))
        # `get` exits as soon as the last piece is verified, so the `have`s
        # of the last few pieces may still be unsent; the rest arrive once each.
        self.assertEqual(len(seed.haves), len(set(seed.haves)), seed.haves)
        self.assertTrue(set(seed.haves) <= set(range(PIECES)), seed.haves)
        self.assertGreaterEqual(len(seed.haves), PIECES // 2, seed.haves)
        return pieces, seed.haves

    def test_sequential_requests_and_verifies_in_order(self):
        pieces, haves = self.download("127.0.4.61", "127.0.4.62", "--sequential")
        # Every request is for the same piece as the one before or a later one.
        self.assertEqual(pieces, sorted(pieces), pieces)
        # Verified in order, but for a few pieces whose hash job finished late
        # (the workers run in parallel and may be descheduled).
        self.assertLessEqual(mean_displacement(haves), 4, haves)

    def test_rarest_first_is_not_in_order(self):
        pieces, haves = self.download("127.0.4.63", "127.0.4.64")
        self.assertNotEqual(pieces, sorted(pieces))
        self.assertGreater(mean_displacement(haves), 8, haves)


if __name__ == "__main__":
    unittest.main(verbosity=2)
