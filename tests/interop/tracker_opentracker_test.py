#!/usr/bin/python3
"""Trackers only (--no-dht), through opentracker (Debian, whitelist mode) over
HTTP and UDP: btnode seeds -> aria2 / Transmission download, aria2 /
Transmission seed -> btnode downloads. aria2 1.36 speaks UDP trackers only
with its DHT on ("udp is not supported yet" otherwise), so aria2 runs use
HTTP and the UDP runs use Transmission. Transmission never dials 127/8, so
when it leeches, the btnode seed dials the peers the tracker returns (the
leech is started first so the seed's first announce sees it).

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/tracker_opentracker_test.py
"""
import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracker_swarm import Swarm, port, wait_for  # noqa: E402

TRACKER = "127.0.2.10"


def tracker_url(kind, p):
    return f"http://{TRACKER}:{p}/announce" if kind == "http" else f"udp://{TRACKER}:{p}/announce"


@unittest.skipUnless(shutil.which("opentracker"), "opentracker not installed")
class OpentrackerTest(unittest.TestCase):
    def setUp(self):
        self.swarm = Swarm()

    def tearDown(self):
        self.swarm.close()

    def start_tracker(self, kind, n):
        p = port(n)
        self.swarm.make_torrent([tracker_url(kind, p)])
        self.swarm.opentracker(TRACKER, p)

    def seed_to_aria2(self, n):
        """btnode seeds; aria2 learns it from the tracker and dials it.
        Returns aria2's download directory."""
        s = self.swarm
        self.start_tracker("http", n)
        s.btnode_seed("127.0.2.11")
        wait_for(lambda: "tracker http" in s.read_log("btnode-seed"), 15, "seed announce")
        out = os.path.join(s.dir, "aria2-out")
        s.aria2("127.0.2.12", port(n + 1), out, "aria2", seed=False)
        wait_for(lambda: "peer 127.0.2.12:" in s.read_log("btnode-seed"), 20, "aria2 connects",
                 lambda: s.read_log("aria2")[-1500:])
        return out

    @unittest.skipUnless(shutil.which("aria2c"), "aria2 not installed")
    def test_btnode_seed_to_aria2_over_http(self):
        s = self.swarm
        out = self.seed_to_aria2(0)
        wait_for(lambda: s.downloaded(out), 30, "aria2 download",
                 lambda: s.read_log("aria2")[-1500:] + s.read_log("btnode-seed")[-1500:])

    @unittest.skipUnless(shutil.which("aria2c"), "aria2 not installed")
    def test_aria2_seed_to_btnode_over_http(self):
        s = self.swarm
        self.start_tracker("http", 2)
        s.aria2("127.0.2.13", port(3), s.src, "aria2-seed", seed=True)
        time.sleep(3)  # aria2 checks the content, then announces
        out = os.path.join(s.dir, "out")
        r = s.btnode_get("127.0.2.14", out, 45)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))
        self.assertIn("tracker http://", r.stderr)

    @unittest.skipUnless(shutil.which("transmission-daemon"), "transmission-daemon not installed")
    def test_btnode_seed_to_transmission_over_udp(self):
        s = self.swarm
        self.start_tracker("udp", 4)
        out = os.path.join(s.dir, "tr-out")
        os.makedirs(out)
        remote = s.transmission("127.0.2.15", port(5), out, "transmission")
        # Transmission's first announce must reach the tracker before the seed's.
        time.sleep(3)
        s.btnode_seed("127.0.2.16")
        wait_for(lambda: s.transmission_done(remote), 45, "transmission download",
                 lambda: s.read_log("btnode-seed")[-1500:] + s.read_log("transmission")[-1500:])
        self.assertTrue(s.downloaded(out))

    @unittest.skipUnless(shutil.which("transmission-daemon"), "transmission-daemon not installed")
    def test_transmission_seed_to_btnode_over_http(self):
        s = self.swarm
        self.start_tracker("http", 7)
        remote = s.transmission("127.0.2.17", port(8), s.src, "transmission-seed")
        wait_for(lambda: s.transmission_done(remote), 20, "transmission check")
        time.sleep(2)
        out = os.path.join(s.dir, "out")
        r = s.btnode_get("127.0.2.18", out, 50)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
