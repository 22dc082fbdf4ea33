#!/usr/bin/python3
"""Anchor for recheck_bench.sh: seconds libtorrent (python3-libtorrent) takes
to check existing content against a torrent, from add_torrent until it leaves
the checking states.

usage: lt_recheck.py TORRENT SAVE_PATH   -> prints "SECONDS HAVE/TOTAL"
"""
import sys
import time

import libtorrent as lt

CHECKING = (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data)
LIMIT_S = 600


def main():
    torrent, save_path = sys.argv[1], sys.argv[2]
    session = lt.session({"enable_dht": False, "enable_lsd": False, "enable_upnp": False,
                          "enable_natpmp": False, "listen_interfaces": "127.0.0.1:0",
                          "alert_mask": 0})
    info = lt.torrent_info(torrent)
    start = time.monotonic()
    handle = session.add_torrent({"ti": info, "save_path": save_path})
    while time.monotonic() - start < LIMIT_S:
        status = handle.status()
        if status.has_metadata and status.state not in CHECKING:
            break
        time.sleep(0.005)
    else:
        sys.exit(f"lt_recheck: still checking after {LIMIT_S} s")
    print(f"{time.monotonic() - start:.3f} {status.num_pieces}/{info.num_pieces()}")


if __name__ == "__main__":
    main()
