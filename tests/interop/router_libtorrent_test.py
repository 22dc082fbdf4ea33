#!/usr/bin/python3
"""libtorrent DHT nodes join through `btnode bootstrap` alone.

A `btnode bootstrap` router on 127.0.1.1 and twelve libtorrent 2.0 DHT
sessions (127.0.1.11-22) whose only bootstrap node is the router, started a
little apart (as nodes join a real network). Each must reach >= 8 nodes in
its routing table; libtorrent never puts a bootstrap node into its table
(INTEROP.md), so those are all other libtorrent sessions the router
introduced. The router's stats must show the sessions verified (pinged back
with a SYN cookie and answered) and stored; SIGTERM must save the buffer.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/router_libtorrent_test.py
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import lt_dht
from btnode_proc import BTNODE, fail, json_file_lines

ROUTER = ("127.0.1.1", 6881)
LT_HOSTS = ["127.0.1.%d" % (11 + i) for i in range(12)]
LT_PORT = 6881
WANT_NODES = 8


def lt_session(host):
    return lt_dht.session(host, LT_PORT, bootstrap="%s:%d" % ROUTER)


def last_stats(path):
    stats = [l for l in json_file_lines(path) if l.get("event") == "stats"]
    return stats[-1] if stats else {}


def main():
    if not os.path.exists(BTNODE):
        fail("btnode binary not found at %s (set BTNODE)" % BTNODE)
    tmp = tempfile.mkdtemp(prefix="btnode-router-lt-")
    out_path = os.path.join(tmp, "router.out")
    router = subprocess.Popen(
        [BTNODE, "bootstrap", "--json", "--log-level", "info", "--bind", ROUTER[0],
         "--listen", str(ROUTER[1]), "--threads", "1", "--state-dir", tmp,
         "--stats-interval", "1"],
        stdout=open(out_path, "w"), stderr=open(os.path.join(tmp, "router.err"), "w"))
    sessions = []
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
                l.get("event") == "listening" for l in json_file_lines(out_path)):
            time.sleep(0.1)
        for host in LT_HOSTS:
            sessions.append(lt_session(host))
            time.sleep(0.3)
        deadline = time.monotonic() + 40
        counts = []
        while time.monotonic() < deadline:
            counts = lt_dht.table_sizes(sessions)
            if min(counts) >= WANT_NODES:
                break
            time.sleep(0.5)
        print("libtorrent routing-table sizes: %s" % counts)
        if min(counts) < WANT_NODES:
            fail("not every libtorrent session reached %d nodes: %s" % (WANT_NODES, counts))
        time.sleep(1.2)  # one more stats line
        stats = last_stats(out_path)
        print("router stats: %s" % {k: stats.get(k) for k in
                                    ("received", "answered", "bootstrap_queries", "verified", "nodes_v4",
                                     "bad_cookie")})
        if stats.get("nodes_v4", 0) < len(LT_HOSTS) or stats.get("verified", 0) < len(LT_HOSTS):
            fail("router verified/stored too few libtorrent nodes: %r" % stats)
        if stats.get("answered_find_node", 0) + stats.get("answered_get_peers", 0) < len(LT_HOSTS):
            fail("router answered too few lookups: %r" % stats)
        # libtorrent marks its bootstrap lookup's queries to routers with bs=1.
        if stats.get("bootstrap_queries", 0) < len(LT_HOSTS):
            fail("router saw too few bs=1 bootstrap queries: %r" % stats)
        router.send_signal(signal.SIGTERM)
        code = router.wait(timeout=10)
        if code != 0:
            fail("router exited %d on SIGTERM" % code)
        saved = os.path.join(tmp, "router-buffer.bin")
        if not os.path.exists(saved) or os.path.getsize(saved) < 51 + 26 * len(LT_HOSTS):
            fail("router buffer not saved on SIGTERM")
        print("PASS")
    finally:
        if router.poll() is None:
            router.kill()
            router.wait()
        for s in sessions:
            s.pause()
        del sessions[:]
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
