#!/usr/bin/python3
"""`btnode scrape` (BEP 48 over HTTP, BEP 15 over UDP) against opentracker
(Debian, whitelist mode) and `btnode tracker`: one seeder and one leecher
announce (raw HTTP announces from two ports), then btnode scrapes the
info-hash over http:// and udp:// and must report 1 seeder and 1 leecher;
a second, unannounced info-hash in the same scrape is reported as unknown
or with zeros; a tracker that does not answer fails the command
with one line within its --timeout.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/tracker_scrape_test.py
"""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracker_swarm import BTNODE, Swarm, port  # noqa: E402

OPENTRACKER = "127.0.2.100"
BTNODE_TRACKER = "127.0.2.101"
OTHER_HASH = "ab" * 20


def raw_announce(ip, p, info_hash_hex, peer_port, left):
    """One HTTP announce as a client would send it (event=started)."""
    q = urllib.parse.urlencode({
        "info_hash": bytes.fromhex(info_hash_hex), "peer_id": os.urandom(20),
        "port": peer_port, "uploaded": 0, "downloaded": 0, "left": left,
        "event": "started", "compact": 1, "numwant": 10},
        quote_via=urllib.parse.quote)  # a 0x20 byte is %20, not '+
    # opentracker reads its whitelist shortly after it starts: retry a while.
    deadline = time.monotonic() + 10
    while True:
        with urllib.request.urlopen(f"http://{ip}:{p}/announce?{q}", timeout=5) as r:
            body = r.read()
        if b"failure" not in body:
            return
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def scrape(url, *hashes, timeout=10):
    r = subprocess.run(["timeout", "30", BTNODE, "scrape", url, *hashes, "--json",
                        "--bind", "127.0.2.102", "--timeout", str(timeout)],
                       capture_output=True, text=True)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    return r, {l["info_hash"]: l for l in lines}


class ScrapeCases:
    """Mixed into one TestCase per tracker; `start_tracker(p)` returns its IP."""
    runs = 0

    def setUp(self):
        self.swarm = Swarm()
        self.addCleanup(self.swarm.close)  # also when setUp fails
        self.swarm.make_torrent([])
        # A port per test: a stopped tracker may hold its port a moment longer.
        ScrapeCases.runs += 1
        self.p = port(40 + 10 * self.offset + ScrapeCases.runs)
        self.ip = self.start_tracker(self.p)
        raw_announce(self.ip, self.p, self.swarm.info_hash, 7001, 0)       # seeder
        raw_announce(self.ip, self.p, self.swarm.info_hash, 7002, 12345)   # leecher

    def check(self, url):
        h = self.swarm.info_hash
        r, by_hash = scrape(url, h, OTHER_HASH)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(h, by_hash, r.stdout)
        self.assertTrue(by_hash[h]["known"])
        self.assertEqual(by_hash[h]["seeders"], 1, r.stdout)
        self.assertEqual(by_hash[h]["leechers"], 1, r.stdout)
        # The hash nobody announced: left out (opentracker over HTTP) or all
        # zeros (BEP 15 answers every hash asked; btnode tracker over HTTP).
        other = by_hash[OTHER_HASH]
        self.assertEqual((other.get("seeders", 0), other.get("leechers", 0)), (0, 0), r.stdout)

    def test_http_scrape(self):
        self.check(f"http://{self.ip}:{self.p}/announce")

    def test_udp_scrape(self):
        self.check(f"udp://{self.ip}:{self.p}/announce")

    def test_silent_udp_tracker_fails_in_time(self):
        t0 = time.monotonic()
        r, _ = scrape(f"udp://{self.ip}:9/announce", self.swarm.info_hash, timeout=2)
        self.assertEqual(r.returncode, 1)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("no answer", r.stderr)


@unittest.skipUnless(shutil.which("opentracker"), "opentracker not installed")
class OpentrackerScrapeTest(ScrapeCases, unittest.TestCase):
    offset = 0

    def start_tracker(self, p):
        self.swarm.opentracker(OPENTRACKER, p)
        return OPENTRACKER


class BtnodeTrackerScrapeTest(ScrapeCases, unittest.TestCase):
    offset = 1

    def start_tracker(self, p):
        self.swarm.btnode_tracker(BTNODE_TRACKER, p)
        return BTNODE_TRACKER


if __name__ == "__main__":
    unittest.main(verbosity=2)
