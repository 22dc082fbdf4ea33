#!/usr/bin/python3
"""aria2 <-> btnode over UDP trackers (BEP 15), --no-dht on btnode's side,
through opentracker (whitelist mode) and through `btnode tracker`, both
directions. aria2 1.36 speaks UDP trackers only with its DHT on (it sends
them from the DHT's UDP socket), so aria2 runs here with its DHT enabled on
loopback, with no entry point and its DHT file in the temp dir: the DHT
finds nobody, the tracker is the only way the two meet.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/tracker_aria2_udp_test.py
"""
import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tracker_swarm import Swarm, port, wait_for  # noqa: E402

OPENTRACKER = "127.0.2.130"
BTNODE_TRACKER = "127.0.2.131"


class Aria2UdpCases:
    """Mixed into one TestCase per tracker; `start_tracker(p)` returns its IP;
    `base` picks the ports and the 127.0.2.x addresses of the clients."""

    def setUp(self):
        self.swarm = Swarm()
        self.addCleanup(self.swarm.close)  # also when setUp fails

    def start(self, n):
        p = port(n)
        ip = self.tracker_ip
        self.swarm.make_torrent([f"udp://{ip}:{p}/announce"])
        self.start_tracker(ip, p)

    def test_btnode_seed_to_aria2_over_udp(self):
        s = self.swarm
        self.start(self.base)
        s.btnode_seed(self.ip(0))
        wait_for(lambda: "tracker udp://" in s.read_log("btnode-seed"), 15, "seed announce",
                 lambda: s.read_log("btnode-seed")[-1500:])
        out = os.path.join(s.dir, "aria2-out")
        s.aria2(self.ip(1), port(self.base + 1), out, "aria2", seed=False,
                dht_port=port(self.base + 2))
        wait_for(lambda: s.downloaded(out), 40, "aria2 download over the udp tracker",
                 lambda: s.read_log("aria2")[-2000:] + s.read_log("btnode-seed")[-1500:])

    def test_aria2_seed_to_btnode_over_udp(self):
        s = self.swarm
        self.start(self.base + 3)
        s.aria2(self.ip(2), port(self.base + 4), s.src, "aria2-seed", seed=True,
                dht_port=port(self.base + 5))
        time.sleep(3)  # aria2 checks the content, then announces
        out = os.path.join(s.dir, "out")
        r = s.btnode_get(self.ip(3), out, 45)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:] + s.read_log("aria2-seed")[-1500:])
        self.assertTrue(s.downloaded(out))
        self.assertIn("tracker udp://", r.stderr)
        self.assertIn(f"peer {self.ip(2)}:", r.stderr)


@unittest.skipUnless(shutil.which("aria2c"), "aria2 not installed")
@unittest.skipUnless(shutil.which("opentracker"), "opentracker not installed")
class OpentrackerAria2UdpTest(Aria2UdpCases, unittest.TestCase):
    tracker_ip = OPENTRACKER
    base = 70

    def ip(self, i):
        return f"127.0.2.{132 + i}"

    def start_tracker(self, ip, p):
        self.swarm.opentracker(ip, p)


@unittest.skipUnless(shutil.which("aria2c"), "aria2 not installed")
class BtnodeTrackerAria2UdpTest(Aria2UdpCases, unittest.TestCase):
    tracker_ip = BTNODE_TRACKER
    base = 80

    def ip(self, i):
        return f"127.0.2.{140 + i}"

    def start_tracker(self, ip, p):
        self.swarm.btnode_tracker(ip, p)


if __name__ == "__main__":
    unittest.main(verbosity=2)
