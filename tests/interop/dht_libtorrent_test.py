#!/usr/bin/python3
"""btnode's DHT against libtorrent 2.0's on loopback.

Ten libtorrent DHT sessions (127.0.7.11-20, introduced to each other in a
ring) and a `btnode bootstrap` node that joins through one of them, then:
  * btnode's table fills from the libtorrent nodes, and libtorrent's table
    gains the btnode node (libtorrent answers it and keeps it);
  * `btnode dht ping` gets the libtorrent node's own id back;
  * `btnode dht get-peers` finds a peer a libtorrent session announced;
  * a libtorrent session's get_peers finds a peer `btnode dht announce` stored;
  * SIGINT stops the bootstrap node with exit 0 and its table saved.

Run standalone: BTNODE=build/node/tools/btnode /usr/bin/python3 tests/interop/dht_libtorrent_test.py
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
from btnode_proc import BTNODE, fail, json_lines, wait_for

import libtorrent as lt

NET = "127.0.7."
LT_HOSTS = [NET + str(11 + i) for i in range(10)]
PORT = 6881
BOOTSTRAP = (NET + "2", PORT)
CMD_TIMEOUT = 30


def lt_session(host):
    return lt_dht.session(host, PORT, alert_mask=(
        lt.alert.category_t.dht_notification | lt.alert.category_t.status_notification
        | lt.alert.category_t.dht_operation_notification))


def btnode(*args, timeout=CMD_TIMEOUT):
    p = subprocess.run([BTNODE, *args], capture_output=True, text=True, timeout=timeout,
                       errors="replace")
    return p.returncode, p.stdout, p.stderr


class Bootstrap:
    """A `btnode bootstrap` process printing a JSON stats line every second."""

    def __init__(self, state_dir, log_dir):
        self.out_path = os.path.join(log_dir, "bootstrap.out")
        self.err_path = os.path.join(log_dir, "bootstrap.err")
        self.proc = subprocess.Popen(
            [BTNODE, "bootstrap", "--full-node", "--json", "--log-level", "info", "--bind", BOOTSTRAP[0],
             "--listen", str(BOOTSTRAP[1]), "--bootstrap", "%s:%d" % (LT_HOSTS[0], PORT),
             "--state-dir", state_dir, "--stats-interval", "1"],
            stdout=open(self.out_path, "w"), stderr=open(self.err_path, "w"))

    def lines(self):
        with open(self.out_path) as f:
            return json_lines(f.read())

    def last_stats(self):
        stats = [l for l in self.lines() if l.get("event") == "stats"]
        return stats[-1] if stats else None

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("btnode bootstrap did not exit within 10 s of SIGINT")

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()


def check_tables(sessions, boot):
    stats = wait_for("btnode's table to hold >= 5 libtorrent nodes",
                     lambda: (boot.last_stats() or {}).get("nodes_v4", 0) >= 5 and boot.last_stats(),
                     25)
    print("btnode bootstrap node: %d nodes after joining" % stats["nodes_v4"])
    holders = wait_for("a libtorrent table to hold the btnode node",
                       lambda: [s for s in sessions if BOOTSTRAP in lt_dht.table_endpoints(s)], 25)
    print("libtorrent sessions holding btnode in their table: %d" % len(holders))


def check_ping(sessions):
    target = sessions[4]
    code, out, err = btnode("dht", "ping", "%s:%d" % (LT_HOSTS[4], PORT), "--bind", NET + "3",
                            "--json", "--timeout", "5")
    if code != 0:
        fail("btnode dht ping of libtorrent: exit %d: %s" % (code, err.strip()))
    answer = json_lines(out)[0]
    if answer["id"] != lt_dht.node_id(target):
        fail("ping answered id %s, libtorrent's id is %s" % (answer["id"], lt_dht.node_id(target)))
    print("btnode dht ping: libtorrent answered with its id in %.1f ms" % answer["rtt_ms"])


def check_get_peers_finds_libtorrent_announce(sessions, save_path):
    # session.dht_announce() needs a flags type the Python binding does not
    # export, so announce the ordinary way: a magnet-only torrent, which
    # libtorrent announces on the DHT with its listen port.
    info_hash = os.urandom(20)
    params = lt.parse_magnet_uri("magnet:?xt=urn:btih:" + info_hash.hex())
    params.save_path = save_path
    sessions[2].add_torrent(params)
    wanted = "%s:%d" % (LT_HOSTS[2], PORT)

    def found():
        code, out, err = btnode("dht", "get-peers", info_hash.hex(), "--bind", NET + "4",
                                "--bootstrap", "%s:%d" % BOOTSTRAP, "--json", "--timeout", "10")
        return wanted in [l.get("peer") for l in json_lines(out)]

    wait_for("btnode dht get-peers to find libtorrent's announced peer " + wanted, found, 40, 1)
    print("btnode dht get-peers found libtorrent's peer %s" % wanted)


def lt_get_peers(ses, info_hash, limit_s=5):
    ses.dht_get_peers(lt.sha1_hash(info_hash))
    deadline = time.monotonic() + limit_s
    peers = set()
    while time.monotonic() < deadline:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            if isinstance(a, lt.dht_get_peers_reply_alert) and bytes(a.info_hash.to_bytes()) == info_hash:
                peers.update("%s:%d" % p for p in a.peers())
    return peers


def check_libtorrent_finds_btnode_announce(sessions):
    info_hash = os.urandom(20)
    code, out, err = btnode("dht", "announce", info_hash.hex(), "--port", "7777", "--bind",
                            NET + "5", "--bootstrap", "%s:%d" % BOOTSTRAP, "--json")
    if code != 0:
        fail("btnode dht announce: exit %d: %s" % (code, err.strip()))
    print("btnode dht announce: %s" % json_lines(out)[0])
    wanted = NET + "5:7777"
    seeker = sessions[7]
    wait_for("libtorrent's get_peers to find btnode's announced peer " + wanted,
             lambda: wanted in lt_get_peers(seeker, info_hash), 40, 0)
    print("libtorrent dht_get_peers found btnode's peer %s" % wanted)


def check_stop_saves_state(boot, state_dir):
    code = boot.stop()
    if code != 0:
        fail("btnode bootstrap exited %d on SIGINT: %s" % (code, boot.stderr()[-500:]))
    path = os.path.join(state_dir, "dht-state.bencode")
    if not os.path.exists(path) or os.path.getsize(path) < 20 + 26:
        fail("no routing table saved at %s" % path)
    print("bootstrap node stopped cleanly; state saved (%d bytes)" % os.path.getsize(path))


def main():
    if not os.path.exists(BTNODE):
        fail("btnode binary not found at %s (set BTNODE)" % BTNODE)
    tmp = tempfile.mkdtemp(prefix="btnode-dht-lt-")
    state_dir = os.path.join(tmp, "state")
    sessions = [lt_session(h) for h in LT_HOSTS]
    boot = None
    try:
        # libtorrent never keeps its dht_bootstrap_nodes; introduce the nodes.
        lt_dht.introduce(sessions, LT_HOSTS, PORT)
        time.sleep(1)
        boot = Bootstrap(state_dir, tmp)
        check_tables(sessions, boot)
        check_ping(sessions)
        check_get_peers_finds_libtorrent_announce(sessions, os.path.join(tmp, "lt-data"))
        check_libtorrent_finds_btnode_announce(sessions)
        check_stop_saves_state(boot, state_dir)
        boot = None
        print("PASS")
    finally:
        if boot is not None and boot.proc.poll() is None:
            boot.proc.kill()
            print(boot.stderr()[-2000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
