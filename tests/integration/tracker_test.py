#!/usr/bin/python3
"""btnode seed -> btnode get through `btnode tracker` over HTTP and UDP
(--no-dht, no --peer; a .torrent and a magnet link with tr=), scrape of `btnode tracker` over HTTP and UDP, and
hostile trackers (a Python fake in this file): one that answers garbage, one
that never answers, one that returns 10,000 peers.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/integration/tracker_test.py
"""
import http.server
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "interop"))
from tracker_swarm import BTNODE, Swarm, port, wait_for  # noqa: E402

TRACKER = "127.0.2.20"


class FakeTracker:
    """An HTTP tracker on ip:p that answers every request as `mode` says:
    garbage (HTML), hang (never answers), many (10,000 compact peers, the
    real seed among them)."""

    def __init__(self, ip, p, mode, real_peer=None):
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                if mode == "hang":
                    time.sleep(30)
                    return
                if mode == "garbage":
                    body = b"<html><body>502 Bad Gateway</body></html>d8:intervali"
                else:
                    peers = bytearray()
                    for i in range(10_000):
                        # Closed ports on 127.0.9.x: every dial is refused at once.
                        peers += bytes([127, 0, 9, 1 + i % 250]) + struct.pack(">H", 1 + i // 250)
                    if real_peer:
                        ip_bytes = socket.inet_aton(real_peer[0])
                        peers[6 * 100:6 * 101] = ip_bytes + struct.pack(">H", real_peer[1])
                    body = b"d8:intervali1800e5:peers%d:" % len(peers) + bytes(peers) + b"e"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((ip, p), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def seed_port(swarm, tag="btnode-seed"):
    def found():
        for line in swarm.read_log(tag).splitlines():
            if "on port" in line:
                return int(line.rsplit(" ", 1)[1])
        return None
    wait_for(lambda: found() is not None, 15, "seed port")
    return found()


class BtnodeTrackerTest(unittest.TestCase):
    def setUp(self):
        self.swarm = Swarm()

    def tearDown(self):
        self.swarm.close()

    def transfer(self, url, tracker_port, seed_ip, leech_ip):
        s = self.swarm
        s.make_torrent([url])
        s.btnode_tracker(TRACKER, tracker_port, "--whitelist", self.whitelist())
        s.btnode_seed(seed_ip)
        wait_for(lambda: "tracker " in s.read_log("btnode-seed"), 15, "seed announce")
        out = os.path.join(s.dir, "out")
        r = s.btnode_get(leech_ip, out, 40)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))
        self.assertIn("tracker " + url + ": 1 peers", r.stderr)

    def whitelist(self):
        path = os.path.join(self.swarm.dir, "whitelist")
        with open(path, "w") as f:
            f.write("# allowed\n" + self.swarm.info_hash + "\n")
        return path

    def test_http(self):
        p = port(20)
        self.transfer(f"http://{TRACKER}:{p}/announce", p, "127.0.2.21", "127.0.2.22")
        # HTTP scrape (BEP 48): the seed (and the finished leech) are counted.
        h = bytes.fromhex(self.swarm.info_hash)
        q = urllib.parse.quote_from_bytes(h)
        body = urllib.request.urlopen(f"http://{TRACKER}:{p}/scrape?info_hash={q}", timeout=5).read()
        self.assertTrue(body.startswith(b"d5:filesd20:" + h + b"d8:completei"), body)
        self.assertIn(b"10:downloadedi1e", body)

    def test_udp(self):
        p = port(23)
        self.transfer(f"udp://{TRACKER}:{p}/announce", p, "127.0.2.23", "127.0.2.24")
        # UDP scrape (BEP 15) by hand: connect, then scrape.
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.2.25", 0))
        sock.settimeout(5)
        sock.sendto(struct.pack(">QII", 0x41727101980, 0, 7), (TRACKER, p))
        action, tx, conn = struct.unpack(">IIQ", sock.recv(64))
        self.assertEqual((action, tx), (0, 7))
        sock.sendto(struct.pack(">QII", conn, 2, 8) + bytes.fromhex(self.swarm.info_hash),
                    (TRACKER, p))
        action, tx, seeders, completed, leechers = struct.unpack(">IIIII", sock.recv(64))
        self.assertEqual((action, tx), (2, 8))
        self.assertGreaterEqual(seeders, 1)
        self.assertEqual(completed, 1)
        # A wrong connection id is refused with an error (action 3).
        sock.sendto(struct.pack(">QII", conn ^ 1, 2, 9) + bytes(20), (TRACKER, p))
        action, tx = struct.unpack(">II", sock.recv(64)[:8])
        self.assertEqual((action, tx), (3, 9))
        sock.close()

    def test_magnet_tr_finds_the_seed_without_dht(self):
        s = self.swarm
        p = port(27)
        url = f"udp://{TRACKER}:{p}/announce"
        s.make_torrent([url])
        s.btnode_tracker(TRACKER, p)
        s.btnode_seed("127.0.2.27")
        wait_for(lambda: "tracker " in s.read_log("btnode-seed"), 15, "seed announce")
        magnet = (f"magnet:?xt=urn:btih:{s.info_hash}&tr=" +
                  urllib.parse.quote(url, safe=""))
        out = os.path.join(s.dir, "out")
        r = subprocess.run(["timeout", "40", BTNODE, "get", magnet, "-o", out, "--bind",
                            "127.0.2.28", "--no-dht", "--no-lsd", "--log-level", "info"],
                           capture_output=True, text=True, errors="replace")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))
        self.assertIn(f"tracker {url}: 1 peers", r.stderr)

    def test_whitelist_refuses_other_torrents(self):
        s = self.swarm
        p = port(26)
        s.make_torrent([f"http://{TRACKER}:{p}/announce"])
        other = os.path.join(s.dir, "other")
        with open(other, "w") as f:
            f.write("00" * 20 + "\n")
        s.btnode_tracker(TRACKER, p, "--whitelist", other)
        s.btnode_seed("127.0.2.26")
        wait_for(lambda: "not in whitelist" in s.read_log("btnode-seed"), 15,
                 "refusal\n" + s.read_log("btnode-seed"))


class HostileTrackerTest(unittest.TestCase):
    def setUp(self):
        self.swarm = Swarm()
        self.fakes = []

    def tearDown(self):
        self.swarm.close()
        for f in self.fakes:
            f.close()

    def fake(self, ip, p, mode, real_peer=None):
        f = FakeTracker(ip, p, mode, real_peer)
        self.fakes.append(f)
        return f

    def test_garbage_tracker_falls_through_to_the_next_tier(self):
        s = self.swarm
        bad, good = port(30), port(31)
        self.fake("127.0.2.30", bad, "garbage")
        s.make_torrent([f"http://127.0.2.30:{bad}/announce", f"udp://{TRACKER}:{good}/announce"])
        s.btnode_tracker(TRACKER, good)
        s.btnode_seed("127.0.2.31")
        wait_for(lambda: f"tracker udp://{TRACKER}" in s.read_log("btnode-seed"), 15, "seed")
        out = os.path.join(s.dir, "out")
        r = s.btnode_get("127.0.2.32", out, 40)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))
        self.assertIn("not bencoded", r.stderr)

    def test_hanging_tracker_neither_blocks_the_download_nor_the_exit(self):
        s = self.swarm
        p = port(33)
        fake = self.fake("127.0.2.33", p, "hang")
        s.make_torrent([f"http://127.0.2.33:{p}/announce"])
        s.btnode_seed("127.0.2.34")
        sp = seed_port(s)
        out = os.path.join(s.dir, "out")
        start = time.monotonic()
        r = s.btnode_get("127.0.2.35", out, 40, "--peer", f"127.0.2.34:{sp}")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))
        self.assertLess(time.monotonic() - start, 15)
        wait_for(lambda: fake.requests >= 1, 5, "announce to the hanging tracker")

    def test_ten_thousand_peers_are_bounded(self):
        s = self.swarm
        p = port(36)
        s.make_torrent([f"http://127.0.2.36:{p}/announce"])
        s.btnode_seed("127.0.2.37", "btnode-seed", "--no-trackers")
        sp = seed_port(s)
        self.fake("127.0.2.36", p, "many", ("127.0.2.37", sp))
        out = os.path.join(s.dir, "out")
        r = s.btnode_get("127.0.2.38", out, 45)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))
        self.assertRegex(r.stderr, r"tracker http://127\.0\.2\.36:\d+/announce: 500 peers")


if __name__ == "__main__":
    unittest.main(verbosity=2)
