"""Scripts that run long but under busy-reply-threshold: nothing interleaves with them, and
they see one "now" from start to end. Raw sockets, exact replies as Redis 7.0 sends them.
The BUSY state past the threshold (SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE) is
test_redis_busy_script.py's.
"""
import time

from resp_wire import RawConn, encode


def test_script_is_atomic(server_factory):
    """Nothing interleaves with a running script, even a slow one under the threshold."""
    s = server_factory("--busy-reply-threshold", "5000")
    body = ("redis.call('set', KEYS[1], '1') for i = 1, 3000000 do end "
            "return redis.call('get', KEYS[1])")
    runner = RawConn(s.port, timeout=20)
    runner.send(encode("EVAL", body, "1", "k"))
    time.sleep(0.01)
    with RawConn(s.port, timeout=20) as other:
        other.send(encode("SET", "k", "2"))
        assert runner.read().raw == b"$1\r\n1\r\n"  # the SET waited for the script
        assert other.read().raw == b"+OK\r\n"
        assert other.cmd("GET", "k").raw == b"$1\r\n2\r\n"
    runner.close()


def test_script_sees_one_now(server):
    """A key that expires during the script is still visible to it (time frozen at start)."""
    body = ("redis.call('set', KEYS[1], 'v', 'PX', '5') for i = 1, 20000000 do end "
            "return {redis.call('get', KEYS[1]), redis.call('exists', KEYS[1])}")
    with RawConn(server.port, timeout=30) as c:
        t0 = time.monotonic()
        rep = c.cmd("EVAL", body, "1", "frozen")
        assert time.monotonic() - t0 > 0.02, "the loop was too short to prove anything"
        assert rep.raw == b"*2\r\n$1\r\nv\r\n:1\r\n"
        assert c.cmd("GET", "frozen").raw == b"$-1\r\n"
