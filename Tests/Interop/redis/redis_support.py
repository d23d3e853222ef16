"""Shared helpers of the RESP interop suite: which server to target, how to start it, and a
redis-py client factory. A uniquely named module (not conftest) so test files can import it
without colliding with the AMQP suite's conftest.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
if os.path.dirname(HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(HERE))

import latchkey_server  # noqa: E402
import real_redis  # noqa: E402

TARGET = os.environ.get("LATCHKEY_TARGET", "latchkey").lower()
if TARGET not in ("latchkey", "redis"):
    raise RuntimeError("LATCHKEY_TARGET must be 'latchkey' or 'redis', not %r" % TARGET)
DEFAULT_TIMEOUT_S = 60


def target_is_redis():
    return TARGET == "redis"


def latchkey_built():
    return os.path.exists(latchkey_server.binary_path())


def start_server(*extra, target=None):
    """Start one server of the chosen target with `--directive value` pairs; returns it started."""
    target = target or TARGET
    if target == "redis":
        return real_redis.RedisServer(*extra).start()
    if not latchkey_built():
        raise RuntimeError("latchkey binary not found at %s (build it: swift build -c release "
                           "--product latchkey, or set LATCHKEY_BIN / LATCHKEY_TARGET=redis)"
                           % latchkey_server.binary_path())
    return latchkey_server.LatchkeyServer(*extra, amqp=False).start()


def make_client(server, **kw):
    import redis
    kw.setdefault("socket_timeout", 5)
    kw.setdefault("socket_connect_timeout", 5)
    return redis.Redis(host=server.host, port=server.port, **kw)


def differential_pair():
    """(server under test, real redis-server) for the differential files' module fixtures: the server
    under test is Latchkey, or redis-server itself with LATCHKEY_TARGET=redis (the harness's
    self-check). Skips when redis-server or the Latchkey binary is missing. Callers stop both."""
    import pytest
    if not real_redis.available():
        pytest.skip("redis-server is not installed")
    if target_is_redis():
        a = start_server(target="redis")
    elif latchkey_built():
        a = start_server(target="latchkey")
    else:
        pytest.skip("latchkey binary not built (set LATCHKEY_TARGET=redis to self-check the harness)")
    return a, real_redis.RedisServer().start()
