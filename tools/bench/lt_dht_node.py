#!/usr/bin/python3
"""Anchor for the DHT benches: a libtorrent (python3-libtorrent) DHT node to be
loaded by dht-load.

usage: lt_dht_node.py IP PORT LIFETIME_S [fake_nodes=N] [SETTING=VALUE ...]
  SETTING=VALUE  libtorrent settings, e.g. dht_upload_rate_limit=1000000000
                 dht_block_ratelimit=1000000 to lift its limits
  fake_nodes=N   N minimal KRPC responders on 127.0.(100+i).1:7000 (one per
                 /24, which libtorrent's routing table wants on loopback),
                 added as DHT nodes so replies carry nodes; they answer every
                 query with an empty reply and take no load.
Prints "ready ..." once its table holds nodes, then runs until LIFETIME_S
passed or SIGTERM, then prints its DHT message counters.
"""
import os
import select
import signal
import socket
import sys
import threading
import time

import libtorrent as lt

COUNTERS = ("dht_messages_in", "dht_messages_in_dropped", "dht_messages_out",
            "dht_messages_out_dropped", "dht_nodes", "dht_find_node_in", "dht_get_peers_in",
            "dht_ping_in")


def parse_value(text):
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        return text


def responders(count, stopping):
    socks = []
    for i in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((f"127.0.{100 + i}.1", 7000))
        socks.append((sock, os.urandom(20)))
    ids = {sock.fileno(): node_id for sock, node_id in socks}

    def serve():
        while not stopping.is_set():
            ready, _, _ = select.select([s for s, _ in socks], [], [], 0.2)
            for sock in ready:
                data, sender = sock.recvfrom(2048)
                try:
                    query = lt.bdecode(data)
                except Exception:
                    continue
                if isinstance(query, dict) and query.get(b"y") == b"q" and b"t" in query:
                    reply = {b"t": query[b"t"], b"y": b"r",
                             b"r": {b"id": ids[sock.fileno()], b"nodes": b""}}
                    sock.sendto(lt.bencode(reply), sender)

    threading.Thread(target=serve, daemon=True).start()


def main():
    ip, port, lifetime = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    settings = {"listen_interfaces": f"{ip}:{port}", "enable_dht": True,
                "dht_bootstrap_nodes": "", "enable_lsd": False, "enable_upnp": False,
                "enable_natpmp": False, "alert_mask": 0}
    fake = 0
    for arg in sys.argv[4:]:
        key, value = arg.split("=", 1)
        if key == "fake_nodes":
            fake = int(value)
        else:
            settings[key] = parse_value(value)
    start = time.monotonic()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    session = lt.session(settings)
    while not session.is_dht_running() and time.monotonic() - start < 10:
        time.sleep(0.05)
    if fake:
        responders(fake, stopping)
        for i in range(fake):
            session.add_dht_node((f"127.0.{100 + i}.1", 7000))
        while session.status().dht_nodes < min(fake, 8) and time.monotonic() - start < 15:
            time.sleep(0.1)
    print(f"ready dht_running={session.is_dht_running()} "
          f"dht_nodes={session.status().dht_nodes}", flush=True)
    while not stopping.is_set() and time.monotonic() - start < lifetime:
        time.sleep(0.2)
    session.post_session_stats()
    time.sleep(0.3)
    for alert in session.pop_alerts():
        if isinstance(alert, lt.session_stats_alert):
            values = alert.values
            print(" ".join(f"{name}={values['dht.' + name]}" for name in COUNTERS
                           if "dht." + name in values), flush=True)
    stopping.set()


if __name__ == "__main__":
    main()
