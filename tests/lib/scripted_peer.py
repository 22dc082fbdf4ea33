"""A scripted BitTorrent peer for tests: listens on a loopback address for
btnode to dial, and plays whatever its subclass's serve(conn) scripts (a liar,
a hostile peer, a recording seed)."""
import socket
import threading


class ScriptedPeer(threading.Thread):
    """Accepts connections on `ip` (port in .port) until close(); each one goes
    to handle(), which by default serves it in this thread and closes it."""

    def __init__(self, ip, backlog=8):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind((ip, 0))
        self.sock.listen(backlog)
        self.sock.settimeout(0.2)  # so run() sees `stopping` soon
        self.port = self.sock.getsockname()[1]
        self.stopping = False

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            self.handle(conn)

    def handle(self, conn):
        try:
            self.serve(conn)
        except (OSError, EOFError):
            pass  # btnode hung up (or was told to): the script ends there
        finally:
            conn.close()

    def serve(self, conn):
        raise NotImplementedError

    def close(self):
        self.stopping = True
        if self.is_alive():
            self.join(5)
        self.sock.close()
