"""Bad and hostile input over raw sockets: the server answers as Redis does and keeps serving.

Protocol violations get Redis's exact `-ERR Protocol error: ...` reply and then the connection is
closed; command errors never close. Also: half-sent commands followed by a disconnect, 10,000
commands pipelined in one write, binary keys/values, thousands of idle connections and the
maxclients refusal.
"""
import resource
import signal
import socket
import time

import pytest

from resp_wire import RawConn, encode


def assert_alive(server):
    with RawConn(server.port) as c:
        assert c.cmd("PING").raw == b"+PONG\r\n"
        assert c.cmd("SET", "alive", "yes").raw == b"+OK\r\n"
        assert c.cmd("GET", "alive").raw == b"$3\r\nyes\r\n"


PROTOCOL_ERRORS = [
    ("bad multibulk count", b"*x\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("multibulk count over INT_MAX", b"*2147483648\r\n",
     b"-ERR Protocol error: invalid multibulk length\r\n"),
    ("bad bulk length", b"*1\r\n$x\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("negative bulk length", b"*1\r\n$-3\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("bulk length over 512MB", b"*1\r\n$536870913\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    ("integer inside multibulk", b"*1\r\n:5\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
    ("plain string inside multibulk", b"*2\r\n$3\r\nGET\r\n+k\r\n",
     b"-ERR Protocol error: expected '$', got '+'\r\n"),
    ("unbalanced double quote", b'SET k "abc\r\n', b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ("unbalanced single quote", b"SET k 'abc\r\n", b"-ERR Protocol error: unbalanced quotes in request\r\n"),
    ("closing quote not followed by space", b'SET k "a"b\r\n',
     b"-ERR Protocol error: unbalanced quotes in request\r\n"),
]


@pytest.mark.parametrize("name,data,expected", PROTOCOL_ERRORS, ids=[p[0] for p in PROTOCOL_ERRORS])
def test_protocol_error_replies_then_closes(server, name, data, expected):
    with RawConn(server.port) as c:
        c.send(data)
        assert c.read_all_until_close() == expected
    assert_alive(server)


def test_protocol_error_after_good_commands_in_same_write(server):
    with RawConn(server.port) as c:
        c.send(encode("SET", "a", "1") + encode("GET", "a") + b"*1\r\n:5\r\n" + encode("SET", "b", "2"))
        assert c.read_all_until_close() == (b"+OK\r\n$1\r\n1\r\n"
                                            b"-ERR Protocol error: expected '$', got ':'\r\n")
    with RawConn(server.port) as c:
        assert c.cmd("EXISTS", "a", "b").raw == b":1\r\n"  # nothing after the bad frame ran


def test_too_big_inline_request(server):
    with RawConn(server.port) as c:
        c.send(b"A" * (70 * 1024))  # no newline: an inline request over 64 KB
        assert c.read_all_until_close() == b"-ERR Protocol error: too big inline request\r\n"
    assert_alive(server)


def test_too_big_multibulk_header(server):
    with RawConn(server.port) as c:
        c.send(b"*" + b"1" * (70 * 1024))
        assert c.read_all_until_close() == b"-ERR Protocol error: too big mbulk count string\r\n"
    assert_alive(server)


def test_too_big_bulk_header(server):
    with RawConn(server.port) as c:
        c.send(b"*1\r\n$" + b"1" * (70 * 1024))
        assert c.read_all_until_close() == b"-ERR Protocol error: too big bulk count string\r\n"
    assert_alive(server)


def test_empty_and_null_multibulk_ignored(server):
    with RawConn(server.port) as c:
        c.send(b"*0\r\n*-1\r\n\r\n\n" + encode("PING"))
        assert c.read().raw == b"+PONG\r\n"


def test_inline_commands(server):
    with RawConn(server.port) as c:
        c.send(b"PING\r\n")
        assert c.read().raw == b"+PONG\r\n"
        c.send(b"SET k \"a b\\x41\\n\"\n")  # bare \n also ends an inline request
        assert c.read().raw == b"+OK\r\n"
        c.send(b"GET k\r\n")
        assert c.read().raw == b"$5\r\na bA\n\r\n"
        c.send(b"SET k2 'x y'\r\nget   k2\r\n")
        assert c.read().raw == b"+OK\r\n"
        assert c.read().raw == b"$3\r\nx y\r\n"


def test_unknown_command_keeps_connection(server):
    with RawConn(server.port) as c:
        assert c.cmd("FOO", "bar", "baz").raw == (
            b"-ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' \r\n")
        assert c.cmd("foo").raw == b"-ERR unknown command 'foo', with args beginning with: \r\n"
        long_arg = "x" * 300
        rep = c.cmd("NOPE", long_arg)
        assert rep.raw == (b"-ERR unknown command 'NOPE', with args beginning with: '"
                           + b"x" * 128 + b"' \r\n")
        assert c.cmd("PING").raw == b"+PONG\r\n"


def test_half_sent_commands_then_disconnect(server):
    fragments = [
        b"*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$5\r\nva",  # mid-bulk
        b"*3\r\n$3\r\nSET\r\n$4\r\nhalf",                # key without CRLF
        b"*3\r\n$3\r\nSET\r\n",                          # after first element
        b"*3",                                           # count without CRLF
        b"*1\r\n$100000000\r\nabc",                      # huge declared bulk, little data
        b"SET half inline-without-newline",
    ]
    for frag in fragments:
        s = socket.create_connection((server.host, server.port), timeout=5)
        s.sendall(frag)
        s.close()
    # A reset instead of a FIN, mid-command.
    s = socket.create_connection((server.host, server.port), timeout=5)
    s.sendall(b"*2\r\n$3\r\nGET\r\n$1")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.close()
    time.sleep(0.1)
    with RawConn(server.port) as c:
        assert c.cmd("EXISTS", "half").raw == b":0\r\n"
        assert c.cmd("PING").raw == b"+PONG\r\n"


def test_command_split_byte_by_byte(server):
    with RawConn(server.port) as c:
        for b in encode("SET", "split", "value"):
            c.send(bytes([b]))
        assert c.read().raw == b"+OK\r\n"
        assert c.cmd("GET", "split").raw == b"$5\r\nvalue\r\n"


def test_ten_thousand_pipelined_commands_in_one_write(server):
    n = 10_000
    with RawConn(server.port, timeout=30) as c:
        c.send(b"".join(encode("INCR", "counter") for _ in range(n)))
        for i in range(1, n + 1):
            assert c.read().raw == b":%d\r\n" % i
        c.send(b"".join(encode("SET", "p:%d" % i, "v%d" % i) for i in range(n)) + encode("DBSIZE"))
        for _ in range(n):
            assert c.read().raw == b"+OK\r\n"
        assert c.read().raw == b":%d\r\n" % (n + 1)
        c.send(b"".join(encode("GET", "p:%d" % i) for i in range(n)))
        for i in range(n):
            v = b"v%d" % i
            assert c.read().raw == b"$%d\r\n%s\r\n" % (len(v), v)


def test_pipeline_with_slow_reader(server):
    """Many large replies that the client does not read for a while: the server must buffer
    or pause reading, never drop or reorder."""
    with RawConn(server.port, timeout=30) as c:
        c.cmd("SET", "big", "x" * 100_000)
        c.send(encode("GET", "big") * 200 + encode("PING"))
        time.sleep(0.3)
        for _ in range(200):
            rep = c.read()
            assert rep.kind == "$" and len(rep.value) == 100_000
        assert c.read().raw == b"+PONG\r\n"


def test_binary_keys_and_values(server):
    key = b"k\r\n\x00\xff*1\r\n$3"
    value = b"\r\n\x00" + bytes(range(256)) + b"$-1\r\n"
    with RawConn(server.port) as c:
        assert c.cmd("SET", key, value).raw == b"+OK\r\n"
        assert c.cmd("GET", key).raw == b"$%d\r\n%s\r\n" % (len(value), value)
        assert c.cmd("EXISTS", key).raw == b":1\r\n"
        assert c.cmd("KEYS", "k*").raw == b"*1\r\n$%d\r\n%s\r\n" % (len(key), key)
        assert c.cmd("SET", b"", b"").raw == b"+OK\r\n"
        assert c.cmd("GET", b"").raw == b"$0\r\n\r\n"
        assert c.cmd("DEL", key, b"").raw == b":2\r\n"


def test_large_value_roundtrip(server):
    value = bytes(range(256)) * 4096 * 4  # 4 MB
    with RawConn(server.port, timeout=30) as c:
        assert c.cmd("SET", "large", value).raw == b"+OK\r\n"
        rep = c.cmd("GET", "large")
        assert rep.value == value


def _open_idle(server, n):
    socks = []
    for _ in range(n):
        s = socket.create_connection((server.host, server.port), timeout=10)
        socks.append(s)
    return socks


def _check_idle_then_close(server, socks, expect_clients):
    try:
        with RawConn(server.port, timeout=20) as c:
            assert c.cmd("PING").raw == b"+PONG\r\n"
            # All idle connections are registered (plus this one).
            deadline = time.monotonic() + 10
            while True:
                info = c.cmd("INFO", "clients").value
                line = [x for x in info.split(b"\r\n") if x.startswith(b"connected_clients:")][0]
                count = int(line.split(b":")[1])
                if count >= expect_clients + 1 or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            assert count == expect_clients + 1
            # A sample of the idle ones still works.
            for s in socks[:: max(1, len(socks) // 20)]:
                s.sendall(b"PING\r\n")
                assert s.recv(16) == b"+PONG\r\n"
    finally:
        for s in socks:
            s.close()
    time.sleep(0.2)
    assert_alive(server)


@pytest.mark.slow
def test_two_thousand_idle_connections(server):
    socks = _open_idle(server, 2000)
    _check_idle_then_close(server, socks, 2000)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_ten_thousand_idle_connections(server_factory):
    # Each process (ours, and the server that inherits our limit) needs 10,000 fds plus some.
    need = 10_000 + 300
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need and (hard == resource.RLIM_INFINITY or hard >= need):
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
        soft = need
    if soft < need:
        pytest.skip("ulimit -n is %d; 10,000 connections need about %d" % (soft, need))
    s = server_factory("--maxclients", "10100")
    socks = _open_idle(s, 10_000)
    _check_idle_then_close(s, socks, 10_000)


def test_maxclients_refusal(server_factory):
    s = server_factory("--maxclients", "5")
    conns = [RawConn(s.port) for _ in range(5)]
    try:
        for c in conns:
            assert c.cmd("PING").raw == b"+PONG\r\n"
        extra = RawConn(s.port)
        assert extra.read_all_until_close() == b"-ERR max number of clients reached\r\n"
        extra.close()
        conns.pop().close()
        time.sleep(0.2)
        again = RawConn(s.port)
        assert again.cmd("PING").raw == b"+PONG\r\n"
        again.close()
    finally:
        for c in conns:
            c.close()


def test_unauthenticated_clients_get_small_limits(server_factory):
    """With requirepass, Redis 7 caps what an unauthenticated client may send (10 arguments,
    16 KB bulks) so nobody can make the server buffer big requests without the password."""
    s = server_factory("--requirepass", "secret")
    with RawConn(s.port) as c:
        c.send(b"*11\r\n")
        assert c.read_all_until_close() == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
    with RawConn(s.port) as c:
        c.send(b"*1\r\n$16385\r\n")
        assert c.read_all_until_close() == b"-ERR Protocol error: unauthenticated bulk length\r\n"
    with RawConn(s.port) as c:  # at the limits: accepted (then NOAUTH), connection stays open
        assert c.cmd(*(["EXISTS"] + ["x"] * 9)).raw == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("ECHO", "y" * 16384).raw == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("AUTH", "secret").raw == b"+OK\r\n"
        assert c.cmd(*(["EXISTS"] + ["k"] * 20)).raw == b":0\r\n"  # no cap once authenticated


def test_idle_timeout_closes_idle_clients_only(server_factory):
    s = server_factory("--timeout", "1")
    idle = RawConn(s.port)
    busy = RawConn(s.port)
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:
        assert busy.cmd("PING").raw == b"+PONG\r\n"
        time.sleep(0.25)
    assert idle.is_closed(timeout=0.5)  # closed silently after ~1-2 s idle
    assert busy.cmd("PING").raw == b"+PONG\r\n"
    idle.close()
    busy.close()


def test_sigterm_exits_cleanly(server_factory):
    s = server_factory()
    with RawConn(s.port) as c:
        assert c.cmd("SET", "k", "v").raw == b"+OK\r\n"
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(10) == 0
        assert c.is_closed(timeout=2)


def test_ipv6_loopback_listener(server):
    """Latchkey listens on IPv6 loopback too by default (`bind 127.0.0.1 -::1`)."""
    from redis_support import target_is_redis
    if target_is_redis():
        pytest.skip("the redis target is started with --bind 127.0.0.1 only")
    try:
        s = socket.create_connection(("::1", server.port), timeout=5)
    except OSError as e:
        pytest.skip("no IPv6 loopback here: %s" % e)
    with s:
        s.sendall(b"PING\r\n")
        assert s.recv(16) == b"+PONG\r\n"
