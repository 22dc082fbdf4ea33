#!/usr/bin/python3
"""btnode among hostile peers (scripted BEP 3 peers in this file).

Downloading: btnode get dials an honest btnode seed and a crowd of hostile
peers (oversized length prefix, out-of-range have, bitfield with spare bits,
garbage handshake, never a handshake, choke/unchoke flood, unchoke and never
answer, unrequested garbage blocks). It closes the protocol breakers, bans the
garbage sender, finishes from the honest seed and the bytes match.

Seeding: hostile clients dial a btnode seed (length 0xFFFFFFFF, a request past
the end of a piece, a request longer than 128 KiB, a garbage handshake, 300
idle connections at once); the seed closes each breaker, keeps its connection
limit, and an honest btnode leech still downloads from it.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/integration/transfer_hostile_test.py
"""
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from btnode_proc import BTNODE, interrupt, recv_exact
from scripted_peer import ScriptedPeer

TIMEOUT = 45
PIECE = 32768


def info_of(torrent):
    p = subprocess.run([BTNODE, "--json", "info", torrent], capture_output=True, text=True,
                       timeout=TIMEOUT)
    info = json.loads(p.stdout.strip().splitlines()[-1])
    return bytes.fromhex(info["info_hash"]), info["piece_count"]


def handshake(info_hash, tag):
    return b"\x13BitTorrent protocol" + bytes(8) + info_hash + (b"-HO0001-" + tag.encode()).ljust(20, b"x")[:20]


def msg(mid, payload=b""):
    return struct.pack(">IB", 1 + len(payload), mid) + payload


def full_bitfield(pieces):
    bits = bytearray((pieces + 7) // 8)
    for i in range(pieces):
        bits[i // 8] |= 0x80 >> (i % 8)
    return bytes(bits)


def closed_by_peer(conn, seconds):
    """True when the other side closes within `seconds` (reads are discarded)."""
    deadline = time.time() + seconds
    conn.settimeout(0.2)
    while time.time() < deadline:
        try:
            if not conn.recv(65536):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


class HostilePeer(ScriptedPeer):
    """Listens on ip; each connection btnode makes gets `behaviour`."""

    def __init__(self, ip, info_hash, pieces, behaviour):
        super().__init__(ip, backlog=16)
        self.info_hash, self.pieces, self.behaviour = info_hash, pieces, behaviour
        self.plain_connections = 0  # connections that sent a plain BitTorrent handshake
        self.closed_by_btnode = 0   # ... that btnode then closed
        self.requests = 0

    def handle(self, conn):
        # Each connection in its own thread: some behaviours wait for btnode to act.
        threading.Thread(target=self.serve_safely, args=(conn,), daemon=True).start()

    def serve_safely(self, conn):
        try:
            conn.settimeout(10)
            first = recv_exact(conn, 68)
            if not first.startswith(b"\x13BitTorrent protocol"):
                # An MSE offer (btnode's default `prefer`): like a plaintext-only
                # client, hang up; btnode redials in plaintext.
                if self.behaviour != "never_handshake":
                    return
            if first.startswith(b"\x13BitTorrent protocol"):
                self.plain_connections += 1
            getattr(self, self.behaviour)(conn)
        except (OSError, EOFError):
            pass
        finally:
            conn.close()

    def _start(self, conn, extra=b""):
        conn.sendall(handshake(self.info_hash, self.behaviour) + extra)

    def _record_close(self, conn, seconds=10):
        if closed_by_peer(conn, seconds):
            self.closed_by_btnode += 1

    def oversized(self, conn):
        self._start(conn, b"\xff\xff\xff\xff" + b"x" * 64)
        self._record_close(conn)

    def bad_have(self, conn):
        self._start(conn, msg(4, struct.pack(">I", self.pieces + 100)))
        self._record_close(conn)

    def bad_bitfield(self, conn):
        bits = bytearray(full_bitfield(self.pieces))
        bits[-1] |= 0xFF  # spare bits set (pieces is not a multiple of 8)
        self._start(conn, msg(5, bytes(bits)))
        self._record_close(conn)

    def garbage_handshake(self, conn):
        conn.sendall(os.urandom(68))
        self._record_close(conn)

    def never_handshake(self, conn):
        # Never answers: btnode's handshake timeout ends it.
        self._record_close(conn, 30)

    def choke_flood(self, conn):
        self._start(conn, msg(5, full_bitfield(self.pieces)))
        flood = (msg(1) + msg(0)) * 5000
        deadline = time.time() + 20
        while not self.stopping and time.time() < deadline:
            conn.sendall(flood)
            time.sleep(0.05)

    def silent(self, conn):
        # Unchokes, takes requests, never sends a block.
        self._start(conn, msg(5, full_bitfield(self.pieces)) + msg(1))
        conn.settimeout(0.5)
        deadline = time.time() + 40
        while not self.stopping and time.time() < deadline:
            try:
                data = conn.recv(65536)
            except socket.timeout:
                continue
            if not data:
                return
            self.requests += data.count(b"\x00\x00\x00\x0d\x06")

    def unrequested(self, conn):
        # Blocks nobody asked for, full of garbage, for every piece in turn.
        self._start(conn, msg(5, full_bitfield(self.pieces)) + msg(1))
        for piece in range(self.pieces):
            for begin in range(0, PIECE, 16384):
                conn.sendall(msg(7, struct.pack(">II", piece, begin) + os.urandom(16384)))
        self._record_close(conn, 20)


class BtnodeSeed:
    def __init__(self, torrent, path, ip, log, port=0):
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            ["timeout", "-s", "KILL", "120", BTNODE, "--json", "--log-level", "info", "seed",
             torrent, path, "--bind", ip, "--listen", str(port)],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.ip = ip
        self.port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.port is None:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                if not line:
                    break
                if line.startswith("{") and json.loads(line).get("event") == "seeding":
                    self.port = json.loads(line)["port"]
        if self.port is None:
            self.stop()
            raise AssertionError("btnode seed did not start")

    def stop(self):
        interrupt(self.proc, 15)
        self.proc.stdout.close()
        self.log.close()
        return self.proc.returncode


class HostileTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-hostile-")
        self.seed_dir = os.path.join(self.tmp, "seed")
        os.makedirs(self.seed_dir)
        self.content = os.urandom(61 * PIECE + 1234)  # 62 pieces: spare bits in the bitfield
        with open(os.path.join(self.seed_dir, "x.bin"), "wb") as f:
            f.write(self.content)
        self.torrent = os.path.join(self.tmp, "x.torrent")
        subprocess.run([BTNODE, "create", os.path.join(self.seed_dir, "x.bin"), "-o", self.torrent,
                        "--piece-size", str(PIECE)], check=True, capture_output=True,
                       timeout=TIMEOUT)
        self.info_hash, self.pieces = info_of(self.torrent)
        self.cleanups = []

    def tearDown(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:  # noqa: BLE001 - every cleanup runs
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_seed(self, ip, port=0):
        seed = BtnodeSeed(self.torrent, self.seed_dir, ip, os.path.join(self.tmp, f"seed-{ip}.log"),
                          port)
        self.cleanups.append(seed.stop)
        return seed

    def start_get(self, out, ip, peers):
        args = [BTNODE, "--log-level", "info", "get", self.torrent, "-o", out, "--bind", ip]
        for p in peers:
            args += ["--peer", p]
        proc = subprocess.Popen(["timeout", "-s", "KILL", str(TIMEOUT + 10), *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.cleanups.append(lambda: proc.poll() is None and proc.kill())
        return proc

    def get(self, out, ip, peers):
        return self.finish_get(self.start_get(out, ip, peers), out)

    def finish_get(self, proc, out):
        try:
            _, stderr = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
            self.fail(f"get did not finish in {TIMEOUT} s: {stderr[-3000:]}")
        self.assertEqual(proc.returncode, 0, stderr[-3000:])
        with open(os.path.join(out, "x.bin"), "rb") as f:
            self.assertEqual(f.read(), self.content)
        return stderr

    def test_download_among_hostile_peers(self):
        behaviours = ["oversized", "bad_have", "bad_bitfield", "garbage_handshake",
                      "never_handshake", "choke_flood", "silent", "unrequested"]
        hostile = {}
        for i, b in enumerate(behaviours):
            peer = HostilePeer(f"127.0.4.{40 + i}", self.info_hash, self.pieces, b)
            peer.start()
            hostile[b] = peer
            self.cleanups.append(peer.close)
        # The honest seed's address is named from the start but it comes up
        # only once btnode has met the hostile peers (it keeps redialling).
        out = os.path.join(self.tmp, "leech")
        peers = [f"127.0.4.{40 + i}:{hostile[b].port}" for i, b in enumerate(behaviours)]
        get = self.start_get(out, "127.0.4.31", peers + ["127.0.4.30:7131"])
        deadline = time.time() + 15
        while time.time() < deadline and not all(
                hostile[b].plain_connections for b in ["oversized", "bad_have", "bad_bitfield",
                                                       "choke_flood", "silent"]):
            time.sleep(0.1)
        time.sleep(1)
        self.start_seed("127.0.4.30", 7131)
        stderr = self.finish_get(get, out)
        for b in ["oversized", "bad_have", "bad_bitfield"]:
            self.assertGreaterEqual(hostile[b].plain_connections, 1, b)
            self.assertGreaterEqual(hostile[b].closed_by_btnode, 1, f"{b}: btnode kept it")
        self.assertGreaterEqual(hostile["silent"].plain_connections, 1)
        self.assertGreaterEqual(hostile["choke_flood"].plain_connections, 1)
        self.assertIn("protocol:", stderr)  # the reasons are logged

    def test_unrequested_garbage_sender_is_banned(self):
        liar = HostilePeer("127.0.4.50", self.info_hash, self.pieces, "unrequested")
        liar.start()
        self.cleanups.append(liar.close)
        out = os.path.join(self.tmp, "leech")
        get = self.start_get(out, "127.0.4.33", [f"127.0.4.50:{liar.port}", "127.0.4.32:7132"])
        # The honest seed appears once the liar is closed, or after a wait
        # long enough for a loaded machine to have met the liar's garbage.
        deadline = time.time() + 25
        while time.time() < deadline and not liar.closed_by_btnode:
            time.sleep(0.1)
        self.start_seed("127.0.4.32", 7132)
        stderr = self.finish_get(get, out)
        self.assertIn("banning 127.0.4.50", stderr)
        self.assertEqual(liar.plain_connections, 1, "a banned peer must not be dialled again")

    def test_seed_survives_hostile_clients(self):
        seed = self.start_seed("127.0.4.34")
        addr = (seed.ip, seed.port)

        def dial(extra):
            s = socket.create_connection(addr, timeout=5)
            s.sendall(handshake(self.info_hash, "client") + extra)
            return s

        cases = {
            "oversized": b"\xff\xff\xff\xff",
            "past_end": msg(2) + msg(6, struct.pack(">III", 0, PIECE - 100, 16384)),
            "too_long": msg(2) + msg(6, struct.pack(">III", 0, 0, 256 * 1024)),
            "bad_index": msg(2) + msg(6, struct.pack(">III", self.pieces + 7, 0, 16384)),
        }
        for name, extra in cases.items():
            s = dial(extra)
            try:
                self.assertTrue(closed_by_peer(s, 10), f"{name}: the seed kept the connection")
            finally:
                s.close()
        g = socket.create_connection(addr, timeout=5)
        g.sendall(os.urandom(200))
        self.assertTrue(closed_by_peer(g, 15), "garbage handshake kept")
        g.close()
        # 300 idle connections at once: the limit (200) holds and the seed
        # still serves an honest leech.
        crowd = []
        refused = 0
        try:
            for _ in range(300):
                try:
                    crowd.append(socket.create_connection(addr, timeout=5))
                except OSError:
                    refused += 1
            time.sleep(1)
            for s in crowd:
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        refused += 1
                except BlockingIOError:
                    pass
                except OSError:
                    refused += 1
            self.assertGreaterEqual(refused, 100, "the connection limit did not hold")
            out = os.path.join(self.tmp, "leech")
            self.get(out, "127.0.4.35", [f"{seed.ip}:{seed.port}"])
        finally:
            for s in crowd:
                s.close()
        self.assertIsNone(seed.proc.poll(), "the seed died")


if __name__ == "__main__":
    unittest.main(verbosity=2)
