"""redis-benchmark smoke runs: short, and they must finish cleanly (no WARNING, no errors).

redis-benchmark first sends `CONFIG GET save` / `CONFIG GET appendonly` and warns if they fail;
then it hammers the server from 5 connections, pipelined in the lock workload.
"""
import subprocess

from resp_wire import RawConn


def bench(server, *args):
    p = subprocess.run(["redis-benchmark", "-h", server.host, "-p", str(server.port)] + list(args),
                       capture_output=True, timeout=50)
    text = p.stdout + p.stderr
    assert p.returncode == 0, text
    for bad in (b"WARNING", b"Error", b"ERR", b"error", b"Could not"):
        assert bad not in text, text
    return p.stdout.decode()


def test_set_get_quick(server):
    text = bench(server, "-n", "2000", "-c", "5", "-t", "set,get", "--csv")
    rows = [line for line in text.splitlines() if line.startswith('"SET"') or line.startswith('"GET"')]
    assert len(rows) == 2, text
    for row in rows:
        assert float(row.split(",")[1].strip('"')) > 0
    with RawConn(server.port) as c:
        value = c.cmd("GET", "key:__rand_int__")
        assert value.kind == "$" and len(value.value) == 3  # default -d 3


def test_lock_workload_pipelined(server):
    text = bench(server, "-n", "2000", "-c", "5", "-P", "16", "-r", "100000", "--csv",
                 "SET", "lock:__rand_int__", "tok-0123456789abcdefgh", "NX", "PX", "30000")
    assert "SET lock:__rand_int__" in text, text
    with RawConn(server.port) as c:
        n = c.cmd("DBSIZE").value
        # 2000 random draws from 100000 names: almost all distinct, all within the range.
        assert 1800 <= n <= 2000
        keys = c.cmd("KEYS", "lock:*").value
        assert len(keys) == n
        k = keys[0]
        assert c.cmd("GET", k).raw == b"$22\r\ntok-0123456789abcdefgh\r\n"
        assert 25000 < c.cmd("PTTL", k).value <= 30000


def test_quiet_mode_all_requests_served(server):
    text = bench(server, "-n", "1000", "-c", "5", "-q", "INCR", "counter")
    assert "INCR counter:" in text and "requests per second" in text
    with RawConn(server.port) as c:
        assert c.cmd("GET", "counter").raw == b"$4\r\n1000\r\n"


def test_default_suite_inline_and_threads(server):
    """`-t ping` runs PING_INLINE (inline protocol) and PING_MBULK; --threads 2 splits clients."""
    text = bench(server, "-n", "2000", "-c", "10", "--threads", "2", "-d", "1000", "-t", "ping,set,get,incr",
                 "--csv")
    for name in ("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"):
        assert '"%s"' % name in text, text
    with RawConn(server.port) as c:
        v = c.cmd("GET", "key:__rand_int__")
        assert v.kind == "$" and len(v.value) == 1000
        assert c.cmd("GET", "counter:__rand_int__").raw == b"$4\r\n2000\r\n"
