"""Starts the built latchkey binary for interop tests and benchmarks.

The server is started on port 0 for both listeners (the kernel picks free ports; `amqp=False`
passes `--amqp-port off`), and the actual addresses are read from its ready line on stdout: "Ready to accept connections: resp=HOST:PORT[,...] amqp=HOST:PORT[,...]
management=HOST:PORT[,...]".
Real servers (redis-server, RabbitMQ) have their own launchers beside the tests that use them.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READY = re.compile(rb"Ready to accept connections:(.*)")


def binary_path():
    path = os.environ.get("LATCHKEY_BIN", os.path.join(REPO, ".build", "release", "latchkey"))
    return os.path.abspath(path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LatchkeyServer:
    """One latchkey process. `extra` are `--directive value` pairs."""

    def __init__(self, *extra, amqp=True, data_dir=None, config_file=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="latchkey-test-")
        self.extra = [str(x) for x in extra]
        self.amqp = amqp
        self.config_file = config_file
        self.proc = None
        self.port = None
        self.amqp_port = None
        self.management_port = None
        self.host = "127.0.0.1"
        self.output = []

    def start(self, timeout=10.0):
        args = [binary_path()]
        if self.config_file:
            args.append(self.config_file)
        args += ["--port", "0", "--dir", self.data_dir]
        args += ["--amqp-port", "0" if self.amqp else "off"]
        # The management HTTP listener defaults to 15672; tests take a free port (0) so several
        # servers can run at once.
        args += ["--management-port", "0"]
        args += self.extra
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("latchkey exited before ready: %r" % b"".join(self.output))
            self.output.append(line)
            m = READY.search(line)
            if m:
                fields = dict(part.split(b"=", 1) for part in m.group(1).split())
                self.port = _port(fields[b"resp"])
                if b"amqp" in fields:
                    self.amqp_port = _port(fields[b"amqp"])
                if b"management" in fields:
                    self.management_port = _port(fields[b"management"])
                # Keep draining output so the server never blocks on a full pipe.
                import threading
                threading.Thread(target=self._drain, daemon=True).start()
                return self
        raise RuntimeError("latchkey not ready after %.1fs" % timeout)

    def _drain(self):
        proc = self.proc
        try:
            for line in proc.stdout:
                self.output.append(line)
        finally:
            # Closed at EOF (the process is gone), so a stopped server leaves no open pipe whose
            # ResourceWarning would surface, at garbage collection, in some later test.
            proc.stdout.close()

    def log_text(self):
        return b"".join(self.output).decode(errors="replace")

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


def _port(addresses):
    first = addresses.split(b",")[0]
    return int(first.rsplit(b":", 1)[1])
