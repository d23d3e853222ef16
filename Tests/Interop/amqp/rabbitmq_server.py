"""Starts a private RabbitMQ 3 (Debian `rabbitmq-server`) on loopback for differential tests and benchmarks.

Everything it writes (mnesia, logs, cookie, pid file) lives in one temporary directory; it gets its own
epmd on a spare port so it never meets another node. Used by the AMQP interop conftest when
LATCHKEY_TARGET=rabbitmq and by bench/amqp_bench.py. Stop it with `stop()`: rabbitmqctl stop, then
the epmd we started is killed.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def amqp_handshake_ok(host, port, timeout=0.5):
    """True when the port answers an AMQP 0-9-1 protocol header with connection.start."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(b"AMQP\x00\x00\x09\x01")
            data = b""
            while len(data) < 11:
                chunk = s.recv(4096)
                if not chunk:
                    return False
                data += chunk
            # Method frame, channel 0, class 10 method 10 (connection.start).
            return data[0] == 1 and data[7:11] == b"\x00\x0a\x00\x0a"
    except OSError:
        return False


def rss_bytes(pid):
    """Resident set size of a process, from /proc."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def installed():
    return os.path.exists(SERVER)


class RabbitMQServer:
    """One RabbitMQ node. `.host`, `.port` (AMQP) once started; `.startup_seconds` = launch to first handshake."""

    def __init__(self, name=None, port=None, extra_conf=(), management=False):
        self.dir = tempfile.mkdtemp(prefix="latchkey-rabbitmq-")
        self.name = name or "lk%d" % os.getpid()
        self.nodename = "%s@localhost" % self.name
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.extra_conf = list(extra_conf)  # more rabbitmq.conf lines, e.g. "frame_max = 4096"
        # management=True enables rabbitmq_management on a free loopback port (.management_port).
        self.management_port = free_port() if management else None
        self.proc = None
        self.startup_seconds = None
        self.env = None

    def _environment(self):
        d = self.dir
        home = os.path.join(d, "home")
        os.makedirs(home, exist_ok=True)
        cookie = os.path.join(home, ".erlang.cookie")
        with open(cookie, "w") as f:
            f.write("LATCHKEYTESTCOOKIE%d" % self.port)
        os.chmod(cookie, 0o400)
        plugins = os.path.join(d, "enabled_plugins")
        with open(plugins, "w") as f:
            f.write("[rabbitmq_management].\n" if self.management_port else "[].\n")
        conf = os.path.join(d, "rabbitmq.conf")
        with open(conf, "w") as f:
            f.write("listeners.tcp.1 = 127.0.0.1:%d\n" % self.port)
            f.write("loopback_users.guest = true\n")
            # Keep the disk-free alarm from blocking publishers on a small /tmp.
            f.write("disk_free_limit.absolute = 1MB\n")
            # Benchmarks queue ~1M messages; don't let the memory alarm block the publisher.
            f.write("vm_memory_high_watermark.relative = 0.9\n")
            if self.management_port:
                f.write("management.tcp.port = %d\n" % self.management_port)
                f.write("management.tcp.ip = 127.0.0.1\n")
            for line in self.extra_conf:
                f.write(line + "\n")
        conf_env = os.path.join(d, "rabbitmq-env.conf")
        open(conf_env, "w").close()
        env = dict(os.environ)
        env.update({
            "HOME": home,
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": os.path.join(d, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(d, "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": plugins,
            "RABBITMQ_CONFIG_FILE": conf,
            "RABBITMQ_CONF_ENV_FILE": conf_env,
            "RABBITMQ_PID_FILE": os.path.join(d, "rabbitmq.pid"),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        })
        return env

    def start(self, timeout=60.0):
        self.env = self._environment()
        # On a restart (same node, same dir) our epmd is still running; starting it again is harmless.
        subprocess.run(["epmd", "-address", "127.0.0.1", "-port", str(self.epmd_port), "-daemon"],
                       env=self.env, check=False)
        out = open(os.path.join(self.dir, "stdout.log"), "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen([SERVER], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._cleanup_epmd()
                raise RuntimeError("rabbitmq-server exited early (%s); see %s" % (self.proc.returncode, self.dir))
            if amqp_handshake_ok(self.host, self.port, timeout=0.2) and self._management_ok():
                self.startup_seconds = time.monotonic() - t0
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("rabbitmq-server not answering AMQP after %.0fs; see %s" % (timeout, self.dir))

    def _management_ok(self):
        """True without management; otherwise once the HTTP listener accepts connections."""
        if not self.management_port:
            return True
        try:
            with socket.create_connection((self.host, self.management_port), timeout=0.2):
                return True
        except OSError:
            return False

    def pid(self):
        """The beam process id (for RSS measurements): the pid file RabbitMQ writes."""
        try:
            with open(self.env["RABBITMQ_PID_FILE"]) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def ctl(self, *args, timeout=30):
        return subprocess.run([CTL, "-n", self.nodename] + list(args), env=self.env, capture_output=True,
                              timeout=timeout, text=True)

    def kill(self):
        """SIGKILL the node (a crash); its directory and epmd stay, so start() recovers from disk."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout=30.0):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.ctl("stop", timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                # Only the process group we started (start_new_session) is signalled.
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._cleanup_epmd()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _cleanup_epmd(self):
        if self.env is not None:
            subprocess.run(["epmd", "-port", str(self.epmd_port), "-kill"], env=self.env,
                           capture_output=True, timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    # Manual use: start, print the port, wait for Ctrl-C or SIGTERM (both stop the node cleanly).
    def _interrupt(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, _interrupt)
    with RabbitMQServer() as r:
        print("rabbitmq ready on %s:%d after %.2fs (dir %s)" % (r.host, r.port, r.startup_seconds, r.dir))
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
