#!/usr/bin/python3
"""`btnode bootstrap` (the router) with btnode DHT nodes and dht-load, on loopback.

  * twelve btnode DHT nodes (`bootstrap --full-node`, 127.0.1.41-52) whose
    only bootstrap node is the router (two responder threads) each reach
    >= 9 routing-table nodes (>= 8 besides the router, if they keep it);
  * dht-load from 64 sources is answered in full; a flood from one source
    is cut to its per-address budget while a second load from other sources
    running at the same time is still answered in full;
  * SIGTERM: exit 0, the buffer saved; a restart loads it;
  * a router on ::1 verifies an IPv6 querier and hands it out in nodes6.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/integration/router_cli_test.py
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from btnode_proc import BTNODE, fail, json_file_lines as json_lines, wait_for

DHT_LOAD = os.environ.get("DHT_LOAD") or os.path.join(os.path.dirname(BTNODE), "dht-load")
ROUTER = "127.0.1.1:6881"
NODES = ["127.0.1.%d" % (41 + i) for i in range(12)]
WANT = 9
THREADS = os.environ.get("ROUTER_THREADS", "2")


def last(path, event):
    found = [l for l in json_lines(path) if l.get("event") == event]
    return found[-1] if found else None


def start(args, out_path):
    return subprocess.Popen([BTNODE, *args], stdout=open(out_path, "w"),
                            stderr=open(out_path + ".err", "w"))


def stop(proc, name):
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail("%s did not exit within 10 s of SIGTERM" % name)
    if code != 0:
        fail("%s exited %d on SIGTERM" % (name, code))


def router_args(state):
    return ["bootstrap", "--json", "--log-level", "info", "--bind", ROUTER.split(":")[0],
            "--listen", ROUTER.split(":")[1], "--threads", THREADS, "--state-dir", state,
            "--stats-interval", "1"]


def dht_load(*args):
    p = subprocess.run([DHT_LOAD, "--target", ROUTER, "--json", "--quiet", *args],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail("dht-load %s: exit %d: %s" % (args, p.returncode, p.stderr.strip()))
    return json.loads(p.stdout)


def check_nodes_join(tmp):
    procs = []
    try:
        for host in NODES:
            out = os.path.join(tmp, host + ".out")
            procs.append((start(["bootstrap", "--full-node", "--json", "--bind", host, "--listen",
                                 "6881", "--bootstrap", ROUTER, "--state-dir",
                                 os.path.join(tmp, host), "--stats-interval", "1"], out), out))
            time.sleep(0.2)

        def sizes():
            return [(last(out, "stats") or {}).get("nodes_v4", 0) for _, out in procs]
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and min(sizes()) < WANT:
            time.sleep(0.5)
        print("btnode routing-table sizes: %s" % sizes())
        if min(sizes()) < WANT:
            fail("not every btnode node reached %d nodes: %s" % (WANT, sizes()))
    finally:
        for p, _ in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p, _ in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def check_load_and_flood():
    r = dht_load("--rate", "2000", "--duration", "1", "--warmup", "0", "--sources", "64",
                 "--source-base", "127.0.1.100", "--answer")
    if r["answered"] + r["errors"] < r["sent"] * 0.99 or r["sent"] < 1500:
        fail("dht-load not answered in full: %r" % r)
    print("dht-load: sent %d, answered %d, p50 %.2f ms" % (r["sent"], r["answered"],
                                                           r["latency_ms_p50"]))
    results = {}

    def flood():
        results["flood"] = dht_load("--rate", "5000", "--duration", "2", "--warmup", "0",
                                    "--sources", "1", "--source-base", "127.0.1.200")
    t = threading.Thread(target=flood)
    t.start()
    others = dht_load("--rate", "500", "--duration", "2", "--warmup", "0", "--sources", "50",
                      "--source-base", "127.0.1.140")
    t.join()
    f = results["flood"]
    # Per address: a burst of 50, then 20/s, over all responder threads (its 4
    # source ports are steered to one thread by source address).
    if f["sent"] < 5000 or f["answered"] > 50 + 20 * 3:
        fail("flood from one address not limited: %r" % f)
    if others["answered"] < others["sent"] * 0.99:
        fail("other sources not served during the flood: %r" % others)
    print("flood: %d sent, %d answered; others during it: %d/%d answered"
          % (f["sent"], f["answered"], others["answered"], others["sent"]))


def check_ipv6(tmp):
    """A router on ::1: a querier is verified and handed out in `nodes6` (BEP 32)."""
    out = os.path.join(tmp, "router6.out")
    port = 16899
    router = start(["bootstrap", "--json", "--bind", "::1", "--listen", str(port), "--threads", "2",
                    "--state-dir", os.path.join(tmp, "r6"), "--stats-interval", "1"], out)
    try:
        wait_for("the IPv6 router to listen", lambda: last(out, "listening"), 5)
        query = (b"d1:ad2:id20:" + b"I" * 20 + b"6:target20:" + b"T" * 20 +
                 b"4:wantl2:n42:n6ee1:q9:find_node1:t2:aa1:y1:qe")
        first = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        first.settimeout(2)
        first.bind(("::1", 0))
        first.sendto(query, ("::1", port))
        for _ in range(2):
            data, _ = first.recvfrom(2048)
            if data.endswith(b"1:y1:qe"):  # the verification ping: answer its cookie
                t = data[data.index(b"1:t6:") + 5:][:6]
                first.sendto(b"d1:rd2:id20:" + b"I" * 20 + b"e1:t6:" + t + b"1:y1:re", ("::1", port))
        wait_for("the IPv6 node to be stored", lambda: (last(out, "stats") or {}).get("nodes_v6"), 5)
        second = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        second.settimeout(2)
        second.bind(("::1", 0))
        second.sendto(query.replace(b"I" * 20, b"J" * 20), ("::1", port))
        data, _ = second.recvfrom(2048)
        if data.endswith(b"1:y1:qe"):
            data, _ = second.recvfrom(2048)
        mine = b"I" * 20 + socket.inet_pton(socket.AF_INET6, "::1") + struct.pack(">H", first.getsockname()[1])
        if b"6:nodes638:" + mine not in data:
            fail("IPv6 reply does not hand out the verified IPv6 node: %r" % data)
        print("IPv6: querier verified and handed out in nodes6")
        first.close()
        second.close()
    finally:
        stop(router, "IPv6 router")


def main():
    for f in (BTNODE, DHT_LOAD):
        if not os.path.exists(f):
            fail("%s not found (set BTNODE / DHT_LOAD)" % f)
    tmp = tempfile.mkdtemp(prefix="btnode-router-cli-")
    state = os.path.join(tmp, "router")
    out = os.path.join(tmp, "router.out")
    router = start(router_args(state), out)
    again = None
    try:
        wait_for("the router to listen", lambda: last(out, "listening"), 5)
        check_nodes_join(tmp)
        check_load_and_flood()
        check_ipv6(tmp)
        time.sleep(1.2)
        stats = last(out, "stats")
        for key in ("received", "answered", "dropped_rate", "verified", "nodes_v4",
                    "verified_share", "dropped_malformed", "bad_cookie"):
            if key not in stats:
                fail("stats line lacks %s: %r" % (key, stats))
        if stats["dropped_rate"] == 0 or stats["nodes_v4"] < len(NODES):
            fail("stats do not show the flood or the nodes: %r" % stats)
        stop(router, "router")
        held = stats["nodes_v4"]
        out2 = os.path.join(tmp, "router2.out")
        again = start(router_args(state), out2)
        listening = wait_for("the restarted router to listen", lambda: last(out2, "listening"), 5)
        if listening.get("loaded", 0) < held:
            fail("restart loaded %s nodes, %d were held" % (listening.get("loaded"), held))
        print("SIGTERM saved %d nodes; restart loaded %d" % (held, listening["loaded"]))
        stop(again, "restarted router")
        print("PASS")
    finally:
        for p in (router, again):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
