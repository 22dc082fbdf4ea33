#!/usr/bin/python3
"""Magnet links end to end between btnode processes on loopback (127.0.3.x):

- DHT only: a `btnode bootstrap --full-node` node, a `btnode seed` that announces itself,
  and `btnode get MAGNET` given nothing but the bootstrap node: it finds the
  seed on the DHT, fetches and verifies the metadata (BEP 9), downloads.
- a peer that sends a wrong metadata piece: it is banned, and the metadata
  then comes from the honest seed.
- a swarm via magnet: 1 seed + 10 leeches, DHT only through one bootstrap
  node; leeches must learn peers through PEX (BEP 11), counted in the
  `pex_peers` field of their `complete` line.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/integration/magnet_test.py
"""
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
TIMEOUT = 40
BASE_PORT = 30000 + os.getpid() % 20000


def json_lines(text):
    out = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def btnode(*args, timeout=TIMEOUT):
    p = subprocess.run([BTNODE, *args], capture_output=True, text=True, timeout=timeout,
                       errors="replace")
    return p.returncode, p.stdout, p.stderr


class Proc:
    """A background btnode, bounded by timeout(1); output goes to files."""

    def __init__(self, tmp, name, args, limit=60):
        self.out_path = os.path.join(tmp, name + ".out")
        self.err_path = os.path.join(tmp, name + ".err")
        self.out = open(self.out_path, "w")
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(["timeout", "-s", "KILL", str(limit), BTNODE, *args],
                                     stdout=self.out, stderr=self.err)

    def wait_line(self, predicate, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with open(self.out_path) as f:
                for line in json_lines(f.read()):
                    if predicate(line):
                        return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.out_path}: no such line; stderr: {self.stderr()[-1500:]}")

    def stdout(self):
        with open(self.out_path) as f:
            return f.read()

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()
        self.err.close()
        return self.proc.returncode


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, str):
        return bencode(v.encode())
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)


class MetadataLiar:
    """A peer that offers ut_metadata and answers every request with random
    bytes of the right size (well-formed, wrong)."""

    def __init__(self, ip, info_hash, metadata_size):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, 0))
        self.sock.listen(4)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.info_hash = info_hash
        self.size = metadata_size
        self.served = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        deadline = time.time() + TIMEOUT
        while not self.stopping and time.time() < deadline:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _read(self, conn, n):
        buf = b""
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def _serve(self, conn):
        conn.settimeout(TIMEOUT)
        try:
            hs = self._read(conn, 68)
            if hs[28:48] != self.info_hash:
                return
            reserved = b"\0" * 5 + b"\x10" + b"\0\0"
            conn.sendall(b"\x13BitTorrent protocol" + reserved + self.info_hash + b"-LI0001-" +
                         os.urandom(12))
            ext = bencode({"m": {"ut_metadata": 3}, "metadata_size": self.size})
            conn.sendall(struct.pack(">IBB", len(ext) + 2, 20, 0) + ext)
            their_id = None
            while not self.stopping:
                (length,) = struct.unpack(">I", self._read(conn, 4))
                if length == 0:
                    continue
                body = self._read(conn, length)
                if body[0] != 20:
                    continue
                if body[1] == 0:
                    i = body.find(b"11:ut_metadatai")
                    if i >= 0:
                        their_id = int(body[i + 15:body.index(b"e", i + 15)])
                    continue
                if body[1] != 3 or their_id is None:
                    continue
                i = body.find(b"5:piecei")
                piece = int(body[i + 8:body.index(b"e", i + 8)])
                size = min(16384, self.size - piece * 16384)
                msg = bencode({"msg_type": 1, "piece": piece, "total_size": self.size})
                msg += os.urandom(size)
                conn.sendall(struct.pack(">IBB", len(msg) + 2, 20, their_id) + msg)
                self.served += 1
        except (OSError, EOFError, ValueError):
            pass
        finally:
            conn.close()

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


class MagnetTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-magnet-")
        self.procs = []
        self.port = BASE_PORT

    def tearDown(self):
        for p in self.procs:
            p.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def next_port(self):
        self.port += 1
        return self.port

    def spawn(self, name, args, limit=60):
        p = Proc(self.tmp, name, args, limit)
        self.procs.append(p)
        return p

    def content(self, size=3 * 1024 * 1024 + 777, piece_size=32768):
        share = os.path.join(self.tmp, "share")
        os.makedirs(share, exist_ok=True)
        with open(os.path.join(share, "movie.bin"), "wb") as f:
            f.write(os.urandom(size))
        torrent = os.path.join(self.tmp, "movie.torrent")
        code, magnet, err = btnode("create", os.path.join(share, "movie.bin"), "-o", torrent,
                                   "--piece-size", str(piece_size))
        self.assertEqual(code, 0, err)
        return share, torrent, magnet.strip()

    def bootstrap(self, ip="127.0.3.1"):
        port = self.next_port()
        # --full-node: a plain DHT node (the router form hands out only
        # verified nodes and stores no peers).
        p = self.spawn("bootstrap", ["--json", "bootstrap", "--full-node", "--bind", ip,
                                     "--listen", str(port),
                                     "--state-dir", os.path.join(self.tmp, "st-boot")])
        p.wait_line(lambda l: l.get("event") == "listening")
        return f"{ip}:{port}"

    def seed(self, torrent, share, ip, extra=()):
        p = self.spawn("seed-" + ip, ["--json", "seed", torrent, share, "--bind", ip,
                                      "--listen", "0", "--state-dir",
                                      os.path.join(self.tmp, "st-" + ip), *extra])
        line = p.wait_line(lambda l: l.get("event") == "seeding")
        return line["port"]

    def check(self, torrent, share, out):
        with open(os.path.join(share, "movie.bin"), "rb") as a, \
                open(os.path.join(out, "movie.bin"), "rb") as b:
            self.assertTrue(a.read() == b.read(), "downloaded content differs")
        code, text, err = btnode("verify", torrent, out)
        self.assertEqual(code, 0, text + err)

    def test_magnet_over_dht_only(self):
        share, torrent, magnet = self.content()
        boot = self.bootstrap()
        self.seed(torrent, share, "127.0.3.2", ["--bootstrap", boot])
        out = os.path.join(self.tmp, "out")
        code, stdout, stderr = btnode("--json", "get", magnet, "-o", out, "--bind", "127.0.3.3",
                                      "--bootstrap", boot, "--state-dir",
                                      os.path.join(self.tmp, "st-get"))
        self.assertEqual(code, 0, stderr[-2000:])
        lines = json_lines(stdout)
        meta = [l for l in lines if l.get("event") == "metadata"]
        self.assertEqual(len(meta), 1, stdout[-1000:])
        self.assertEqual(meta[0]["name"], "movie.bin")
        self.assertTrue(any(l.get("event") == "complete" for l in lines))
        self.check(torrent, share, out)

    def test_bare_info_hash_with_peer(self):
        share, torrent, magnet = self.content()
        seed_port = self.seed(torrent, share, "127.0.3.4", ["--no-dht"])
        info_hash = magnet.split("btih:")[1][:40]
        out = os.path.join(self.tmp, "out")
        code, stdout, stderr = btnode("--json", "get", info_hash, "-o", out, "--bind",
                                      "127.0.3.5", "--no-dht", "--peer",
                                      f"127.0.3.4:{seed_port}")
        self.assertEqual(code, 0, stderr[-2000:])
        self.check(torrent, share, out)

    def test_metadata_connection_is_kept_for_the_download(self):
        """The connection the metadata came over carries the download too: the
        seed sees one inbound connection from the leech, not a second one
        after the metadata arrived."""
        share, torrent, magnet = self.content()
        seed_port = self.seed(torrent, share, "127.0.3.14",
                              ["--no-dht", "--no-lsd", "--log-level", "info"])
        out = os.path.join(self.tmp, "out")
        code, stdout, stderr = btnode("--json", "--log-level", "info", "get", magnet, "-o", out,
                                      "--bind", "127.0.3.15", "--no-dht", "--no-lsd", "--peer",
                                      f"127.0.3.14:{seed_port}")
        self.assertEqual(code, 0, stderr[-2000:])
        self.check(torrent, share, out)
        self.assertIn("kept from the metadata phase", stderr)
        seed_log = self.procs[-1].stderr()
        # (Outgoing connections are not bound to --bind: count every inbound one.)
        inbound = re.findall(r"peer [0-9.]+:\d+ connected \(in\)", seed_log)
        self.assertEqual(len(inbound), 1, seed_log[-2000:])
        self.assertEqual(stderr.count("connected (out"), 1, stderr[-2000:])

    def test_wrong_metadata_piece_is_banned(self):
        share, torrent, magnet = self.content()
        with open(torrent, "rb") as f:
            raw = f.read()
        start = raw.index(b"4:info") + 6
        info_size = len(raw) - start - 1  # the info dict is the last key
        info_hash = bytes.fromhex(magnet.split("btih:")[1][:40])
        liar = MetadataLiar("127.0.3.6", info_hash, info_size)
        try:
            seed_port = self.next_port()
            out = os.path.join(self.tmp, "out")
            get = self.spawn("get", ["--json", "--log-level", "info", "get", magnet, "-o", out,
                                     "--bind", "127.0.3.8", "--no-dht",
                                     "--peer", f"127.0.3.6:{liar.port}",
                                     "--peer", f"127.0.3.7:{seed_port}"])
            # The honest seed starts only once the liar has answered: the
            # first attempt must fail the hash check.
            deadline = time.time() + 10
            while liar.served == 0 and time.time() < deadline:
                time.sleep(0.05)
            self.assertGreater(liar.served, 0, get.stderr()[-1500:])
            self.spawn("seed", ["--json", "seed", torrent, share, "--bind", "127.0.3.7",
                                "--listen", str(seed_port), "--no-dht"])
            get.proc.wait(timeout=TIMEOUT)
            self.assertEqual(get.proc.returncode, 0, get.stderr()[-2000:])
            self.assertIn("banning 127.0.3.6", get.stderr())
            self.assertTrue(any(l.get("event") == "metadata" for l in json_lines(get.stdout())))
            self.check(torrent, share, out)
        finally:
            liar.stop()

    def test_swarm_via_magnet_learns_peers_by_pex(self):
        share, torrent, magnet = self.content(size=8 * 1024 * 1024, piece_size=16384)
        boot = self.bootstrap()
        self.seed(torrent, share, "127.0.3.10", ["--bootstrap", boot])
        leeches = []
        for i in range(10):
            ip = f"127.0.3.{20 + i}"
            out = os.path.join(self.tmp, f"leech{i}")
            leeches.append((out, self.spawn(f"leech{i}", [
                "--json", "get", magnet, "-o", out, "--bind", ip, "--bootstrap", boot,
                "--seed-time", "4", "--state-dir", os.path.join(self.tmp, "st-" + ip)])))
            time.sleep(0.2)
        learned = 0
        for out, p in leeches:
            p.proc.wait(timeout=TIMEOUT)
            self.assertEqual(p.proc.returncode, 0, p.stderr()[-2000:])
            done = [l for l in json_lines(p.stdout()) if l.get("event") == "complete"]
            self.assertTrue(done, p.stdout()[-500:])
            download = [l for l in json_lines(p.stdout()) if l.get("phase") == "download"]
            learned += max([l.get("pex_peers", 0) for l in download] + [done[-1]["pex_peers"]])
            self.check(torrent, share, out)
        self.assertGreater(learned, 0, "no leech learned a peer through PEX")


if __name__ == "__main__":
    unittest.main(verbosity=2)
