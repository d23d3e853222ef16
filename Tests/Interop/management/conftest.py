"""Fixtures for the management API suite: one server per session with its HTTP listener.

By default the server is the built Latchkey binary; with LATCHKEY_TARGET=rabbitmq it is a private
RabbitMQ 3.10 node with the rabbitmq_management plugin enabled (rabbitmq_server.py), which is how
the suite itself is validated. Tests that check Latchkey-only behaviour (its /api/latchkey
endpoints, latchkey_ metrics, the live page, HTTP limits) are marked `latchkey_only`.
"""
import base64
import http.client
import json
import os
import sys
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "amqp"))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from latchkey_server import LatchkeyServer  # noqa: E402
from rabbitmq_server import RabbitMQServer  # noqa: E402

TARGET = os.environ.get("LATCHKEY_TARGET", "latchkey").lower()


def pytest_configure(config):
    config.addinivalue_line("markers", "latchkey_only: checks behaviour RabbitMQ does not have")


def pytest_collection_modifyitems(config, items):
    # This hook sees every collected item of the run; only this directory's are ours.
    for item in items:
        if not str(item.fspath).startswith(HERE):
            continue
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(120))
        if TARGET != "latchkey" and item.get_closest_marker("latchkey_only"):
            item.add_marker(pytest.mark.skip(reason="Latchkey-only behaviour"))


class Target:
    """The server under test: `.http_port`, `.amqp_port`, `.resp_port` (Latchkey only), `.kind`."""

    def __init__(self, kind, host, http_port, amqp_port, resp_port=None, server=None):
        self.kind, self.host, self.http_port, self.amqp_port = kind, host, http_port, amqp_port
        self.resp_port, self.server = resp_port, server

    def request(self, method, path, body=None, auth=("guest", "guest"), headers=None):
        """One request on a fresh connection: (status, headers dict with lower-case names, body)."""
        conn = http.client.HTTPConnection(self.host, self.http_port, timeout=10)
        h = dict(headers or {})
        if auth:
            h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode()
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        conn.request(method, path, data, h)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, raw

    def api(self, method, path, body=None, **kw):
        """(status, decoded JSON or None) for /api + path."""
        status, _, raw = self.request(method, "/api" + path, body, **kw)
        return status, (json.loads(raw) if raw else None)


@pytest.fixture(scope="session")
def target():
    if TARGET == "rabbitmq":
        # Stats refresh every 500 ms instead of 5 s, so counts settle quickly.
        server = RabbitMQServer(management=True, extra_conf=["collect_statistics_interval = 500"]).start(timeout=120)
        try:
            yield Target("rabbitmq", server.host, server.management_port, server.port, server=server)
        finally:
            server.stop()
    elif TARGET == "latchkey":
        server = LatchkeyServer().start()
        try:
            yield Target("latchkey", server.host, server.management_port, server.amqp_port, server.port, server)
        finally:
            server.stop()
    else:
        raise pytest.UsageError("LATCHKEY_TARGET must be latchkey or rabbitmq, not %r" % TARGET)


@pytest.fixture
def uniq(request):
    base = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")[:40]

    def make(prefix="q"):
        return "%s-%s-%s" % (prefix, base, uuid.uuid4().hex[:8])
    return make


@pytest.fixture
def pika_conn(target):
    import pika
    params = pika.ConnectionParameters(host=target.host, port=target.amqp_port,
                                       credentials=pika.PlainCredentials("guest", "guest"),
                                       client_properties={"connection_name": "mgmt-test"})
    conn = pika.BlockingConnection(params)
    yield conn
    if conn.is_open:
        conn.close()

