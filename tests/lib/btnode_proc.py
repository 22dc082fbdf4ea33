"""Helpers the Python tests share for driving the btnode binary (imported,
never run as a test): where the binary is, failing, JSON output lines and
bounded waits, stopping processes, reading a socket.
"""
import json
import os
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BTNODE = os.path.abspath(os.environ.get("BTNODE")
                         or os.path.join(REPO, "build", "release", "tools", "btnode"))


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def json_lines(text):
    """The JSON objects among the lines of text (other lines are skipped)."""
    return [json.loads(l) for l in text.splitlines() if l.strip().startswith("{")]


def json_file_lines(path):
    """json_lines() of the file at path."""
    with open(path) as f:
        return json_lines(f.read())


def wait_for(what, predicate, limit_s, step_s=0.2):
    """Calls predicate() until it returns something true, at most limit_s seconds."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    fail("timed out after %ss waiting for %s" % (limit_s, what))


def interrupt(proc, timeout):
    """SIGINT, as a user would; kills the process if it has not exited within timeout s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def recv_exact(conn, n):
    """Exactly n bytes from the socket; ConnectionError if it closes first."""
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf
