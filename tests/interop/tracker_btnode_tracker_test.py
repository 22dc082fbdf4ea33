#!/usr/bin/python3
"""The opentracker interop runs (aria2 and Transmission on the other side,
both directions, --no-dht) with `btnode tracker --whitelist` in place of
opentracker.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/tracker_btnode_tracker_test.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tracker_opentracker_test as opentracker  # noqa: E402
from tracker_swarm import port  # noqa: E402


class BtnodeTrackerInteropTest(opentracker.OpentrackerTest):
    def start_tracker(self, kind, n):
        s = self.swarm
        p = port(40 + n)
        s.make_torrent([opentracker.tracker_url(kind, p)])
        whitelist = os.path.join(s.dir, "whitelist")
        with open(whitelist, "w") as f:
            f.write(s.info_hash + "\n")
        s.btnode_tracker(opentracker.TRACKER, p, "--whitelist", whitelist)


if __name__ == "__main__":
    unittest.main(verbosity=2)
