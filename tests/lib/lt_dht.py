"""libtorrent 2.0 DHT sessions on loopback, shared by the interop tests and
tools/bench/magnet_bench.py (imported, never run as a test).

Loopback DHT networks need libtorrent's 127/8 restrictions and rate limits
lifted (INTEROP.md); libtorrent never keeps its dht_bootstrap_nodes in its
table, so a network of sessions is introduced node to node.
"""
import socket
import struct
import warnings

import libtorrent as lt

# For sessions that also transfer torrents on loopback: TCP only, and many
# peers behind one address.
PEER_WIRE = {
    "enable_outgoing_utp": False,
    "enable_incoming_utp": False,
    "allow_multiple_connections_per_ip": True,
}


def settings(host, port, bootstrap="", alert_mask=0, **extra):
    """Settings for a DHT session listening on host:port with no LSD/UPnP/NAT-PMP."""
    s = {
        "listen_interfaces": "%s:%d" % (host, port),
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "dht_bootstrap_nodes": bootstrap,
        # INTEROP.md: without these all of 127/8 counts as one network.
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False,
        "dht_prefer_verified_node_ids": False,
        "dht_enforce_node_id": False,
        # Lift the shipped rate limits (about 25 queries/s, ban at 5/s per IP).
        "dht_upload_rate_limit": 1000000,
        "dht_block_ratelimit": 100000,
        "alert_mask": alert_mask,
    }
    s.update(extra)
    return s


def session(host, port, bootstrap="", alert_mask=0, **extra):
    return lt.session(settings(host, port, bootstrap, alert_mask, **extra))


def introduce(sessions, hosts, port, steps=(1, 2, 3)):
    """Adds to session i the nodes hosts[i + step] (a ring with chords)."""
    for i, ses in enumerate(sessions):
        for step in steps:
            ses.add_dht_node((hosts[(i + step) % len(hosts)], port))


def dht_state(ses):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ses.dht_state()


def node_id(ses):
    """The session's IPv4 node id as hex, or None before it has one."""
    ids = dht_state(ses).get(b"node-id") or []
    return ids[0][:20].hex() if ids else None


def table_endpoints(ses):
    """(ip, port) of the IPv4 nodes in the session's routing table."""
    out = set()
    for raw in dht_state(ses).get(b"nodes") or []:
        if len(raw) == 6:
            out.add((socket.inet_ntoa(raw[:4]), struct.unpack(">H", raw[4:])[0]))
    return out


def table_sizes(sessions):
    """The routing-table size (status().dht_nodes) of each session."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [s.status().dht_nodes for s in sessions]
