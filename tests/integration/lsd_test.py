#!/usr/bin/python3
"""Local service discovery (BEP 14) between btnode processes, in a network
namespace the test creates (its loopback gets the MULTICAST flag, and a veth
pair in it carries two IPv6 addresses, so the host is untouched): a `btnode seed` and a
`btnode get MAGNET`, both with --no-dht and no --peer, find each other only
through the LSD announces; the magnet's metadata and content arrive and
verify. Once over IPv4 (239.192.152.143:6771, 127.0.3.40/41) and once over
IPv6 ([ff15::efc0:988f]:6771, fd00:3::40/41 only, so the IPv4 group is not
even joined).

Needs root and `ip netns` (skipped, visibly, otherwise).

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/integration/lsd_test.py
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
NS = "btnode-lsd-%d" % os.getpid()


def have_netns():
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["ip", "netns", "add", NS + "-probe"], capture_output=True)
    if probe.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", NS + "-probe"], capture_output=True)
    return True


def ns(*cmd, **kw):
    return ["ip", "netns", "exec", NS, *cmd]


@unittest.skipUnless(have_netns(), "needs root and ip netns")
class LsdTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-lsd-")
        subprocess.run(["ip", "netns", "add", NS], check=True, timeout=10)
        for cmd in (["ip", "link", "set", "lo", "up"], ["ip", "link", "set", "lo", "multicast", "on"],
                    ["ip", "route", "add", "239.0.0.0/8", "dev", "lo"]):
            subprocess.run(ns(*cmd), check=True, timeout=10)
        # IPv6 (may be off in the namespace: the IPv6 case is skipped then).
        self.v6 = True
        # A veth pair (lo has no IPv6 multicast route): the seed's address on
        # one end, the get's on the other, so each one's announces cross the link.
        for cmd in (["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=0"],
                    ["ip", "link", "add", "lsd0", "type", "veth", "peer", "name", "lsd1"],
                    ["ip", "link", "set", "lsd0", "up"], ["ip", "link", "set", "lsd1", "up"],
                    ["ip", "-6", "addr", "add", "fd00:3::40/64", "dev", "lsd0", "nodad"],
                    ["ip", "-6", "addr", "add", "fd00:3::41/64", "dev", "lsd1", "nodad"]):
            r = subprocess.run(ns(*cmd), capture_output=True, text=True, timeout=10)
            if r.returncode != 0:
                self.v6 = False
                self.v6_reason = " ".join(cmd) + ": " + r.stderr.strip()
                break
        self.procs = []
        self.files = []

    def tearDown(self):
        for f in self.files:
            f.close()
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        subprocess.run(["ip", "netns", "del", NS], timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_seed_and_magnet_get_meet_through_lsd(self):
        self.meet("127.0.3.40", "127.0.3.41", "239.192.152.143:6771")

    def test_seed_and_magnet_get_meet_through_lsd_over_ipv6(self):
        if not self.v6:
            self.skipTest("no IPv6 in the namespace: " + self.v6_reason)
        self.meet("fd00:3::40", "fd00:3::41", "[ff15::efc0:988f]:6771")

    def meet(self, seed_ip, get_ip, group):
        share = os.path.join(self.tmp, "share")
        os.makedirs(share)
        with open(os.path.join(share, "clip.bin"), "wb") as f:
            f.write(os.urandom(2 * 1024 * 1024 + 99))
        torrent = os.path.join(self.tmp, "clip.torrent")
        p = subprocess.run([BTNODE, "create", os.path.join(share, "clip.bin"), "-o", torrent],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        magnet = p.stdout.strip()
        seed_out = open(os.path.join(self.tmp, "seed.out"), "w")
        seed_err = open(os.path.join(self.tmp, "seed.err"), "w")
        self.files += [seed_out, seed_err]
        seed = subprocess.Popen(ns("timeout", "-s", "KILL", "60", BTNODE, "--json", "--log-level",
                                   "debug", "seed", torrent, share, "--bind", seed_ip,
                                   "--no-dht", "--state-dir", os.path.join(self.tmp, "st-seed")),
                                stdout=seed_out, stderr=seed_err)
        self.procs.append(seed)
        deadline = time.time() + 15
        while time.time() < deadline:
            with open(os.path.join(self.tmp, "seed.out")) as f:
                if '"seeding"' in f.read():
                    break
            time.sleep(0.05)
        out = os.path.join(self.tmp, "out")
        get = subprocess.run(ns("timeout", "-s", "KILL", "40", BTNODE, "--json", "--log-level",
                                "debug", "get", magnet, "-o", out, "--bind", get_ip,
                                "--no-dht", "--state-dir", os.path.join(self.tmp, "st-get")),
                             capture_output=True, text=True)
        with open(os.path.join(self.tmp, "seed.err")) as f:
            seed_log = f.read()
        self.assertEqual(get.returncode, 0, get.stderr[-2000:] + "\nseed:\n" + seed_log[-1500:])
        self.assertIn("lsd: peer", get.stderr + seed_log, "no LSD announce was taken")
        self.assertIn("lsd: listening on " + group, get.stderr)
        other = "[ff15::efc0:988f]:6771" if group.startswith("239") else "239.192.152.143:6771"
        self.assertNotIn("lsd: listening on " + other, get.stderr + seed_log)
        # One of them took the other's announce (and then dialled it).
        def host(ip):
            return "[%s]" % ip if ":" in ip else ip
        self.assertTrue("lsd: peer " + host(seed_ip) + ":" in get.stderr
                        or "lsd: peer " + host(get_ip) + ":" in seed_log,
                        get.stderr[-1500:] + "\nseed:\n" + seed_log[-1500:])
        events = [json.loads(l).get("event") for l in get.stdout.splitlines() if l.startswith("{")]
        self.assertIn("metadata", events)
        with open(os.path.join(share, "clip.bin"), "rb") as a, \
                open(os.path.join(out, "clip.bin"), "rb") as b:
            self.assertTrue(a.read() == b.read(), "content differs")
        v = subprocess.run([BTNODE, "verify", torrent, out], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
