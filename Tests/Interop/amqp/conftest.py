"""Fixtures for the AMQP interop suite: one server per session, unique names per test, time limits.

By default the server is the built Latchkey binary (Tests/Interop/latchkey_server.py); with
LATCHKEY_TARGET=rabbitmq it is a private RabbitMQ 3 node (rabbitmq_server.py), which is how the
suite itself is validated. LATCHKEY_AMQP_ADDR=host:port uses a server that is already running. Tests share the server, so every queue/exchange name comes from `uniq`.
"""
import os
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from latchkey_server import LatchkeyServer  # noqa: E402
from rabbitmq_server import RabbitMQServer, installed  # noqa: E402

TARGET = os.environ.get("LATCHKEY_TARGET", "latchkey").lower()
DEFAULT_TIMEOUT = 60  # seconds per test unless the test says otherwise


def pytest_collection_modifyitems(config, items):
    # Every test is bounded in time (pytest-timeout); a test can ask for more with @pytest.mark.timeout.
    for item in items:
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT))


class ServerAddress(tuple):
    """(host, port) plus the server object, its kind and a `restartable` hint."""

    def __new__(cls, host, port, server, kind):
        self = super().__new__(cls, (host, port))
        self.host, self.port, self.server, self.kind = host, port, server, kind
        return self

    @property
    def url(self):
        return "amqp://guest:guest@%s:%d/" % (self.host, self.port)


@pytest.fixture(scope="session")
def amqp_server():
    existing = os.environ.get("LATCHKEY_AMQP_ADDR")  # host:port of a server someone else started
    if existing:
        host, port = existing.rsplit(":", 1)
        yield ServerAddress(host, int(port), None, TARGET)
    elif TARGET == "rabbitmq":
        server = RabbitMQServer().start()
        try:
            yield ServerAddress(server.host, server.port, server, "rabbitmq")
        finally:
            server.stop()
    elif TARGET == "latchkey":
        server = LatchkeyServer().start()
        if server.amqp_port is None:
            server.stop()
            pytest.fail("latchkey started without an AMQP listener (no amqp= in its ready line)")
        try:
            yield ServerAddress(server.host, server.amqp_port, server, "latchkey")
        finally:
            server.stop()
            if os.environ.get("LATCHKEY_SHOW_LOG"):
                sys.stderr.write(server.log_text())
    else:
        raise pytest.UsageError("LATCHKEY_TARGET must be latchkey or rabbitmq, not %r" % TARGET)


@pytest.fixture(scope="session")
def rabbitmq(request):
    """The reference: LATCHKEY_RABBITMQ_ADDR, the suite's own node under LATCHKEY_TARGET=rabbitmq, or a private one."""
    addr = os.environ.get("LATCHKEY_RABBITMQ_ADDR")
    if addr:
        host, port = addr.rsplit(":", 1)
        yield host, int(port)
        return
    if TARGET == "rabbitmq":
        server = request.getfixturevalue("amqp_server")
        yield server.host, server.port
        return
    if not installed():
        if os.environ.get("CI") == "true":
            pytest.fail("rabbitmq-server is not installed; the AMQP differential must run in CI")
        pytest.skip("rabbitmq-server is not installed")
    server = RabbitMQServer().start(timeout=120)
    try:
        yield server.host, server.port
    finally:
        server.stop()


@pytest.fixture(scope="session")
def latchkey(request):
    """The server under test: the suite's Latchkey (LATCHKEY_TARGET=latchkey), else a private one."""
    if TARGET == "latchkey":
        server = request.getfixturevalue("amqp_server")
        yield server.host, server.port
        return
    server = LatchkeyServer().start()
    try:
        yield server.host, server.amqp_port
    finally:
        server.stop()


@pytest.fixture
def uniq(request):
    """uniq('q') -> 'q-<testname>-<random>': names no other test (or earlier run) uses."""
    base = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")[:60]

    def make(prefix="q"):
        return "%s-%s-%s" % (prefix, base, uuid.uuid4().hex[:8])
    return make


@pytest.fixture
def pika_params(amqp_server):
    import pika
    return pika.ConnectionParameters(host=amqp_server.host, port=amqp_server.port,
                                     credentials=pika.PlainCredentials("guest", "guest"),
                                     blocked_connection_timeout=30, socket_timeout=10,
                                     connection_attempts=1)


@pytest.fixture
def pika_conn(pika_params):
    import pika
    conn = pika.BlockingConnection(pika_params)
    yield conn
    if conn.is_open:
        try:
            conn.close()
        except Exception:
            pass


@pytest.fixture
def pika_channel(pika_conn):
    return pika_conn.channel()


@pytest.fixture
def connect(pika_params):
    """connect() -> a new pika BlockingConnection, closed at teardown."""
    import pika
    conns = []

    def make():
        c = pika.BlockingConnection(pika_params)
        conns.append(c)
        return c
    yield make
    for c in conns:
        if c.is_open:
            try:
                c.close()
            except Exception:
                pass
