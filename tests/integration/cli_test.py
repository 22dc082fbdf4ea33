#!/usr/bin/python3
"""btnode create / info / verify from the outside: exit codes, --help,
round trips, corruption and truncation detection, hostile inputs.

Run standalone: BTNODE=build/cli/tools/btnode /usr/bin/python3 tests/integration/cli_test.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
TIMEOUT = 60  # seconds per btnode invocation
PIECE = 16384


def run(*args, cwd=None):
    """Runs btnode; returns (exit code, stdout, stderr)."""
    p = subprocess.run([BTNODE, *args], cwd=cwd, capture_output=True, text=True,
                       timeout=TIMEOUT, errors="replace")
    return p.returncode, p.stdout, p.stderr


def run_json(*args, cwd=None):
    code, out, err = run("--json", *args, cwd=cwd)
    lines = [l for l in out.splitlines() if l.strip()]
    obj = json.loads(lines[-1]) if lines else None
    return code, obj, err


def write_random(path, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(os.urandom(size))


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


def pieces_touching(start, length, piece=PIECE):
    """Piece indices overlapping byte range [start, start+length)."""
    if length == 0:
        return []
    return list(range(start // piece, (start + length - 1) // piece + 1))


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(bencode(k) + bencode(x) for k, x in items) + b"e"
    raise TypeError(type(v))


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode_cli_")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assert_one_line_error(self, code, out, err, what=""):
        self.assertEqual(code, 1, f"{what}: expected exit 1, got {code}; stderr={err!r}")
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, f"{what}: expected one stderr line, got {err!r}")
        self.assertTrue(lines[0].startswith("btnode: "), f"{what}: {lines[0]!r}")
        self.assertGreater(len(lines[0]), len("btnode: ") + 3, f"{what}: empty message")

    def make_tree(self):
        """Multi-file content: nested dirs, odd sizes, a 0-byte file."""
        root = os.path.join(self.tmp, "content")
        files = [("a.bin", 3 * PIECE + 100), ("dir/b.bin", 1), ("dir/sub/c.bin", 2 * PIECE - 1),
                 ("dir/sub/empty", 0), ("z.bin", PIECE + 7)]
        for rel, size in files:
            write_random(os.path.join(root, rel), size)
        return root, files

    def create(self, path, *extra):
        out = os.path.join(self.tmp, "t.torrent")
        code, obj, err = run_json("create", path, "-o", out, "--piece-size", str(PIECE), *extra)
        self.assertEqual(code, 0, err)
        return out, obj

    # ------------------------------------------------------------ exit codes
    def test_usage_errors_exit_2(self):
        for args in ([], ["frobnicate"], ["--no-such-flag"], ["create"], ["info"], ["verify"],
                     ["create", self.tmp, "--piece-size", "notanumber"],
                     ["info", "x", "--log-level", "loud"]):
            code, _, err = run(*args)
            self.assertEqual(code, 2, f"args {args}: exit {code}, stderr {err!r}")
            self.assertTrue(err.strip(), f"args {args}: no message on stderr")

    def test_help_for_every_command(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        for name in ("create", "info", "verify"):
            self.assertIn(name, out)
        for cmd, flags in (("create", ["--piece-size", "--tracker", "--web-seed", "--private",
                                       "--comment", "-o"]),
                           ("info", []), ("verify", [])):
            code, out, err = run(cmd, "--help")
            self.assertEqual(code, 0, err)
            for flag in flags + ["--json", "--log-level"]:
                self.assertIn(flag, out, f"{cmd} --help lacks {flag}")

    def test_global_flags_anywhere(self):
        root, _ = self.make_tree()
        t, _ = self.create(root)
        for args in (["--json", "info", t], ["info", t, "--json"],
                     ["--log-level", "debug", "info", "--json", t]):
            code, out, err = run(*args)
            self.assertEqual(code, 0, err)
            self.assertEqual(json.loads(out.splitlines()[-1])["name"], "content")

    # ------------------------------------------------------------ round trip
    def test_create_info_verify_round_trip(self):
        root, files = self.make_tree()
        total = sum(s for _, s in files)
        t, created = self.create(root, "--tracker", "http://tr.example/announce",
                                 "--tracker", "udp://tr2.example:6969", "--web-seed",
                                 "http://ws.example/files/", "--comment", "hello", "--private")
        self.assertTrue(os.path.isfile(t))
        self.assertEqual(created["torrent"], t)
        self.assertEqual(created["name"], "content")
        self.assertEqual(created["total_size"], total)
        self.assertEqual(created["piece_length"], PIECE)
        self.assertEqual(created["piece_count"], (total + PIECE - 1) // PIECE)
        self.assertRegex(created["info_hash"], "^[0-9a-f]{40}$")
        self.assertTrue(created["magnet"].lower().startswith(
            "magnet:?xt=urn:btih:" + created["info_hash"]))
        self.assertIsInstance(created["seconds"], float)

        code, info, err = run_json("info", t)
        self.assertEqual(code, 0, err)
        self.assertEqual(info["info_hash"], created["info_hash"])
        self.assertEqual(info["name"], "content")
        self.assertEqual(info["total_size"], total)
        self.assertEqual(info["piece_length"], PIECE)
        self.assertEqual(info["piece_count"], created["piece_count"])
        self.assertTrue(info["private"])
        real = sorted((rel, size) for rel, size in files)
        got = sorted((f["path"], f["size"]) for f in info["files"] if not f["pad"])
        self.assertEqual(got, [("content/" + rel, size) for rel, size in real])
        flat = [u for tier in info["trackers"] for u in tier]
        self.assertEqual(flat, ["http://tr.example/announce", "udp://tr2.example:6969"])
        self.assertEqual(info["web_seeds"], ["http://ws.example/files/"])
        self.assertTrue(info["magnet"].lower().startswith("magnet:?xt=urn:btih:" + info["info_hash"]))

        # Human output names the same facts.
        code, out, err = run("info", t)
        self.assertEqual(code, 0, err)
        self.assertIn(created["info_hash"], out)
        self.assertIn("content", out)
        self.assertIn("dir/sub/c.bin", out)

        # PATH defaults to the directory the .torrent is in (self.tmp).
        code, ver, err = run_json("verify", t)
        self.assertEqual(code, 0, err)
        self.assertEqual(ver["valid"], created["piece_count"])
        self.assertEqual(ver["total"], created["piece_count"])
        self.assertEqual(ver["bad"], [])
        self.assertEqual(ver["missing"], [])
        code, out, err = run("verify", t, self.tmp)
        self.assertEqual(code, 0, err)
        self.assertIn(f"{created['piece_count']}/{created['piece_count']}", out)

    def test_default_output_name_and_human_magnet(self):
        write_random(os.path.join(self.tmp, "src", "movie.bin"), 100_000)
        work = os.path.join(self.tmp, "work")
        os.makedirs(work)
        code, out, err = run("create", os.path.join(self.tmp, "src", "movie.bin"), cwd=work)
        self.assertEqual(code, 0, err)
        self.assertTrue(os.path.isfile(os.path.join(work, "movie.bin.torrent")), os.listdir(work))
        self.assertIn("magnet:?xt=urn:btih:", out)
        code, info, err = run_json("info", os.path.join(work, "movie.bin.torrent"))
        self.assertEqual(code, 0, err)
        self.assertEqual(info["files"], [{"path": "movie.bin", "size": 100_000, "pad": False}])
        self.assertIn(info["info_hash"], out.lower())
        code, ver, err = run_json("verify", os.path.join(work, "movie.bin.torrent"),
                                  os.path.join(self.tmp, "src"))
        self.assertEqual(code, 0, err)
        self.assertEqual(ver["valid"], ver["total"])

    # ------------------------------------------------------------ damage
    def test_verify_detects_corrupted_byte(self):
        root, files = self.make_tree()
        t, created = self.create(root)
        n = created["piece_count"]
        # a.bin starts at offset 0: byte 2*PIECE+5 lies in piece 2.
        flip_byte(os.path.join(root, "a.bin"), 2 * PIECE + 5)
        code, ver, err = run_json("verify", t)
        self.assertEqual(code, 1, err)
        self.assertEqual(ver["bad"], [[2, 2]])
        self.assertEqual(ver["missing"], [])
        self.assertEqual(ver["valid"], n - 1)
        code, out, _ = run("verify", t)
        self.assertEqual(code, 1)
        self.assertIn("bad pieces: 2", out)
        self.assertIn(f"{n - 1}/{n}", out)
        # A second flip in the last piece gives two ranges, human form "2, N-1".
        flip_byte(os.path.join(root, "z.bin"), PIECE + 6)
        code, ver, _ = run_json("verify", t)
        self.assertEqual(code, 1)
        self.assertEqual(ver["bad"], [[2, 2], [n - 1, n - 1]])
        code, out, _ = run("verify", t)
        self.assertIn(f"bad pieces: 2, {n - 1}", out)

    def test_verify_detects_corruption_across_pieces(self):
        path = os.path.join(self.tmp, "one.bin")
        write_random(path, 10 * PIECE + 3)
        t, created = self.create(path)
        self.assertEqual(created["piece_count"], 11)
        for off in (3 * PIECE + 1, 4 * PIECE, 5 * PIECE + 99):
            flip_byte(path, off)
        flip_byte(path, 9 * PIECE)
        code, ver, err = run_json("verify", t)
        self.assertEqual(code, 1, err)
        self.assertEqual(ver["bad"], [[3, 5], [9, 9]])
        self.assertEqual(ver["valid"], 7)
        code, out, _ = run("verify", t)
        self.assertIn("bad pieces: 3-5, 9", out)

    def test_verify_truncated_single_file(self):
        path = os.path.join(self.tmp, "one.bin")
        write_random(path, 10 * PIECE + 3)
        t, _ = self.create(path)
        os.truncate(path, 6 * PIECE + 10)  # pieces 0-5 intact, 6 partial, 7-10 gone
        code, ver, err = run_json("verify", t)
        self.assertEqual(code, 1, err)
        self.assertEqual(ver["valid"], 6)
        self.assertEqual(ver["total"], 11)
        # Every piece not fully on disk counts against it, as missing or bad.
        damaged = ver["missing"] + ver["bad"]
        covered = sorted(i for a, b in damaged for i in range(a, b + 1))
        self.assertEqual(covered, list(range(6, 11)))
        self.assertNotIn([0, 0], ver["bad"])
        code, out, _ = run("verify", t)
        self.assertEqual(code, 1)
        self.assertIn("6/11", out)

    def test_verify_missing_file_in_multi_file(self):
        root, files = self.make_tree()
        t, created = self.create(root)
        # Offsets in torrent order (paths sorted, as every creator orders them).
        offset, layout = 0, {}
        for rel, size in sorted(files):
            layout[rel] = (offset, size)
            offset += size
        os.remove(os.path.join(root, "dir", "sub", "c.bin"))
        start, size = layout["dir/sub/c.bin"]
        expect = pieces_touching(start, size)
        code, ver, err = run_json("verify", t)
        self.assertEqual(code, 1, err)
        self.assertEqual(ver["missing"], [[expect[0], expect[-1]]])
        self.assertEqual(ver["bad"], [])
        self.assertEqual(ver["valid"], created["piece_count"] - len(expect))
        code, out, _ = run("verify", t)
        self.assertIn(f"missing pieces: {expect[0]}-{expect[-1]}", out)

    def test_verify_missing_content_dir(self):
        root, _ = self.make_tree()
        t, created = self.create(root)
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        code, ver, err = run_json("verify", t, empty)
        self.assertEqual(code, 1, err)
        self.assertEqual(ver["valid"], 0)
        self.assertEqual(ver["missing"], [[0, created["piece_count"] - 1]])

    # ------------------------------------------------------------ hostile input
    def test_malformed_torrents(self):
        good_info = {"name": "x", "piece length": PIECE, "length": 5, "pieces": b"\0" * 20}
        cases = {
            "empty": b"",
            "garbage": b"this is not bencode at all",
            "truncated": bencode({"info": good_info})[:-7],
            "not_a_dict": bencode([1, 2, 3]),
            "no_info": bencode({"announce": "http://x/"}),
            "info_not_dict": bencode({"info": 5}),
            "no_pieces": bencode({"info": {k: v for k, v in good_info.items() if k != "pieces"}}),
            "pieces_not_multiple_of_20": bencode({"info": {**good_info, "pieces": b"\0" * 19}}),
            "zero_piece_length": bencode({"info": {**good_info, "piece length": 0}}),
            "negative_length": bencode({"info": {**good_info, "length": -5}}),
            "piece_count_mismatch": bencode({"info": {**good_info, "pieces": b"\0" * 40}}),
            "dotdot_path": bencode({"info": {"name": "x", "piece length": PIECE,
                                             "pieces": b"\0" * 20,
                                             "files": [{"length": 5, "path": ["..", "evil"]}]}}),
            "absolute_name": bencode({"info": {**good_info, "name": "/etc/passwd"}}),
            "deep_nesting": b"d4:info" + b"l" * 5000 + b"e" * 5000 + b"e",
            "huge_string_len": b"d4:info99999999999:xe",
        }
        for name, data in cases.items():
            path = os.path.join(self.tmp, name + ".torrent")
            with open(path, "wb") as f:
                f.write(data)
            for cmd in (["info", path], ["verify", path, self.tmp], ["--json", "info", path]):
                code, out, err = run(*cmd)
                self.assert_one_line_error(code, out, err, f"{name} {cmd[0:2]}")
        code, out, err = run("info", os.path.join(self.tmp, "does-not-exist.torrent"))
        self.assert_one_line_error(code, out, err, "nonexistent torrent")
        self.assertIn("does-not-exist.torrent", err)
        code, out, err = run("verify", os.path.join(self.tmp, "does-not-exist.torrent"))
        self.assert_one_line_error(code, out, err, "verify nonexistent torrent")

    def test_create_errors(self):
        code, out, err = run("create", os.path.join(self.tmp, "nope"), "-o",
                             os.path.join(self.tmp, "n.torrent"))
        self.assert_one_line_error(code, out, err, "create nonexistent")
        self.assertIn("nope", err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "n.torrent")))
        write_random(os.path.join(self.tmp, "f.bin"), 1000)
        code, out, err = run("create", os.path.join(self.tmp, "f.bin"), "-o",
                             os.path.join(self.tmp, "no", "such", "dir", "f.torrent"))
        self.assert_one_line_error(code, out, err, "create unwritable output")

    def test_magnets(self):
        ih = "0123456789abcdef0123456789abcdef01234567"
        link = (f"magnet:?xt=urn:btih:{ih.upper()}&dn=Some%20Name"
                "&tr=http%3A%2F%2Ftr.example%2Fannounce&tr=udp%3A%2F%2Ft2.example%3A1337"
                "&x.pe=10.0.0.1:6881")
        code, m, err = run_json("info", link)
        self.assertEqual(code, 0, err)
        self.assertEqual(m["info_hash"], ih)
        self.assertEqual(m["name"], "Some Name")
        flat = [u for t in m["trackers"] for u in (t if isinstance(t, list) else [t])]
        self.assertEqual(flat, ["http://tr.example/announce", "udp://t2.example:1337"])
        self.assertEqual(m["peers"], ["10.0.0.1:6881"])
        # base32 form of the same hash
        b32 = "AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH"
        code, m, err = run_json("info", f"magnet:?xt=urn:btih:{b32}")
        self.assertEqual(code, 0, err)
        self.assertEqual(m["info_hash"], ih)
        code, out, err = run("info", link)
        self.assertEqual(code, 0, err)
        self.assertIn(ih, out)
        self.assertIn("Some Name", out)
        for bad in ("magnet:", "magnet:?dn=nohash", "magnet:?xt=urn:btih:zzzz",
                    "magnet:?xt=urn:btih:" + "0" * 39, "magnet:?xt=urn:sha1:" + "0" * 40,
                    "magnet:?xt=urn:btih:" + ih + "&tr=%ZZ"):
            code, out, err = run("info", bad)
            self.assert_one_line_error(code, out, err, bad)


if __name__ == "__main__":
    if not os.path.isfile(BTNODE) or not os.access(BTNODE, os.X_OK):
        sys.exit(f"cli_test: btnode binary not found at {BTNODE} (set BTNODE)")
    unittest.main(verbosity=2)
