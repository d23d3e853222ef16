"""Runs this example's tests against a real redis-server and a private RabbitMQ node (with its
management plugin, which the plugin's reset() uses) instead of Latchkey: the same tests, with
`--latchkey-backend real`. Tests that need to move the clock further than a real wait allows
skip and say why; advance(31) really waits 31 seconds.

usage (from the repository root): .venv/bin/python examples/celery-lock/run_against_real_servers.py
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "amqp"))
from rabbitmq_server import RabbitMQServer, free_port  # noqa: E402


class ManagedRabbitMQ(RabbitMQServer):
    """The interop suite's private node, with rabbitmq_management on a free loopback port."""

    def __init__(self):
        self.management_port = free_port()
        super().__init__(extra_conf=["management.tcp.port = %d" % self.management_port,
                                     "management.tcp.ip = 127.0.0.1"])

    def _environment(self):
        env = super()._environment()
        with open(env["RABBITMQ_ENABLED_PLUGINS_FILE"], "w") as f:
            f.write("[rabbitmq_management].\n")
        return env


def main():
    d = tempfile.mkdtemp(prefix="example-redis-")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        redis_port = s.getsockname()[1]
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                              "--dir", d], stdout=subprocess.DEVNULL)
    rabbit = ManagedRabbitMQ().start()
    try:
        api = "http://guest:guest@127.0.0.1:%d" % rabbit.management_port
        deadline = time.monotonic() + 60
        while True:  # the management listener comes up a little after AMQP
            try:
                req = urllib.request.Request("http://127.0.0.1:%d/api/overview" % rabbit.management_port)
                req.add_header("Authorization", "Basic Z3Vlc3Q6Z3Vlc3Q=")
                urllib.request.urlopen(req, timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "python", "latchkey", "src"))
        return subprocess.call([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "latchkey.pytest_plugin",
                                "--latchkey-backend", "real",
                                "--latchkey-redis-url", "redis://127.0.0.1:%d/0" % redis_port,
                                "--latchkey-amqp-url", "amqp://guest:guest@127.0.0.1:%d//" % rabbit.port,
                                "--latchkey-rabbitmq-management-url", api, os.path.join(HERE, "tests")], env=env)
    finally:
        rabbit.stop()
        redis.terminate()
        redis.wait(10)


if __name__ == "__main__":
    sys.exit(main())
