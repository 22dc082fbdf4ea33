#!/usr/bin/python3
"""Trackers over https:// (libcurl, certificate verified). The test makes a
private CA and a server certificate for 127.0.2.120 with openssl, and runs a
TLS front (Python ssl around a small HTTP forwarder) to a plain `btnode
tracker` behind it. With --tracker-ca CA.pem, a btnode seed and a btnode get
(--no-dht, --no-lsd, no --peer) meet through the https:// tracker and the
download verifies; `btnode scrape https://...` reports the seed. A
certificate that does not verify (the system store, or another CA) is
refused with one clear line, and the get's log says why its tracker failed.

Run standalone: BTNODE=build/rel/tools/btnode /usr/bin/python3 tests/integration/tracker_https_test.py
"""
import http.client
import http.server
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "interop"))
from tracker_swarm import BTNODE, Swarm, port, wait_for  # noqa: E402

FRONT = "127.0.2.120"


def openssl(*args, cwd):
    subprocess.run(["timeout", "30", "openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN=btnode test {name}", cwd=d)


def make_server_cert(d, ca, ip):
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", f"/CN={ip}", cwd=d)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write(f"subjectAltName=IP:{ip}\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext", cwd=d)


def tls_front(cert_dir, listen, backend):
    """HTTPS on `listen`, each GET forwarded to http://backend (the tracker)
    from the client's own address, so the tracker sees the real peer."""
    host, backend_port = backend.rsplit(":", 1)

    class Forward(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                c = http.client.HTTPConnection(host, int(backend_port), timeout=5,
                                               source_address=(self.client_address[0], 0))
                c.request("GET", self.path)
                r = c.getresponse()
                status, body = r.status, r.read()
                c.close()
            except Exception as e:  # the tracker is down: say so
                status, body = 502, str(e).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(listen, Forward)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(cert_dir, "server.pem"), os.path.join(cert_dir, "server.key"))
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
class HttpsTrackerTest(unittest.TestCase):
    runs = 0

    def setUp(self):
        self.swarm = Swarm()
        self.addCleanup(self.swarm.close)  # also when setUp fails
        s = self.swarm
        self.certs = os.path.join(s.dir, "certs")
        os.makedirs(self.certs)
        make_ca(self.certs, "ca")
        make_ca(self.certs, "other")
        make_server_cert(self.certs, "ca", FRONT)
        self.ca = os.path.join(self.certs, "ca.pem")
        HttpsTrackerTest.runs += 1  # ports of its own per test
        tracker_port, front_port = port(60 + 2 * self.runs), port(61 + 2 * self.runs)
        s.btnode_tracker(FRONT, tracker_port)
        front = tls_front(self.certs, (FRONT, front_port), f"{FRONT}:{tracker_port}")
        self.addCleanup(front.server_close)
        self.addCleanup(front.shutdown)
        self.url = f"https://{FRONT}:{front_port}/announce"
        s.make_torrent([self.url])

    def scrape(self, *extra):
        return subprocess.run(["timeout", "30", BTNODE, "scrape", self.url, self.swarm.info_hash,
                               "--bind", "127.0.2.123", "--json", "--timeout", "10", *extra],
                              capture_output=True, text=True)

    def test_announce_and_scrape_over_https_with_private_ca(self):
        s = self.swarm
        s.btnode_seed("127.0.2.121", "btnode-seed", "--tracker-ca", self.ca)
        wait_for(lambda: "tracker https://" in s.read_log("btnode-seed"), 15, "seed announce",
                 lambda: s.read_log("btnode-seed")[-1500:])
        self.assertNotIn("certificate", s.read_log("btnode-seed"))
        out = os.path.join(s.dir, "out")
        r = s.btnode_get("127.0.2.122", out, 40, "--tracker-ca", self.ca)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertTrue(s.downloaded(out))
        self.assertIn(f"tracker {self.url}: 1 peers", r.stderr)
        sc = self.scrape("--tracker-ca", self.ca)
        self.assertEqual(sc.returncode, 0, sc.stderr)
        line = json.loads(sc.stdout.splitlines()[0])
        self.assertGreaterEqual(line["seeders"], 1, sc.stdout)

    def test_certificate_that_does_not_verify_is_refused(self):
        for extra in ([], ["--tracker-ca", os.path.join(self.certs, "other.pem")]):
            r = self.scrape(*extra)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            err = r.stderr.strip().splitlines()
            self.assertEqual(len(err), 1, r.stderr)
            self.assertIn("certificate", err[0].lower())
            self.assertTrue(err[0].startswith("btnode: scrape https://"), err[0])
        # A get through the same tracker without the CA says why in its log
        # and does not announce.
        s = self.swarm
        r = subprocess.run(["timeout", "-s", "INT", "4", BTNODE, "get", s.torrent, "-o",
                            os.path.join(s.dir, "out2"), "--bind", "127.0.2.124", "--no-dht",
                            "--no-lsd", "--log-level", "info"],
                           capture_output=True, text=True)
        lines = [l for l in r.stderr.splitlines() if f"tracker {self.url}" in l]
        self.assertTrue(lines, r.stderr[-2000:])
        self.assertIn("certificate", lines[0].lower())


if __name__ == "__main__":
    unittest.main(verbosity=2)
