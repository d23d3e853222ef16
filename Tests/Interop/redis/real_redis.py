"""Launches a real redis-server 7 beside Latchkey, with the same start/stop surface as
latchkey_server.LatchkeyServer, so every RESP interop test can run against either.

Persistence is off and the working directory is a fresh temporary directory; the server is
ready when it answers PING. Used by conftest.py (LATCHKEY_TARGET=redis, differential suite).
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available():
    return shutil.which("redis-server") is not None


class RedisServer:
    """One redis-server process. `extra` are `--directive value` pairs (redis.conf names)."""

    def __init__(self, *extra, data_dir=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="redis-test-")
        self.extra = [str(x) for x in extra]
        self.proc = None
        self.port = None
        self.host = "127.0.0.1"
        self.log_path = os.path.join(self.data_dir, "redis.log")

    def start(self, timeout=10.0):
        last = None
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", self.data_dir,
                    "--logfile", self.log_path] + self.extra
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                if self._ping():
                    return self
                time.sleep(0.005)
            last = self.log_text()
            self.stop()
        raise RuntimeError("redis-server did not start: %s" % last)

    def _ping(self):
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                data = s.recv(64)
                # With requirepass the answer is -NOAUTH: still proof that it serves.
                return data.startswith(b"+PONG") or data.startswith(b"-NOAUTH")
        except OSError:
            return False

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill(self):
        return self.stop(signal.SIGKILL)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
