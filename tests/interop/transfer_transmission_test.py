#!/usr/bin/python3
"""btnode <-> Transmission 3.00 (transmission-daemon, Debian) over loopback.

One daemon per encryption setting holds two torrents: it seeds A (btnode get
downloads it) and leeches B (a btnode seed dials it: Transmission never dials
127/8, INTEROP.md). Both directions run at once; the bytes are compared.
  - Transmission `encryption: 1` (prefer encrypted) with btnode's default
    `--encryption prefer`;
  - Transmission `encryption: 2` (required) with btnode `--encryption require`.
Transmission re-decides its unchoked peers every 10 s, so the first bytes from
it may take that long.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/interop/transfer_transmission_test.py
"""
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
TIMEOUT = 50
DAEMON = shutil.which("transmission-daemon")
REMOTE = shutil.which("transmission-remote")


class Transmission:
    def __init__(self, tmp, ip, peer_port, rpc_port, encryption):
        self.config = os.path.join(tmp, f"tr-{encryption}")
        self.downloads = os.path.join(tmp, f"tr-{encryption}-data")
        os.makedirs(self.config)
        os.makedirs(self.downloads)
        settings = {
            "bind-address-ipv4": ip, "bind-address-ipv6": "::1",
            "peer-port": peer_port, "peer-port-random-on-start": False,
            "rpc-enabled": True, "rpc-bind-address": ip, "rpc-port": rpc_port,
            "rpc-authentication-required": False, "rpc-whitelist-enabled": False,
            "rpc-host-whitelist-enabled": False,
            "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False,
            "utp-enabled": False, "port-forwarding-enabled": False,
            "encryption": encryption, "download-dir": self.downloads,
            "incomplete-dir-enabled": False, "watch-dir-enabled": False,
            "start-added-torrents": True, "speed-limit-down-enabled": False,
            "speed-limit-up-enabled": False, "ratio-limit-enabled": False,
            "message-level": 2,
        }
        with open(os.path.join(self.config, "settings.json"), "w") as f:
            json.dump(settings, f)
        self.rpc = f"{ip}:{rpc_port}"
        self.ip, self.peer_port = ip, peer_port
        self.log = open(os.path.join(tmp, f"tr-{encryption}.log"), "w")
        self.proc = subprocess.Popen(["timeout", "-s", "KILL", "120", DAEMON, "-f", "-g",
                                      self.config], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.remote("-l", check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError("transmission-daemon did not answer RPC")

    def remote(self, *args, check=True):
        p = subprocess.run(["timeout", "20", REMOTE, self.rpc, *args], capture_output=True,
                           text=True)
        if check and p.returncode != 0:
            raise AssertionError(f"transmission-remote {args}: {p.stdout} {p.stderr}")
        return p

    def add(self, torrent, download_dir):
        self.remote("-a", torrent, "-w", download_dir)

    def percent_done(self, name):
        out = self.remote("-t", "all", "-i").stdout
        for block in out.split("NAME")[1:]:
            if f"Name: {name}" in block:
                m = re.search(r"Percent Done: ([\d.]+)%", block)
                return float(m.group(1)) if m else 0.0
        return 0.0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@unittest.skipUnless(DAEMON and REMOTE, "transmission-daemon/transmission-remote not installed")
class TransmissionTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="btnode-tr-")
        os.chmod(self.tmp, 0o755)
        self.cleanups = []

    def tearDown(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:  # noqa: BLE001 - every cleanup runs
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def content(self, name, size):
        d = os.path.join(self.tmp, f"src-{name}")
        os.makedirs(d)
        data = os.urandom(size)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        torrent = os.path.join(self.tmp, f"{name}.torrent")
        subprocess.run([BTNODE, "create", os.path.join(d, name), "-o", torrent,
                        "--piece-size", "65536"], check=True, capture_output=True, timeout=30)
        return d, torrent, data

    def run_both_ways(self, encryption, btnode_policy, base):
        tr = Transmission(self.tmp, f"127.0.4.{base}", 7140 + base, 7190 + base, encryption)
        self.cleanups.append(tr.stop)
        # A: Transmission seeds, btnode downloads.
        a_dir, a_torrent, a_data = self.content(f"a{base}.bin", 3 * 1024 * 1024 + 333)
        tr.add(a_torrent, a_dir)
        # B: btnode seeds and dials Transmission, which leeches.
        b_dir, b_torrent, b_data = self.content(f"b{base}.bin", 2 * 1024 * 1024 + 77)
        b_out = os.path.join(self.tmp, f"tr-b{base}")
        os.makedirs(b_out)
        os.chmod(b_out, 0o777)
        tr.add(b_torrent, b_out)
        deadline = time.time() + 20
        while time.time() < deadline and tr.percent_done(f"a{base}.bin") < 100:
            time.sleep(0.3)  # Transmission checks the data it seeds
        self.assertEqual(tr.percent_done(f"a{base}.bin"), 100.0, "Transmission did not check A")

        seed_log = open(os.path.join(self.tmp, f"seed{base}.log"), "w")
        self.cleanups.append(seed_log.close)
        seed = subprocess.Popen(["timeout", "-s", "KILL", "90", BTNODE, "--log-level", "info",
                                 "seed", b_torrent, b_dir, "--bind", f"127.0.4.{base + 1}",
                                 "--listen", "0", "--encryption", btnode_policy,
                                 "--peer", f"{tr.ip}:{tr.peer_port}"],
                                stdout=subprocess.DEVNULL, stderr=seed_log)
        self.cleanups.append(lambda: seed.poll() is None and (seed.send_signal(signal.SIGINT),
                                                              seed.wait(10)))
        a_out = os.path.join(self.tmp, f"got-a{base}")
        get = subprocess.Popen(["timeout", "-s", "KILL", str(TIMEOUT + 5), BTNODE, "--log-level",
                                "info", "get", a_torrent, "-o", a_out, "--bind",
                                f"127.0.4.{base + 2}", "--encryption", btnode_policy,
                                "--peer", f"{tr.ip}:{tr.peer_port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.cleanups.append(lambda: get.poll() is None and get.kill())
        try:
            _, get_err = get.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            get.kill()
            _, get_err = get.communicate()
        self.assertEqual(get.returncode, 0, get_err[-3000:])
        with open(os.path.join(a_out, f"a{base}.bin"), "rb") as f:
            self.assertEqual(f.read(), a_data, "btnode's download from Transmission differs")

        deadline = time.time() + 30
        while time.time() < deadline and tr.percent_done(f"b{base}.bin") < 100:
            time.sleep(0.5)
        self.assertEqual(tr.percent_done(f"b{base}.bin"), 100.0,
                         "Transmission did not finish B from the btnode seed")
        with open(os.path.join(b_out, f"b{base}.bin"), "rb") as f:
            self.assertEqual(f.read(), b_data, "Transmission's download from btnode differs")
        return get_err

    def test_default_policies_both_ways(self):
        self.run_both_ways(1, "prefer", 60)

    def test_encryption_required_both_ways(self):
        err = self.run_both_ways(2, "require", 70)
        self.assertNotIn("encryption handshake:", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
