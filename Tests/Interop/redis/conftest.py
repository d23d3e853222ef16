"""Fixtures for the RESP interop suite: which server the tests talk to, and clients for it.

By default every test runs against the built latchkey binary (RESP only, `amqp=False`). With
LATCHKEY_TARGET=redis the same tests run against a real redis-server 7 instead, which is how the
suite itself is validated: a test that passes there encodes real Redis behaviour. Tests of
commands Redis 7.0 lacks (Redis 8.4 / Valkey) carry @pytest.mark.newer_redis and are skipped
for the redis target. Every test gets a wall-clock bound (pytest-timeout) so nothing hangs.

Run:  .venv/bin/python -m pytest -q Tests/Interop/redis                  # against Latchkey
      LATCHKEY_TARGET=redis .venv/bin/python -m pytest -q Tests/Interop/redis   # against redis 7
      LATCHKEY_BIN=/path/to/latchkey ...                                  # another binary
The differential suite needs both binaries (or, with LATCHKEY_TARGET=redis, compares two
redis-servers to check its own comparisons).
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from redis_support import (DEFAULT_TIMEOUT_S, TARGET, make_client, start_server,  # noqa: E402,F401
                           target_is_redis)


def pytest_configure(config):
    config.addinivalue_line("markers", "newer_redis: command newer than redis-server 7.0 "
                            "(Redis 7.2/8.4, Valkey 8-9); skipped when the target is redis 7.0")
    config.addinivalue_line("markers", "slow: opens thousands of connections or runs a tool")


def pytest_collection_modifyitems(config, items):
    skip_new = pytest.mark.skip(reason="newer than Redis 7.0 (7.2/8.4/Valkey): redis-server 7.0 lacks it")
    for item in items:
        if not str(item.fspath).startswith(HERE):
            continue
        if target_is_redis() and item.get_closest_marker("newer_redis"):
            item.add_marker(skip_new)
        if item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(DEFAULT_TIMEOUT_S))


class ServerFactory:
    def __init__(self):
        self.started = []

    def __call__(self, *extra, target=None):
        s = start_server(*extra, target=target)
        self.started.append(s)
        return s

    def stop_all(self):
        for s in self.started:
            try:
                s.stop()
            except Exception:
                pass


@pytest.fixture
def server_factory():
    """Start extra servers (e.g. `server_factory('--requirepass', 'secret')`); all stopped after."""
    f = ServerFactory()
    yield f
    f.stop_all()


@pytest.fixture
def server(server_factory):
    """A fresh server of the chosen target with default settings."""
    return server_factory()


@pytest.fixture
def r(server):
    """redis-py 8 with its defaults (RESP3, HELLO 3 on connect)."""
    c = make_client(server)
    yield c
    c.close()


@pytest.fixture(params=[3, 2], ids=["resp3", "resp2"])
def client(request, server):
    """redis-py 8 with the default protocol (3) and with protocol=2."""
    c = make_client(server, protocol=request.param)
    c.test_protocol = request.param
    yield c
    c.close()
