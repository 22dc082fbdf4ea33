#!/usr/bin/python3
"""Anchor for transfer_bench.sh: libtorrent (python3-libtorrent) moving one
torrent over loopback, seed on 127.0.0.1, leech on 127.0.0.2, no DHT, no
encryption, TCP only.

usage: lt_pair.py seed DIR TORRENT PORT [full]   serve until killed ("full":
                                                 check the data first instead
                                                 of trusting it)
       lt_pair.py leech DIR TORRENT PORT [SEED_HOST:]SEED_PORT
                                                 download from the seed (default
                                                 host 127.0.0.1), print
                                                 "SECONDSs RATE MB/s"
"""
import sys
import time

import libtorrent as lt

LIMIT_S = 600


def session(ip, port):
    return lt.session({
        "listen_interfaces": f"{ip}:{port}", "enable_dht": False, "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False, "alert_mask": 0,
        "allow_multiple_connections_per_ip": True,
        "enable_outgoing_utp": False, "enable_incoming_utp": False,
        # 2 = disabled: plaintext both ways, like btnode's --encryption disable.
        "out_enc_policy": 2, "in_enc_policy": 2,
    })


def seed(directory, info, port, full_check):
    s = session("127.0.0.1", port)
    flags = 0 if full_check else lt.torrent_flags.seed_mode
    s.add_torrent({"ti": info, "save_path": directory, "flags": flags})
    while True:
        time.sleep(1)


def leech(directory, info, port, seed):
    s = session("127.0.0.2", port)
    start = time.monotonic()
    h = s.add_torrent({"ti": info, "save_path": directory})
    host, _, seed_port = seed.rpartition(":")
    h.connect_peer((host or "127.0.0.1", int(seed_port)))
    while not h.status().is_seeding:
        if time.monotonic() - start > LIMIT_S:
            sys.exit(f"lt_pair: not complete after {LIMIT_S} s")
        time.sleep(0.02)
    seconds = time.monotonic() - start
    print(f"{seconds:.3f}s {info.total_size() / seconds / 1e6:.1f} MB/s")


def main():
    mode, directory, info, port = sys.argv[1], sys.argv[2], lt.torrent_info(sys.argv[3]), int(sys.argv[4])
    if mode == "seed":
        seed(directory, info, port, len(sys.argv) > 5)
    elif mode == "leech":
        leech(directory, info, port, sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
