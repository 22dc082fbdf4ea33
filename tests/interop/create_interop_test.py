#!/usr/bin/python3
"""Torrents made by `btnode create` against libtorrent 2.0 and aria2, and
torrents made by mktorrent and libtorrent against `btnode info`.

Each case compares info-hash, name, total size and the file list. libtorrent
also hash-checks btnode-created content (force recheck -> seeding).

Run standalone: BTNODE=build/cli/tools/btnode /usr/bin/python3 tests/interop/create_interop_test.py
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import libtorrent as lt

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
TIMEOUT = 120      # seconds per external command
RECHECK_WAIT = 60  # seconds for libtorrent to finish a recheck
MIB = 1 << 20

# name -> list of (relative path, size); a single entry with path "" is a single-file torrent.
CASES = {
    "single_1": [("", 1)],
    "single_16383": [("", 16383)],
    "single_16385": [("", 16385)],
    "single_1mib_plus_7": [("", MIB + 7)],
    "multi_flat": [("a.bin", 40000), ("b.bin", 16384), ("c.bin", 3)],
    "multi_nested": [("top.bin", 16385), ("d1/x.bin", 1), ("d1/d2/y.bin", 16383),
                     ("d1/d2/d3/z.bin", 100000), ("d1/zero.bin", 0), ("e/f/g.bin", MIB + 7)],
}


def sh(args, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, errors="replace", **kw)
    if p.returncode != 0:
        raise AssertionError(f"{args[0]} exited {p.returncode}: {p.stderr.strip()[-500:]}")
    return p.stdout


def btnode_json(*args):
    out = sh([BTNODE, "--json", *args])
    return json.loads(out.strip().splitlines()[-1])


def make_content(base, name, files):
    """Writes the case's content under base; returns the path to share."""
    path = os.path.join(base, name)
    if files[0][0] == "":
        with open(path, "wb") as f:
            f.write(os.urandom(files[0][1]))
        return path
    for rel, size in files:
        p = os.path.join(path, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(os.urandom(size))
    return path


def expected_files(name, files):
    if files[0][0] == "":
        return [(name, files[0][1])]
    return sorted((f"{name}/{rel}", size) for rel, size in files)


def lt_view(torrent):
    """(v1 hex, name, total size, sorted non-pad files) as libtorrent sees them."""
    ti = lt.torrent_info(torrent)
    fs = ti.files()
    files = sorted((fs.file_path(i).replace(os.sep, "/"), fs.file_size(i))
                   for i in range(fs.num_files()) if not fs.file_flags(i) & lt.file_storage.flag_pad_file)
    return str(ti.info_hashes().v1), ti.name(), ti.total_size(), files


def btnode_view(torrent):
    info = btnode_json("info", torrent)
    files = sorted((f["path"], f["size"]) for f in info["files"] if not f["pad"])
    return info["info_hash"], info["name"], info["total_size"], files


def aria2_view(torrent):
    """Parses `aria2c -S`: info-hash, name, total length and the file table."""
    out = sh(["aria2c", "-S", torrent])
    ih = re.search(r"^Info Hash: ([0-9a-f]{40})$", out, re.M).group(1)
    name = re.search(r"^Name: (.*)$", out, re.M).group(1)
    total = int(re.search(r"^Total Length: .*\(([\d,]+)\)$", out, re.M).group(1).replace(",", ""))
    rows = re.findall(r"^\s*\d+\|(.*)\n\s*\|.*\(([\d,]+)\)$", out, re.M)
    files = sorted((re.sub(r"^\./", "", p), int(s.replace(",", ""))) for p, s in rows)
    return ih, name, total, files


def lt_create(path, torrent, piece_size, v1_only=True):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    flags = lt.create_torrent.v1_only if v1_only else 0
    ct = lt.create_torrent(fs, piece_size, flags=flags)
    lt.set_piece_hashes(ct, os.path.dirname(path))
    with open(torrent, "wb") as f:
        f.write(lt.bencode(ct.generate()))


class CreateInteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="btnode_create_interop_")
        cls.content = os.path.join(cls.tmp, "content")
        os.makedirs(cls.content)
        cls.paths = {name: make_content(cls.content, name, files) for name, files in CASES.items()}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def torrent_path(self, tool, name):
        return os.path.join(self.tmp, f"{tool}-{name}.torrent")

    def btnode_create(self, name, piece_size=16384):
        out = self.torrent_path("btnode", name)
        created = btnode_json("create", self.paths[name], "-o", out, "--piece-size", str(piece_size))
        return out, created

    def test_btnode_torrents_load_in_libtorrent_and_aria2(self):
        for name, files in CASES.items():
            with self.subTest(case=name):
                torrent, created = self.btnode_create(name)
                want = (created["info_hash"], name, sum(s for _, s in files),
                        expected_files(name, files))
                self.assertEqual(lt_view(torrent), want, "libtorrent disagrees")
                self.assertEqual(aria2_view(torrent), want, "aria2 disagrees")
                self.assertEqual(btnode_view(torrent), want, "btnode info disagrees")

    def test_default_piece_size_loads_in_libtorrent(self):
        torrent = self.torrent_path("btnode-auto", "multi_nested")
        created = btnode_json("create", self.paths["multi_nested"], "-o", torrent)
        ih, _, total, _ = lt_view(torrent)
        self.assertEqual(ih, created["info_hash"])
        self.assertEqual(lt.torrent_info(torrent).piece_length(), created["piece_length"])
        self.assertEqual(lt.torrent_info(torrent).num_pieces(), created["piece_count"])

    def test_mktorrent_torrents_parse_in_btnode(self):
        for name, files in CASES.items():
            with self.subTest(case=name):
                torrent = self.torrent_path("mktorrent", name)
                sh(["mktorrent", "-l", "15", "-a", "http://tracker.example/announce",
                    "-o", torrent, self.paths[name]])
                self.assertEqual(btnode_view(torrent), lt_view(torrent))
                # mktorrent puts the announce URL in; btnode must show it.
                info = btnode_json("info", torrent)
                self.assertEqual(info["trackers"], [["http://tracker.example/announce"]])
                self.assertEqual(btnode_json("verify", torrent, self.content)["bad"], [])

    def test_libtorrent_v1_torrents_parse_in_btnode(self):
        for name, files in CASES.items():
            with self.subTest(case=name):
                torrent = self.torrent_path("lt-v1", name)
                lt_create(self.paths[name], torrent, 16384, v1_only=True)
                view = btnode_view(torrent)
                self.assertEqual(view, lt_view(torrent))
                self.assertEqual(view, aria2_view(torrent))
                ver = btnode_json("verify", torrent, self.content)
                self.assertEqual((ver["valid"], ver["bad"], ver["missing"]),
                                 (ver["total"], [], []))

    def test_libtorrent_hybrid_torrent_parses_with_v1_hash(self):
        for name in ("multi_nested", "single_16385"):
            with self.subTest(case=name):
                torrent = self.torrent_path("lt-hybrid", name)
                lt_create(self.paths[name], torrent, 16384, v1_only=False)
                ti = lt.torrent_info(torrent)
                self.assertTrue(ti.info_hashes().has_v2(), "expected a hybrid torrent")
                info = btnode_json("info", torrent)
                self.assertEqual(info["info_hash"], str(ti.info_hashes().v1))
                self.assertEqual(info["total_size"], ti.total_size())  # pad files included
                fs = ti.files()
                pads = sum(1 for i in range(fs.num_files())
                           if fs.file_flags(i) & lt.file_storage.flag_pad_file)
                self.assertEqual(sum(1 for f in info["files"] if f["pad"]), pads)
                # Pad files are zeros that are never on disk; verify must cope.
                ver = btnode_json("verify", torrent, self.content)
                self.assertEqual(ver["valid"], ver["total"], ver)

    def test_libtorrent_rechecks_btnode_content(self):
        ses = lt.session({"listen_interfaces": "127.0.0.1:0", "enable_dht": False,
                          "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                          "alert_mask": lt.alert.category_t.status_notification
                          | lt.alert.category_t.error_notification})
        try:
            for name in ("multi_nested", "single_1mib_plus_7", "single_1"):
                with self.subTest(case=name):
                    torrent, created = self.btnode_create(name)
                    params = lt.add_torrent_params()
                    params.ti = lt.torrent_info(torrent)
                    params.save_path = self.content
                    params.flags &= ~lt.torrent_flags.auto_managed
                    params.flags |= lt.torrent_flags.paused
                    h = ses.add_torrent(params)
                    h.force_recheck()
                    h.resume()
                    status = self.wait_checked(ses, h)
                    self.assertEqual(status.num_pieces, created["piece_count"], status.errc.message())
                    self.assertTrue(status.is_seeding, f"state {status.state}")
                    ses.remove_torrent(h)
            self.check_libtorrent_rejects_corruption(ses)
        finally:
            del ses

    def check_libtorrent_rejects_corruption(self, ses):
        """Negative control: the same check must fail on one flipped byte."""
        name = "single_1mib_plus_7"
        torrent, created = self.btnode_create(name)
        bad_dir = os.path.join(self.tmp, "corrupt")
        os.makedirs(bad_dir, exist_ok=True)
        copy = os.path.join(bad_dir, name)
        shutil.copyfile(self.paths[name], copy)
        with open(copy, "r+b") as f:
            f.seek(5 * 16384 + 9)
            b = f.read(1)
            f.seek(5 * 16384 + 9)
            f.write(bytes([b[0] ^ 1]))
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(torrent)
        params.save_path = bad_dir
        params.flags &= ~lt.torrent_flags.auto_managed
        params.flags |= lt.torrent_flags.paused
        h = ses.add_torrent(params)
        h.force_recheck()
        h.resume()
        status = self.wait_checked(ses, h)
        self.assertFalse(status.is_seeding)
        self.assertEqual(status.num_pieces, created["piece_count"] - 1)
        self.assertFalse(status.pieces[5])
        ses.remove_torrent(h)

    def wait_checked(self, ses, handle):
        """Waits for libtorrent's torrent_checked_alert, then for it to seed."""
        deadline = time.monotonic() + RECHECK_WAIT
        checked_at = None  # a short grace after the alert for the state to settle
        while time.monotonic() < deadline:
            ses.wait_for_alert(100)
            for a in ses.pop_alerts():
                if isinstance(a, (lt.file_error_alert, lt.torrent_error_alert)):
                    self.fail(f"libtorrent: {a.message()}")
                if isinstance(a, lt.torrent_checked_alert) and a.handle == handle:
                    checked_at = checked_at or time.monotonic()
            s = handle.status()
            if checked_at and s.state not in (lt.torrent_status.checking_files,
                                              lt.torrent_status.checking_resume_data):
                if s.is_seeding or time.monotonic() > checked_at + 3:
                    return s
        self.fail(f"libtorrent did not finish checking within {RECHECK_WAIT} s "
                  f"(state {handle.status().state})")


if __name__ == "__main__":
    if not os.path.isfile(BTNODE) or not os.access(BTNODE, os.X_OK):
        sys.exit(f"create_interop_test: btnode binary not found at {BTNODE} (set BTNODE)")
    for tool in ("aria2c", "mktorrent"):
        if shutil.which(tool) is None:
            sys.exit(f"create_interop_test: {tool} not installed (scripts/deps.sh)")
    unittest.main(verbosity=2)
