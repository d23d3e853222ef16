"""Scripts that run long: atomicity, one "now" per script, the BUSY state past
busy-reply-threshold, SCRIPT KILL (and UNKILLABLE after a write) and SHUTDOWN NOSAVE.
Raw sockets, exact texts as Redis 7.0 sends them. Servers start with a 200 ms threshold.
"""
import hashlib
import time

from resp_wire import RawConn, encode

BUSY = (b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
        b"SHUTDOWN NOSAVE.\r\n")
LOOP = "while true do end"


def sha(body):
    return hashlib.sha1(body.encode()).hexdigest().encode()


def wait_busy(port, timeout=5.0):
    deadline = time.monotonic() + timeout
    with RawConn(port, timeout=timeout) as c:
        while time.monotonic() < deadline:
            rep = c.cmd("PING")
            if rep.raw == BUSY:
                return
            time.sleep(0.05)
    raise AssertionError("server never reported BUSY")


def test_runaway_script_busy_then_script_kill(server_factory):
    s = server_factory("--busy-reply-threshold", "200")
    runner = RawConn(s.port, timeout=10)
    runner.send(encode("EVAL", LOOP, "0"))
    wait_busy(s.port)
    with RawConn(s.port) as other:
        assert other.cmd("GET", "k").raw == BUSY
        assert other.cmd("SET", "k", "v").raw == BUSY
        assert other.cmd("SCRIPT", "KILL").raw == b"+OK\r\n"
        assert runner.read().raw == (b"-ERR Script killed by user with SCRIPT KILL... script: "
                                     + sha(LOOP) + b", on @user_script:1.\r\n")
        assert other.cmd("PING").raw == b"+PONG\r\n"
        assert other.cmd("EXISTS", "k").raw == b":0\r\n"
    assert runner.cmd("PING").raw == b"+PONG\r\n"  # the runner's connection stays usable
    runner.close()


def test_script_that_wrote_is_unkillable_but_shutdown_nosave_works(server_factory):
    s = server_factory("--busy-reply-threshold", "200")
    body = "redis.call('set', KEYS[1], 'v') " + LOOP
    runner = RawConn(s.port, timeout=10)
    runner.send(encode("EVAL", body, "1", "k"))
    wait_busy(s.port)
    with RawConn(s.port) as other:
        assert other.cmd("SCRIPT", "KILL").raw == (
            b"-UNKILLABLE Sorry the script already executed write commands against the dataset. "
            b"You can either wait the script termination or kill the server in a hard way using "
            b"the SHUTDOWN NOSAVE command.\r\n")
        other.send(encode("SHUTDOWN", "NOSAVE"))
        assert other.is_closed(timeout=5)
    assert runner.is_closed(timeout=5)
    s.proc.wait(10)
    runner.close()


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
