#!/usr/bin/python3
"""btnode <-> btnode DHT on loopback, through the command line only.

One `btnode bootstrap --full-node` router and two more such nodes joining
through it (127.0.8.x); then the one-shot `btnode dht` commands against
them (ping, find-node, announce, get-peers, --json, timeouts, usage errors),
and SIGTERM: exit 0 with the table saved, and a restart that reloads the id
and rejoins through the saved nodes alone.

Run standalone: BTNODE=build/node/tools/btnode /usr/bin/python3 tests/integration/dht_cli_test.py
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
from btnode_proc import BTNODE, fail, json_lines, wait_for

NET = "127.0.8."
PORT = 6881
ROUTER = NET + "2:%d" % PORT
CMD_TIMEOUT = 30


def btnode(*args, timeout=CMD_TIMEOUT):
    p = subprocess.run([BTNODE, *args], capture_output=True, text=True, timeout=timeout,
                       errors="replace")
    return p.returncode, p.stdout, p.stderr


class Node:
    """A `btnode bootstrap` process with JSON output and 1 s stats lines."""

    def __init__(self, host, state_dir, log_dir, bootstrap):
        self.host = host
        self.endpoint = "%s:%d" % (host, PORT)
        name = host.replace(".", "_")
        self.out_path = os.path.join(log_dir, name + ".out")
        self.err_path = os.path.join(log_dir, name + ".err")
        args = [BTNODE, "bootstrap", "--full-node", "--json", "--log-level", "info", "--bind", host,
                "--listen", str(PORT), "--state-dir", state_dir, "--stats-interval", "1"]
        for b in bootstrap:
            args += ["--bootstrap", b]
        self.proc = subprocess.Popen(args, stdout=open(self.out_path, "w"),
                                     stderr=open(self.err_path, "w"))

    def lines(self):
        with open(self.out_path) as f:
            return json_lines(f.read())

    def event(self, name):
        found = [l for l in self.lines() if l.get("event") == name]
        return found[-1] if found else None

    def nodes(self):
        return (self.event("stats") or {}).get("nodes_v4", 0)

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("%s did not exit within 10 s of signal %d" % (self.endpoint, sig))
        if code != 0:
            fail("%s exited %d on signal %d: %s" % (self.endpoint, code, sig, self.stderr()[-500:]))


def check_usage_errors():
    code, _, err = btnode("dht", "get-peers", "not-hex")
    if code != 2:
        fail("get-peers with a bad info-hash: exit %d, want 2 (%s)" % (code, err.strip()))
    code, _, err = btnode("dht", "announce", "00" * 20, "--bind", NET + "9")
    if code != 1 or "--port" not in err:
        fail("announce without --port: exit %d, stderr %r" % (code, err))


def check_ping(router):
    code, out, err = btnode("dht", "ping", ROUTER, "--bind", NET + "10", "--json")
    if code != 0:
        fail("dht ping: exit %d: %s" % (code, err.strip()))
    answer = json_lines(out)[0]
    if answer["id"] != router.event("listening")["id"] or answer["endpoint"] != ROUTER:
        fail("dht ping answered %r, router is %r" % (answer, router.event("listening")))
    code, out, err = btnode("dht", "ping", ROUTER, "--bind", NET + "10")
    if code != 0 or not out.startswith(answer["id"]):
        fail("dht ping (text): exit %d, stdout %r" % (code, out))
    # Nobody listens there: a bounded wait and one line on stderr.
    start = time.monotonic()
    code, out, err = btnode("dht", "ping", NET + "99:%d" % PORT, "--bind", NET + "10",
                            "--timeout", "1")
    took = time.monotonic() - start
    if code != 1 or "no answer within 1 s" not in err or len(err.strip().splitlines()) != 1:
        fail("ping of a silent address: exit %d, stderr %r" % (code, err))
    if took > 5:
        fail("ping --timeout 1 took %.1f s" % took)
    print("dht ping: id matches; silent address fails after %.1f s" % took)


def check_find_node(nodes):
    ids = {n.event("listening")["id"] for n in nodes}
    code, out, err = btnode("dht", "find-node", "00" * 20, "--bind", NET + "11",
                            "--bootstrap", ROUTER, "--json")
    if code != 0:
        fail("dht find-node: exit %d: %s" % (code, err.strip()))
    found = {l["id"] for l in json_lines(out)}
    if not ids <= found:
        fail("find-node found %s, want all of %s" % (sorted(found), sorted(ids)))
    print("dht find-node: all %d nodes found" % len(ids))


def check_announce_and_get_peers():
    info_hash = os.urandom(20).hex()
    code, out, err = btnode("dht", "announce", info_hash, "--port", "5555", "--bind", NET + "12",
                            "--bootstrap", ROUTER, "--json")
    if code != 0:
        fail("dht announce: exit %d: %s" % (code, err.strip()))
    result = json_lines(out)[0]
    if result["announced"] < 3:
        fail("announce reached only %d nodes" % result["announced"])
    # Ask through a different node than the one announced through.
    code, out, err = btnode("dht", "get-peers", info_hash, "--bind", NET + "13",
                            "--bootstrap", NET + "4:%d" % PORT)
    if code != 0 or out.split() != [NET + "12:5555"]:
        fail("get-peers: exit %d, stdout %r, stderr %r" % (code, out, err))
    code, out, err = btnode("dht", "get-peers", os.urandom(20).hex(), "--bind", NET + "13",
                            "--bootstrap", ROUTER)
    if code != 1 or "no peers" not in err:
        fail("get-peers of an unknown hash: exit %d, stderr %r" % (code, err))
    print("dht announce -> get-peers: peer found; unknown hash fails cleanly")


def check_restart(node, state_dir, log_dir):
    old_id = node.event("listening")["id"]
    node.stop(signal.SIGTERM)
    saved = os.path.join(state_dir, "dht-state.bencode")
    if not os.path.exists(saved):
        fail("no state file after SIGTERM")
    # The only router given is dead: the saved nodes must do.
    again = Node(node.host, state_dir, log_dir, bootstrap=[NET + "99:1"])
    try:
        wait_for("the restarted node to print its id", lambda: again.event("listening"), 5)
        if again.event("listening")["id"] != old_id:
            fail("restart changed the id: %s -> %s" % (old_id, again.event("listening")["id"]))
        wait_for("the restarted node to rejoin from saved nodes", lambda: again.nodes() >= 2, 15)
        if "loaded" not in again.stderr():
            fail("restart did not report loading its state: " + again.stderr()[-500:])
    finally:
        again.stop(signal.SIGINT)
    print("SIGTERM saved state; restart kept id %s… and rejoined from saved nodes" % old_id[:8])


def main():
    if not os.path.exists(BTNODE):
        fail("btnode binary not found at %s (set BTNODE)" % BTNODE)
    tmp = tempfile.mkdtemp(prefix="btnode-dht-cli-")
    nodes = []
    try:
        check_usage_errors()
        router = Node(NET + "2", os.path.join(tmp, "s2"), tmp, bootstrap=[ROUTER])
        nodes.append(router)
        wait_for("the router to listen", lambda: router.event("listening"), 5)
        # One at a time: a node joining while the router still knows nobody
        # hears of no one, and in a 3-node network nothing else introduces it
        # before the next bucket refresh.
        for i in (3, 4):
            nodes.append(Node(NET + str(i), os.path.join(tmp, "s%d" % i), tmp, [ROUTER]))
            wait_for("the router to know %d nodes" % (i - 2), lambda: router.nodes() >= i - 2, 10)
        wait_for("each node to know the other two", lambda: all(n.nodes() >= 2 for n in nodes), 15)
        check_ping(router)
        check_find_node(nodes)
        check_announce_and_get_peers()
        check_restart(nodes.pop(), os.path.join(tmp, "s4"), tmp)
        for n in nodes:
            n.stop(signal.SIGINT)
        nodes = []
        print("PASS")
    finally:
        for n in nodes:
            if n.proc.poll() is None:
                n.proc.kill()
                print(n.endpoint, n.stderr()[-1500:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
