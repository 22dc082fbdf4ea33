"""Processes for the tracker interop tests: opentracker (whitelist mode),
`btnode tracker`, and btnode, aria2 and Transmission as seeds and leeches,
each on its own 127.0.2.N address. Not a test itself (imported by the
tracker_*_test.py files)."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))
BASE_PORT = 30000 + os.getpid() % 15000
SIZE = 1_500_000


def port(n):
    return BASE_PORT + n


def wait_for(predicate, timeout, what, details=None):
    """`details` (a callable) adds context, e.g. a log tail, to the failure."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    extra = "\n" + details() if details else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{extra}")


class Procs:
    """Started processes, all stopped (SIGINT, then SIGKILL) by stop_all()."""

    def __init__(self):
        self.procs = []

    def start(self, args, log, **kw):
        f = open(log, "wb")
        p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, start_new_session=True, **kw)
        self.procs.append((p, f))
        return p

    def stop_all(self):
        """SIGINT to each process group (so the program under timeout(1) gets
        it too); opentracker, which aborts slowly on SIGINT in its chroot and
        has nothing to save, gets SIGKILL. A group still there after 5 s is
        killed: nothing outlives the test to answer on its address and port."""
        for p, _ in self.procs:
            if p.poll() is None:
                sig = signal.SIGKILL if "opentracker" in p.args else signal.SIGINT
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    pass
        for p, f in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(p.pid, signal.SIGKILL)  # stragglers in the group
            except ProcessLookupError:
                pass
            p.wait()
            f.close()
        self.procs = []


class Swarm:
    """A temp dir with one random file, its .torrent (btnode create, v1) and
    helpers to start trackers and clients against it."""

    def __init__(self, name="payload.bin"):
        self.dir = tempfile.mkdtemp(prefix="btnode-tracker-")
        os.chmod(self.dir, 0o755)  # opentracker reads its list as `nobody`
        self.procs = Procs()
        self.name = name
        self.content = os.urandom(SIZE)
        self.src = os.path.join(self.dir, "src")
        os.makedirs(self.src)
        with open(os.path.join(self.src, name), "wb") as f:
            f.write(self.content)

    def close(self):
        self.procs.stop_all()
        if not os.environ.get("KEEP_TRACKER_TEST_DIR"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self, name):
        return os.path.join(self.dir, name + ".log")

    def read_log(self, name):
        try:
            with open(self.log(name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def make_torrent(self, trackers):
        """One tier per URL. Returns (torrent path, hex info-hash)."""
        torrent = os.path.join(self.dir, "t.torrent")
        args = [BTNODE, "create", os.path.join(self.src, self.name), "-o", torrent,
                "--piece-size", "65536"]
        for t in trackers:
            args += ["--tracker", t]
        subprocess.run(args, check=True, capture_output=True, timeout=30)
        info = subprocess.run([BTNODE, "info", torrent, "--json"], check=True,
                              capture_output=True, text=True, timeout=30).stdout
        info_hash = json.loads(info.splitlines()[0])["info_hash"]
        self.torrent, self.info_hash = torrent, info_hash
        return torrent, info_hash

    def downloaded(self, out_dir):
        path = os.path.join(out_dir, self.name)
        if not os.path.exists(path) or os.path.getsize(path) != SIZE:
            return False
        with open(path, "rb") as f:
            return f.read() == self.content

    # --- trackers -------------------------------------------------------
    def opentracker(self, ip, p):
        """opentracker in whitelist mode: the list is read relative to the
        chroot directory (-d), after dropping to `nobody`."""
        ot = os.path.join(self.dir, "ot")
        os.makedirs(ot)
        os.chmod(ot, 0o755)
        with open(os.path.join(ot, "whitelist"), "w") as f:
            f.write(self.info_hash + "\n")
        os.chmod(os.path.join(ot, "whitelist"), 0o644)
        self.procs.start(["timeout", "120", "opentracker", "-i", ip, "-p", str(p), "-P", str(p),
                          "-w", "whitelist", "-d", ot], self.log("opentracker"), cwd=ot)
        time.sleep(0.5)

    def btnode_tracker(self, ip, p, *extra):
        self.procs.start(["timeout", "120", BTNODE, "tracker", "--bind", ip, "--listen", str(p),
                          *extra], self.log("btnode-tracker"))
        wait_for(lambda: "tracker on" in self.read_log("btnode-tracker"), 10, "btnode tracker")

    # --- clients --------------------------------------------------------
    def btnode_seed(self, ip, tag="btnode-seed", *extra):
        return self.procs.start(["timeout", "120", BTNODE, "seed", self.torrent, self.src,
                                 "--bind", ip, "--no-dht", "--no-lsd", "--log-level", "info", *extra],
                                self.log(tag))

    def btnode_get(self, ip, out, timeout=50, *extra):
        return subprocess.run(["timeout", str(timeout), BTNODE, "get", self.torrent, "-o", out,
                               "--bind", ip, "--no-dht", "--no-lsd", "--log-level", "info", *extra],
                              capture_output=True, text=True, errors="replace")

    def aria2(self, ip, p, directory, tag, seed, dht_port=None):
        """aria2c on ip:p; as a seed it checks the content in `directory`.
        With `dht_port` its DHT runs (no entry point, state in the temp dir):
        aria2 speaks UDP trackers only over its DHT's UDP socket."""
        if dht_port:
            dht = ["--enable-dht=true", f"--dht-listen-port={dht_port}",
                   "--dht-file-path=" + os.path.join(self.dir, tag + "-dht.dat")]
        else:
            dht = ["--enable-dht=false"]
        args = ["timeout", "120", "aria2c", "--dir", directory, *dht,
                "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
                f"--listen-port={p}", f"--interface={ip}", "--seed-ratio=0.0",
                "--bt-tracker-connect-timeout=10", "--bt-tracker-timeout=10",
                "--console-log-level=notice", "--summary-interval=0", "--file-allocation=none",
                "--bt-require-crypto=false"]
        if seed:
            args += ["--check-integrity=true", "--bt-seed-unverified=false", "--seed-time=100"]
        else:
            args += ["--seed-time=0"]
        return self.procs.start(args + [self.torrent], self.log(tag))

    def transmission(self, ip, p, directory, tag):
        """transmission-daemon on ip:p with the torrent added; it seeds when
        `directory` already holds the content, else downloads into it."""
        conf = os.path.join(self.dir, tag + "-conf")
        os.makedirs(conf)
        rpc = p + 1
        settings = {
            "bind-address-ipv4": ip, "peer-port": p, "rpc-bind-address": ip, "rpc-port": rpc,
            "rpc-authentication-required": False, "rpc-whitelist-enabled": False,
            "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False,
            "utp-enabled": False, "port-forwarding-enabled": False, "encryption": 0,
            "download-dir": directory, "incomplete-dir-enabled": False,
            "ratio-limit-enabled": False, "peer-port-random-on-start": False,
            "message-level": 2,
        }
        with open(os.path.join(conf, "settings.json"), "w") as f:
            json.dump(settings, f)
        self.procs.start(["timeout", "120", "transmission-daemon", "-f", "-g", conf],
                         self.log(tag))
        remote = ["transmission-remote", f"{ip}:{rpc}"]
        wait_for(lambda: subprocess.run(remote + ["-l"], capture_output=True).returncode == 0,
                 15, "transmission rpc")
        subprocess.run(remote + ["-a", self.torrent], check=True, capture_output=True, timeout=10)
        return remote

    @staticmethod
    def transmission_done(remote):
        out = subprocess.run(remote + ["-t", "all", "-i"], capture_output=True, text=True,
                             timeout=10).stdout
        return "Percent Done: 100%" in out
