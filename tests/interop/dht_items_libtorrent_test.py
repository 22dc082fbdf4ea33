#!/usr/bin/python3
"""BEP 44 items and BEP 51 samples between btnode and libtorrent 2.0.

Ten libtorrent DHT sessions (127.0.5.11-20, introduced to each other in a
ring); btnode's one-shot `dht` commands join through them. Checks:
  * a mutable item libtorrent put (dht_put_mutable_item) is read by
    `btnode dht get PUBLIC_KEY --salt S`;
  * a mutable item `btnode dht put --key-file --salt` stored is read by
    libtorrent (dht_get_mutable_item), and a second btnode put (seq + 1)
    replaces it there;
  * immutable items both ways (dht_put_immutable_item / dht_get_immutable_item);
  * `btnode dht sample` collects info-hashes libtorrent nodes store (BEP 51).

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/dht_items_libtorrent_test.py
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import lt_dht
from btnode_proc import BTNODE, fail, json_lines

import libtorrent as lt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

NET = "127.0.5."
LT_HOSTS = [NET + str(11 + i) for i in range(10)]
PORT = 6881
CMD_TIMEOUT = 30


def lt_session(host):
    # BEP 51: a fresh sample on every query (the default caches one for 6 h).
    return lt_dht.session(
        host, PORT, dht_sample_infohashes_interval=0,
        alert_mask=lt.alert.category_t.dht_notification | lt.alert.category_t.status_notification)


RUNS = [0]


def btnode(*args, timeout=CMD_TIMEOUT):
    # Each command from its own address (127.0.5.30-69): libtorrent keeps
    # per-IP state (rate limits, tokens) and a loopback bind allows local nodes.
    RUNS[0] += 1
    boot = ["--bind", NET + str(30 + RUNS[0] % 40)]
    for h in LT_HOSTS[:3]:
        boot += ["--bootstrap", "%s:%d" % (h, PORT)]
    p = subprocess.run([BTNODE, "dht", *args, *boot], capture_output=True, text=True,
                       timeout=timeout, errors="replace")
    return p.returncode, p.stdout, p.stderr


def retry(what, attempt, limit_s):
    """Calls attempt() until it returns something true (bounded in time)."""
    deadline = time.monotonic() + limit_s
    last = None
    while time.monotonic() < deadline:
        value, last = attempt()
        if value:
            return value
        time.sleep(0.5)
    fail("timed out after %ss: %s (last: %s)" % (limit_s, what, last))


def keypair(seed):
    """libtorrent's (orlp ed25519) secret key layout and the public key."""
    h = bytearray(hashlib.sha512(seed).digest())
    h[0] &= 248
    h[31] &= 63
    h[31] |= 64
    pk = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return bytes(h), pk


def wait_alert(ses, kind, match, limit_s):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        ses.wait_for_alert(200)
        for a in ses.pop_alerts():
            if isinstance(a, kind) and match(a):
                return a
    return None


def as_bytes(item):
    # The binding gives a mutable item as {'value', 'seq', 'key', ...}.
    if isinstance(item, dict):
        item = item.get("value", item.get(b"value", b""))
    return item if isinstance(item, bytes) else str(item).encode()


def check_libtorrent_mutable_read_by_btnode(sessions):
    seed = os.urandom(32)
    sk, pk = keypair(seed)
    salt = "lt-salt"
    value = "put by libtorrent %s" % os.urandom(4).hex()
    sessions[3].dht_put_mutable_item(sk, pk, value, salt)

    def attempt():
        code, out, err = btnode("get", pk.hex(), "--salt", salt, "--json", "--timeout", "10")
        lines = json_lines(out)
        return (lines and lines[0].get("value") == value and lines[0]), (code, out, err[-300:])

    got = retry("btnode dht get of libtorrent's mutable item", attempt, 40)
    print("btnode dht get read libtorrent's mutable item: seq %d, %r" % (got["seq"], got["value"]))


def lt_get_mutable(ses, pk, salt, want, limit_s=6):
    ses.dht_get_mutable_item(pk, salt)
    a = wait_alert(ses, lt.dht_mutable_item_alert,
                   lambda a: bytes(a.key) == pk and as_bytes(a.item) == want.encode(), limit_s)
    return a


def check_btnode_mutable_read_by_libtorrent(sessions, tmp):
    key_file = os.path.join(tmp, "item.key")
    salt = "bt-salt"
    value = "put by btnode %s" % os.urandom(4).hex()
    code, out, err = btnode("put", value, "--key-file", key_file, "--salt", salt, "--json")
    if code != 0:
        fail("btnode dht put (mutable): exit %d: %s" % (code, err.strip()))
    put = json_lines(out)[0]
    if oct(os.stat(key_file).st_mode & 0o777) != "0o600":
        fail("key file mode is %o, not 600" % (os.stat(key_file).st_mode & 0o777))
    print("btnode dht put (mutable): %s" % put)
    pk = bytes.fromhex(put["key"])
    a = retry("libtorrent dht_get_mutable_item of btnode's item",
              lambda: (lt_get_mutable(sessions[8], pk, salt, value), None), 40)
    print("libtorrent read btnode's mutable item: seq %d" % a.item["seq"])
    # An update: btnode finds seq 1 and puts seq 2, which libtorrent then sees.
    newer = value + " v2"
    code, out, err = btnode("put", newer, "--key-file", key_file, "--salt", salt, "--json")
    if code != 0:
        fail("btnode dht put (update): exit %d: %s" % (code, err.strip()))
    if json_lines(out)[0]["seq"] != put["seq"] + 1:
        fail("update used seq %s after %s" % (json_lines(out)[0]["seq"], put["seq"]))
    a = retry("libtorrent to see btnode's update",
              lambda: (lt_get_mutable(sessions[6], pk, salt, newer), None), 40)
    if a.item["seq"] != put["seq"] + 1:
        fail("libtorrent read seq %s, not %s" % (a.item["seq"], put["seq"] + 1))
    print("libtorrent read btnode's update: seq %d" % a.item["seq"])


def check_immutable_both_ways(sessions):
    value = "immutable from libtorrent %s" % os.urandom(4).hex()
    target = sessions[5].dht_put_immutable_item(value)
    target_hex = str(target)
    if hashlib.sha1(b"%d:%s" % (len(value), value.encode())).hexdigest() != target_hex:
        fail("libtorrent's immutable target %s is not SHA-1 of the bencoded value" % target_hex)

    def attempt():
        code, out, err = btnode("get", target_hex, "--json", "--timeout", "10")
        lines = json_lines(out)
        return (lines and lines[0].get("value") == value), (code, out, err[-300:])

    retry("btnode dht get of libtorrent's immutable item", attempt, 40)
    print("btnode dht get read libtorrent's immutable item %s" % target_hex)

    value = "immutable from btnode %s" % os.urandom(4).hex()
    code, out, err = btnode("put", value, "--json")
    if code != 0:
        fail("btnode dht put (immutable): exit %d: %s" % (code, err.strip()))
    target_hex = json_lines(out)[0]["target"]

    def lt_get():
        ses = sessions[9]
        ses.dht_get_immutable_item(lt.sha1_hash(bytes.fromhex(target_hex)))
        a = wait_alert(ses, lt.dht_immutable_item_alert,
                       lambda a: str(a.target) == target_hex and as_bytes(a.item) == value.encode(),
                       6)
        return a, None

    retry("libtorrent dht_get_immutable_item of btnode's item", lt_get, 40)
    print("libtorrent read btnode's immutable item %s" % target_hex)


def check_sample(sessions, tmp):
    hashes = set()
    for i in range(6):
        h = os.urandom(20)
        hashes.add(h.hex())
        params = lt.parse_magnet_uri("magnet:?xt=urn:btih:" + h.hex())
        params.save_path = os.path.join(tmp, "lt-data")
        sessions[i].add_torrent(params)

    def attempt():
        code, out, err = btnode("sample", "--json", "--timeout", "10")
        lines = json_lines(out)
        got = {l["info_hash"] for l in lines if "info_hash" in l}
        summary = [l for l in lines if "nodes" in l]
        return (code == 0 and hashes <= got and summary and summary[0]), (code, len(got), err[-300:])

    summary = retry("btnode dht sample to collect the 6 announced info-hashes", attempt, 50)
    print("btnode dht sample: %s" % summary)


def main():
    if not os.path.exists(BTNODE):
        fail("btnode binary not found at %s (set BTNODE)" % BTNODE)
    tmp = tempfile.mkdtemp(prefix="btnode-dht-items-lt-")
    sessions = [lt_session(h) for h in LT_HOSTS]
    try:
        lt_dht.introduce(sessions, LT_HOSTS, PORT)
        time.sleep(2)
        check_libtorrent_mutable_read_by_btnode(sessions)
        check_btnode_mutable_read_by_libtorrent(sessions, tmp)
        check_immutable_both_ways(sessions)
        check_sample(sessions, tmp)
        print("PASS")
    finally:
        del sessions
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
