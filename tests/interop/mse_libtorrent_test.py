#!/usr/bin/python3
"""MSE/PE against libtorrent 2.0: our wire::MseInitiator and wire::MseReceiver
(through the tests/interop/mse_probe helper, one TCP connection each) against
a libtorrent seed with encryption forced, then the BitTorrent handshake and
the first message after it, read through the negotiated stream.

Run standalone: MSE_PROBE=build/mse/tests/mse_probe /usr/bin/python3 tests/interop/mse_libtorrent_test.py
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import libtorrent as lt

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = os.path.abspath(os.environ.get("MSE_PROBE")
                        or os.path.join(REPO, "build", "release", "tests", "mse_probe"))
HOST = "127.0.0.1"
TIMEOUT = 60  # seconds for one probe run
BITFIELD = 5  # BEP 3 message id: what a seed sends right after its handshake

# libtorrent settings_pack values (values from libtorrent's settings_pack documentation).
FORCED, ENABLED, DISABLED = 0, 1, 2
PLAINTEXT, RC4, BOTH = 1, 2, 3


def probe(mode, port, info_hash, policy):
    """Runs mse_probe; returns (exit code, its one-line report)."""
    out = subprocess.run([PROBE, mode, HOST, str(port), info_hash, policy],
                         capture_output=True, text=True, timeout=TIMEOUT)
    return out.returncode, out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


class MseAgainstLibtorrent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(PROBE, os.X_OK):
            raise unittest.SkipTest(f"mse_probe not built at {PROBE}")
        cls.tmp = tempfile.mkdtemp(prefix="mse_lt_")
        with open(os.path.join(cls.tmp, "payload.bin"), "wb") as f:
            f.write(os.urandom(300 * 1024))
        fs = lt.file_storage()
        lt.add_files(fs, os.path.join(cls.tmp, "payload.bin"))
        ct = lt.create_torrent(fs, 64 * 1024, flags=lt.create_torrent.v1_only)
        lt.set_piece_hashes(ct, cls.tmp)
        info = lt.torrent_info(lt.bencode(ct.generate()))
        cls.info_hash = str(info.info_hashes().v1)
        cls.ses = lt.session({
            "listen_interfaces": f"{HOST}:0",
            "enable_dht": False, "enable_lsd": False, "enable_upnp": False,
            "enable_natpmp": False, "enable_outgoing_utp": False,
            "enable_incoming_utp": False, "allow_multiple_connections_per_ip": True,
        })
        cls.handle = cls.ses.add_torrent({"ti": info, "save_path": cls.tmp})
        deadline = time.time() + 30
        while cls.handle.status().state != lt.torrent_status.seeding:
            if time.time() > deadline:
                raise RuntimeError("libtorrent did not finish checking the seed")
            time.sleep(0.1)
        cls.port = cls.ses.listen_port()

    @classmethod
    def tearDownClass(cls):
        del cls.handle
        del cls.ses
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def encryption(self, in_policy, out_policy, level):
        self.ses.apply_settings({"in_enc_policy": in_policy, "out_enc_policy": out_policy,
                                 "allowed_enc_level": level, "prefer_rc4": True})

    def connect(self, policy):
        return probe("connect", self.port, self.info_hash, policy)

    def listen(self, policy):
        """Lets libtorrent dial a listening probe; returns (exit code, report)."""
        proc = subprocess.Popen([PROBE, "listen", HOST, "0", self.info_hash, policy],
                                stdout=subprocess.PIPE, text=True)
        try:
            first = proc.stdout.readline()
            m = re.match(r"listening (\d+)", first)
            self.assertIsNotNone(m, first)
            self.handle.connect_peer((HOST, int(m.group(1))))
            report, _ = proc.communicate(timeout=TIMEOUT)
            return proc.returncode, report.strip()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def assertOk(self, result, crypto, negotiated):
        code, report = result
        self.assertEqual(code, 0, report)
        self.assertIn(f"crypto={crypto} negotiated={negotiated}", report)
        self.assertIn(f"next_id={BITFIELD}", report)

    # Our initiator -> libtorrent receiver.
    def test_initiator_rc4_forced(self):
        self.encryption(FORCED, FORCED, RC4)
        self.assertOk(self.connect("prefer"), "rc4", 1)
        self.assertOk(self.connect("require"), "rc4", 1)

    def test_initiator_plaintext_selected_by_libtorrent(self):
        # libtorrent speaks MSE but allows only plaintext after it.
        self.encryption(FORCED, FORCED, PLAINTEXT)
        self.assertOk(self.connect("prefer"), "plaintext", 1)
        code, report = self.connect("require")
        self.assertEqual(code, 1, report)

    def test_initiator_disabled_meets_plain_libtorrent(self):
        self.encryption(DISABLED, DISABLED, BOTH)
        self.assertOk(self.connect("disable"), "plaintext", 0)

    def test_plain_initiator_refused_when_libtorrent_forces_mse(self):
        self.encryption(FORCED, FORCED, RC4)
        code, report = self.connect("disable")
        self.assertEqual(code, 1, report)

    # libtorrent initiator -> our receiver.
    def test_receiver_rc4_forced(self):
        self.encryption(FORCED, FORCED, RC4)
        self.assertOk(self.listen("require"), "rc4", 1)

    def test_receiver_both_offered(self):
        # Offered RC4 and plaintext, `prefer` selects plaintext after the
        # obfuscated handshake (libtorrent's own default); `require` RC4.
        self.encryption(FORCED, FORCED, BOTH)
        self.assertOk(self.listen("prefer"), "plaintext", 1)
        self.assertOk(self.listen("require"), "rc4", 1)

    def test_receiver_plaintext_after_mse(self):
        # libtorrent offers only plaintext: its IA (its handshake) still
        # arrives RC4-encrypted, everything after it in the clear.
        self.encryption(FORCED, FORCED, PLAINTEXT)
        self.assertOk(self.listen("prefer"), "plaintext", 1)

    def test_receiver_require_refuses_plaintext_only_offer(self):
        self.encryption(FORCED, FORCED, PLAINTEXT)
        code, report = self.listen("require")
        self.assertEqual(code, 1, report)
        self.assertIn("offers no RC4", report)

    def test_receiver_recognises_plain_handshake(self):
        self.encryption(DISABLED, DISABLED, BOTH)
        self.assertOk(self.listen("prefer"), "plaintext", 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
