"""pytest plugin: a Latchkey server for the session, reset before each test that asks for it.

Fixtures
    latchkey_server  session scope: one server on free ports; .redis_url, .amqp_url,
                     .advance(seconds), .reset(), .freeze(), .resume(), .now_ms()
    latchkey         function scope: the same object, reset before the test
Options (or the LATCHKEY_* environment variables in brackets)
    --latchkey-bin PATH                       the binary to run [LATCHKEY_BIN]
    --latchkey-backend latchkey|real          real: use running Redis and RabbitMQ instead
                                              [LATCHKEY_BACKEND]
    --latchkey-redis-url / --latchkey-amqp-url   their addresses (real backend)
    --latchkey-rabbitmq-management-url URL    lets reset() delete RabbitMQ queues/exchanges
    --latchkey-real-sleep-limit SECONDS       real backend: advance() sleeps up to this long,
                                              and skips the test beyond it (default 60)
With the real backend the same tests run unchanged, the path a team takes when it outgrows
one machine: reset() is FLUSHALL + SCRIPT FLUSH and (given the management URL) deletes every
queue and non-default exchange; advance() really waits, since a real server's clock cannot move.
"""
import base64
import json
import os
import time
import urllib.parse
import urllib.request

import pytest

from . import Server, _RESPConnection


def pytest_addoption(parser):
    g = parser.getgroup("latchkey", "Latchkey test server")
    g.addoption("--latchkey-bin", default=os.environ.get("LATCHKEY_BIN"), help="latchkey binary to run")
    g.addoption("--latchkey-backend", default=os.environ.get("LATCHKEY_BACKEND", "latchkey"),
                choices=["latchkey", "real"], help="latchkey (default) or real Redis + RabbitMQ")
    g.addoption("--latchkey-redis-url", default=os.environ.get("LATCHKEY_REDIS_URL", "redis://127.0.0.1:6379/0"))
    g.addoption("--latchkey-amqp-url", default=os.environ.get("LATCHKEY_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    g.addoption("--latchkey-rabbitmq-management-url", default=os.environ.get("LATCHKEY_RABBITMQ_MANAGEMENT_URL"),
                help="http://user:pass@host:15672 (real backend): reset() deletes queues and exchanges")
    g.addoption("--latchkey-real-sleep-limit", type=float,
                default=float(os.environ.get("LATCHKEY_REAL_SLEEP_LIMIT", "60")),
                help="real backend: the longest advance() that really sleeps; longer ones skip the test")


class RealServers:
    """The fixture's interface over a running Redis and RabbitMQ (the `real` backend)."""

    def __init__(self, redis_url, amqp_url, management_url, sleep_limit):
        self.redis_url = redis_url
        self.amqp_url = amqp_url
        self.management_url = management_url
        self.sleep_limit = sleep_limit
        u = urllib.parse.urlparse(redis_url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 6379
        self._conn = _RESPConnection(self.host, self.port)
        if u.password:
            self._conn.call("AUTH", *([u.username, u.password] if u.username else [u.password]))

    def command(self, *args):
        return self._conn.call(*args)

    def advance(self, seconds):
        if seconds > self.sleep_limit:
            pytest.skip("advance(%s) needs Latchkey's clock (real backend sleeps at most %ss)"
                        % (seconds, self.sleep_limit))
        time.sleep(seconds)

    def now_ms(self):
        return int(time.time() * 1000)

    def freeze(self):
        pytest.skip("freezing the clock needs Latchkey")

    resume = freeze

    def reset(self):
        self._conn.call("FLUSHALL")
        self._conn.call("SCRIPT", "FLUSH")
        if self.management_url:
            self._reset_rabbitmq()

    def _api(self, method, path):
        u = urllib.parse.urlparse(self.management_url)
        req = urllib.request.Request("%s://%s:%d/api/%s" % (u.scheme, u.hostname, u.port or 15672, path),
                                     method=method)
        token = base64.b64encode(("%s:%s" % (u.username or "guest", u.password or "guest")).encode()).decode()
        req.add_header("Authorization", "Basic " + token)
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def _reset_rabbitmq(self):
        q = urllib.parse.quote
        for queue in self._api("GET", "queues?columns=name,vhost"):
            self._api("DELETE", "queues/%s/%s" % (q(queue["vhost"], safe=""), q(queue["name"], safe="")))
        for ex in self._api("GET", "exchanges?columns=name,vhost"):
            if ex["name"] and not ex["name"].startswith("amq."):
                self._api("DELETE", "exchanges/%s/%s" % (q(ex["vhost"], safe=""), q(ex["name"], safe="")))

    def stop(self):
        self._conn.close()


@pytest.fixture(scope="session")
def latchkey_server(request):
    opt = request.config.getoption
    if opt("--latchkey-backend") == "real":
        servers = RealServers(opt("--latchkey-redis-url"), opt("--latchkey-amqp-url"),
                              opt("--latchkey-rabbitmq-management-url"), opt("--latchkey-real-sleep-limit"))
        servers.reset()
        yield servers
        servers.stop()
        return
    server = Server(binary=opt("--latchkey-bin")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def latchkey(latchkey_server):
    """The session's server, reset (data, scripts, AMQP entities, clock) before this test."""
    latchkey_server.reset()
    return latchkey_server


def pytest_report_header(config):
    if config.getoption("--latchkey-backend") == "real":
        return "latchkey: real backend (%s, %s)" % (config.getoption("--latchkey-redis-url"),
                                                   config.getoption("--latchkey-amqp-url"))
    return None
