#!/usr/bin/python3
"""Benchmark (not a test): magnet link -> verified metadata -> complete download,
btnode against libtorrent 2.0 (the anchor) on the same loopback DHT network.

The network: 20 libtorrent DHT sessions (127.0.3.201-220) introduced to each
other, and one libtorrent seed (127.0.3.230) on that DHT holding SIZE_MIB of
random data. Each round and each client gets its own torrent of the same data
(a different comment, so a different info-hash): no round finds peers or
stored announces left by an earlier one. The seed checks and announces every
torrent before the first round.

Per round, alternating which client goes first:
  btnode:     `btnode --json get MAGNET --bootstrap <a network node>` with a fresh
              state dir and address (127.0.3.236+round); times from the spawn to its `metadata` and `complete` lines.
  libtorrent: a fresh session on its own address (127.0.3.251+round%4), one network node added with
              add_dht_node, add_torrent(parse_magnet_uri(MAGNET)); times from the
              call to has_metadata and to is_seeding (default DHT settings: it
              does its own lookups). Capped at LIMIT seconds (reported as >=).
Prints each round, medians, and btnode/libtorrent ratios (target <= 0.5).

usage: magnet_bench.py BTNODE SCRATCH ROUNDS SIZE_MIB
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "tests", "lib"))
import lt_dht

import libtorrent as lt

NET = "127.0.3."
DHT_HOSTS = [NET + str(201 + i) for i in range(20)]
SEED_HOST = NET + "230"
PORT = 41000 + os.getpid() % 10000
LIMIT = 120.0


def session(host):
    return lt_dht.session(host, PORT, **lt_dht.PEER_WIRE)


def introduce(sessions, hosts):
    lt_dht.introduce(sessions, hosts, PORT, steps=(1, 2, 3, 5, 8))


def create(btnode, data, out, comment):
    p = subprocess.run([btnode, "create", data, "-o", out, "--piece-size", str(256 * 1024),
                        "--comment", comment], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("magnet_bench: create failed: " + p.stderr)
    return p.stdout.strip()


def run_btnode(btnode, magnet, scratch, tag, bootstrap, round_index):
    out = os.path.join(scratch, "bt-" + tag)
    state = os.path.join(scratch, "bt-state-" + tag)
    start = time.monotonic()
    p = subprocess.Popen(["timeout", "-s", "KILL", str(int(LIMIT)), btnode, "--json", "get", magnet,
                          "-o", out, "--bind", NET + str(236 + round_index), "--bootstrap", bootstrap,
                          "--state-dir", state], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    t_meta = t_done = None
    for line in p.stdout:
        if not line.startswith("{"):
            continue
        event = json.loads(line).get("event")
        if event == "metadata" and t_meta is None:
            t_meta = time.monotonic() - start
        elif event == "complete":
            t_done = time.monotonic() - start
    p.wait()
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)
    if p.returncode != 0 or t_meta is None or t_done is None:
        return LIMIT, LIMIT, False
    return t_meta, t_done, True


def run_libtorrent(magnet, scratch, tag, round_index):
    out = os.path.join(scratch, "lt-" + tag)
    ses = session(NET + str(251 + round_index % 4))
    ses.add_dht_node((DHT_HOSTS[round_index % len(DHT_HOSTS)], PORT))
    params = lt.parse_magnet_uri(magnet)
    params.save_path = out
    start = time.monotonic()
    h = ses.add_torrent(params)
    t_meta = t_done = None
    while time.monotonic() - start < LIMIT:
        s = h.status()
        if t_meta is None and s.has_metadata:
            t_meta = time.monotonic() - start
        if s.is_seeding:
            t_done = time.monotonic() - start
            break
        time.sleep(0.005)
    ses.remove_torrent(h)
    del ses
    shutil.rmtree(out, ignore_errors=True)
    if t_meta is None or t_done is None:
        return (t_meta or LIMIT), LIMIT, False
    return t_meta, t_done, True


def main():
    btnode, scratch, rounds, size_mib = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    seed_dir = os.path.join(scratch, "magnet-seed")
    os.makedirs(seed_dir, exist_ok=True)
    data = os.path.join(seed_dir, "data.bin")
    if not os.path.exists(data) or os.path.getsize(data) != size_mib << 20:
        with open(data, "wb") as f:
            for _ in range(size_mib):
                f.write(os.urandom(1 << 20))
    magnets = {}
    for r in range(rounds):
        for client in ("btnode", "libtorrent"):
            torrent = os.path.join(scratch, "magnet-%s-%d.torrent" % (client, r))
            magnets[(client, r)] = (torrent, create(btnode, data, torrent, "%s %d %d" % (
                client, r, os.getpid())))

    network = [session(h) for h in DHT_HOSTS]
    seed = session(SEED_HOST)
    introduce(network + [seed], DHT_HOSTS + [SEED_HOST])
    handles = [seed.add_torrent({"ti": lt.torrent_info(t), "save_path": seed_dir})
               for t, _ in magnets.values()]
    deadline = time.monotonic() + 120
    while not all(h.status().is_seeding for h in handles):
        if time.monotonic() > deadline:
            sys.exit("magnet_bench: the seed did not check its torrents")
        time.sleep(0.1)
    time.sleep(3)  # tables fill
    for h in handles:
        h.force_dht_announce()
    time.sleep(3)

    results = {"btnode": [], "libtorrent": []}
    print("round  client      metadata_s  complete_s")
    for r in range(rounds):
        order = ("btnode", "libtorrent") if r % 2 == 0 else ("libtorrent", "btnode")
        for client in order:
            torrent, magnet = magnets[(client, r)]
            tag = "%s-%d" % (client, r)
            if client == "btnode":
                res = run_btnode(btnode, magnet, scratch, tag,
                                 "%s:%d" % (DHT_HOSTS[r % len(DHT_HOSTS)], PORT), r)
            else:
                res = run_libtorrent(magnet, scratch, tag, r)
            results[client].append(res)
            mark = "" if res[2] else "  (capped: did not finish)"
            print("%5d  %-10s  %10.3f  %10.3f%s" % (r, client, res[0], res[1], mark), flush=True)

    def med(client, i):
        return statistics.median(x[i] for x in results[client])

    bt_meta, bt_done = med("btnode", 0), med("btnode", 1)
    lt_meta, lt_done = med("libtorrent", 0), med("libtorrent", 1)
    print("median over %d rounds, %d MiB, 20-node libtorrent DHT, libtorrent seed:" % (rounds, size_mib))
    print("  magnet -> verified metadata: btnode %.3f s, libtorrent %.3f s, ratio %.3f"
          % (bt_meta, lt_meta, bt_meta / lt_meta))
    print("  magnet -> complete download: btnode %.3f s, libtorrent %.3f s, ratio %.3f"
          % (bt_done, lt_done, bt_done / lt_done))


if __name__ == "__main__":
    main()
