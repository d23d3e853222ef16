"""Start a Latchkey server (RESP + AMQP on free ports) and drive its clock and reset.

    with latchkey.Server() as server:
        server.redis_url, server.amqp_url
        server.advance(31)      # LATCHKEY CLOCK ADVANCE 31000
        server.reset()          # LATCHKEY RESET

The binary is the one this wheel installed (the `latchkey` command next to the interpreter),
else LATCHKEY_BIN, else `latchkey` on PATH. No third-party packages are needed: the two test
commands go over a tiny RESP client on a plain socket.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading

__all__ = ["Server", "binary_path", "LatchkeyError"]
__version__ = "0.1.0"


class LatchkeyError(RuntimeError):
    """The server could not start, or answered a test command with an error."""


def binary_path():
    """The latchkey executable to run."""
    env = os.environ.get("LATCHKEY_BIN")
    if env:
        return os.path.abspath(env)
    scripts = sysconfig.get_path("scripts")
    for candidate in (os.path.join(scripts, "latchkey"), os.path.join(os.path.dirname(sys.executable), "latchkey")):
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("latchkey")
    if found:
        return found
    raise LatchkeyError("no latchkey binary: install the latchkey wheel, or set LATCHKEY_BIN")


class Server:
    """One latchkey process on free ports with the test commands enabled for loopback clients.

    `args` are extra `--directive value` words. The server is ready when `start()` returns: it
    waits for the ready file the server writes once every listener accepts."""

    def __init__(self, *args, binary=None, amqp=True, data_dir=None, startup_timeout=10.0):
        self.binary = binary or binary_path()
        self.args = [str(a) for a in args]
        self.amqp = amqp
        self.data_dir = data_dir
        self.startup_timeout = startup_timeout
        self.proc = None
        self.host = "127.0.0.1"
        self.port = None
        self.amqp_port = None
        self.management_port = None  # the management HTTP API, /metrics and the live page
        self.listeners = {}
        self._tmp = None
        self._conn = None
        self._output = []

    # -- lifecycle

    def start(self):
        self._tmp = tempfile.mkdtemp(prefix="latchkey-")
        ready = os.path.join(self._tmp, "ready.json")
        argv = [self.binary, "--port", "0", "--bind", self.host, "--amqp-port", "0" if self.amqp else "off",
                "--amqp-bind", self.host, "--management-port", "0", "--management-bind", self.host,
                "--dir", self.data_dir or self._tmp, "--enable-test-commands", "local",
                "--ready-file", ready, "--loglevel", "warning"] + self.args
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._output = []
        # The server writes the ready file, then prints its ready line: a blocking read of
        # stdout is the wait (no polling), bounded by a timer that kills a stuck server.
        timer = threading.Timer(self.startup_timeout, self.proc.kill)
        timer.start()
        try:
            for line in self.proc.stdout:
                self._output.append(line)
                if line.startswith(b"Ready to accept connections"):
                    break
        finally:
            timer.cancel()
        if self.proc.poll() is not None or not os.path.exists(ready):
            self.stop()
            raise LatchkeyError("latchkey did not start (exit %s): %s" % (self.proc.returncode, self.log_text()))
        threading.Thread(target=self._drain, daemon=True).start()
        with open(ready) as f:
            info = json.load(f)
        self.listeners = info["listeners"]
        self.port = self.listeners["resp"]["port"]
        if "amqp" in self.listeners:
            self.amqp_port = self.listeners["amqp"]["port"]
        if "management" in self.listeners:
            self.management_port = self.listeners["management"]["port"]
        return self

    def stop(self, timeout=10.0):
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._tmp and self.data_dir is None:
            shutil.rmtree(self._tmp, ignore_errors=True)
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _drain(self):
        for line in self.proc.stdout:
            self._output.append(line)

    def log_text(self):
        """Everything the server printed so far."""
        return b"".join(self._output).decode(errors="replace")

    # -- addresses

    @property
    def redis_url(self):
        return "redis://%s:%d/0" % (self.host, self.port)

    @property
    def amqp_url(self):
        if self.amqp_port is None:
            return None
        return "amqp://guest:guest@%s:%d/%%2F" % (self.host, self.amqp_port)

    # -- test commands

    def command(self, *args):
        """Sends one RESP command on the control connection; returns the decoded reply."""
        if self._conn is None:
            self._conn = _RESPConnection(self.host, self.port)
        return self._conn.call(*args)

    def now_ms(self):
        return self.command("LATCHKEY", "CLOCK", "GET")

    def advance(self, seconds):
        """Moves the server clock forward; whatever expired meanwhile is gone when it returns."""
        ms = int(round(seconds * 1000))
        return self.command("LATCHKEY", "CLOCK", "ADVANCE", ms)

    def advance_ms(self, ms):
        return self.command("LATCHKEY", "CLOCK", "ADVANCE", int(ms))

    def set_time(self, unix_seconds):
        return self.command("LATCHKEY", "CLOCK", "SET", int(round(unix_seconds * 1000)))

    def freeze(self):
        return self.command("LATCHKEY", "CLOCK", "FREEZE")

    def resume(self):
        return self.command("LATCHKEY", "CLOCK", "RESUME")

    def reset(self):
        """Every database flushed, scripts forgotten, AMQP queues/exchanges deleted, real time."""
        return self.command("LATCHKEY", "RESET")


class _RESPConnection:
    """The smallest RESP2 client that can send commands and read simple replies."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise LatchkeyError("latchkey closed the control connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise LatchkeyError("latchkey closed the control connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise LatchkeyError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise LatchkeyError("unexpected reply %r" % line)
