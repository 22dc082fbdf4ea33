#!/usr/bin/python3
"""Magnet links between btnode and libtorrent 2.0 over a DHT-only loopback network.

Ten libtorrent DHT sessions (127.0.3.101-110, introduced to each other) form
the network; then:
  * DHT-only magnet from libtorrent: a libtorrent seed (127.0.3.111, on the
    DHT) has the torrent; `btnode get MAGNET --bootstrap <one libtorrent node>`
    is given nothing else, finds the seed, fetches the metadata, downloads;
    the content is compared byte for byte and `btnode verify` passes.
  * libtorrent resolves btnode's magnet: `btnode seed` (127.0.3.120) announces
    on that network; a libtorrent session (127.0.3.121) given only the magnet
    link finds it on the DHT, fetches the metadata from it and completes.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/magnet_libtorrent_test.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import lt_dht
from btnode_proc import BTNODE, fail

import libtorrent as lt

NET = "127.0.3."
DHT_HOSTS = [NET + str(101 + i) for i in range(10)]
PORT = 30000 + os.getpid() % 20000
LIMIT = 45


def lt_session(host):
    return lt_dht.session(host, PORT, **lt_dht.PEER_WIRE, alert_mask=(
        lt.alert.category_t.status_notification | lt.alert.category_t.error_notification))


def introduce(sessions, hosts):
    lt_dht.introduce(sessions, hosts, PORT, steps=(1, 2, 3, 5))


def make_content(tmp):
    share = os.path.join(tmp, "share")
    os.makedirs(share)
    with open(os.path.join(share, "film.bin"), "wb") as f:
        f.write(os.urandom(5 * 1024 * 1024 + 4321))
    torrent = os.path.join(tmp, "film.torrent")
    p = subprocess.run([BTNODE, "create", os.path.join(share, "film.bin"), "-o", torrent,
                        "--piece-size", "65536"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        fail("create: " + p.stderr)
    return share, torrent, p.stdout.strip()


def same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def btnode_get_from_libtorrent_seed(tmp, share, torrent, magnet, dht_sessions):
    seed = lt_session(NET + "111")
    introduce(dht_sessions + [seed], DHT_HOSTS + [NET + "111"])
    h = seed.add_torrent({"ti": lt.torrent_info(torrent), "save_path": share})
    deadline = time.monotonic() + 20
    while not h.status().is_seeding and time.monotonic() < deadline:
        time.sleep(0.1)
    if not h.status().is_seeding:
        fail("libtorrent seed did not check its content")
    time.sleep(2)  # its tables fill
    h.force_dht_announce()
    time.sleep(1)
    out = os.path.join(tmp, "from-lt")
    start = time.monotonic()
    p = subprocess.run(["timeout", "-s", "KILL", str(LIMIT), BTNODE, "--json", "get", magnet,
                        "-o", out, "--bind", NET + "130", "--bootstrap",
                        "%s:%d" % (DHT_HOSTS[0], PORT), "--state-dir", os.path.join(tmp, "st-get")],
                       capture_output=True, text=True)
    if p.returncode != 0:
        fail("btnode get from the libtorrent seed: exit %d: %s" % (p.returncode, p.stderr[-2000:]))
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    meta = [l for l in lines if l.get("event") == "metadata"]
    if not meta:
        fail("no metadata event: " + p.stdout[-1000:])
    if not same_file(os.path.join(share, "film.bin"), os.path.join(out, "film.bin")):
        fail("content from the libtorrent seed differs")
    v = subprocess.run([BTNODE, "verify", torrent, out], capture_output=True, text=True, timeout=30)
    if v.returncode != 0:
        fail("verify after get: " + v.stdout + v.stderr)
    print("ok: btnode got the magnet from a libtorrent seed over the DHT in %.1f s "
          "(metadata after %.2f s)" % (time.monotonic() - start, meta[0]["elapsed"]))
    seed.remove_torrent(h)


def libtorrent_resolves_btnode_magnet(tmp, share, torrent, magnet, dht_sessions):
    seed_log = open(os.path.join(tmp, "seed.err"), "w")
    seed = subprocess.Popen(["timeout", "-s", "KILL", "90", BTNODE, "--json", "seed", torrent, share,
                             "--bind", NET + "120", "--listen", str(PORT), "--bootstrap",
                             "%s:%d" % (DHT_HOSTS[3], PORT), "--state-dir",
                             os.path.join(tmp, "st-seed")],
                            stdout=subprocess.DEVNULL, stderr=seed_log)
    leech = None
    try:
        time.sleep(3)  # joins and announces
        leech = lt_session(NET + "121")
        introduce(dht_sessions + [leech], DHT_HOSTS + [NET + "121"])
        out = os.path.join(tmp, "lt-out")
        params = lt.parse_magnet_uri(magnet)
        params.save_path = out
        h = leech.add_torrent(params)
        start = time.monotonic()
        next_announce = 0
        while time.monotonic() - start < LIMIT:
            s = h.status()
            if s.is_seeding:
                break
            # libtorrent would wait up to 15 minutes between DHT lookups.
            if time.monotonic() > next_announce:
                h.force_dht_announce()
                next_announce = time.monotonic() + 2
            time.sleep(0.1)
        if not h.status().is_seeding:
            fail("libtorrent did not complete btnode's magnet (has_metadata=%s, progress %.2f)"
                 % (h.status().has_metadata, h.status().progress))
        if not same_file(os.path.join(share, "film.bin"), os.path.join(out, "film.bin")):
            fail("libtorrent's copy differs")
        print("ok: libtorrent resolved btnode's magnet over the DHT and completed in %.1f s"
              % (time.monotonic() - start))
    finally:
        seed.terminate()
        try:
            seed.wait(timeout=10)
        except subprocess.TimeoutExpired:
            seed.kill()
        seed_log.close()
        del leech


def main():
    tmp = tempfile.mkdtemp(prefix="btnode-magnet-lt-")
    try:
        share, torrent, magnet = make_content(tmp)
        dht_sessions = [lt_session(h) for h in DHT_HOSTS]
        introduce(dht_sessions, DHT_HOSTS)
        time.sleep(2)
        btnode_get_from_libtorrent_seed(tmp, share, torrent, magnet, dht_sessions)
        libtorrent_resolves_btnode_magnet(tmp, share, torrent, magnet, dht_sessions)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
