"""Every command of issue 2 item 4 through redis-py 8 (RESP3 default and protocol=2).

Replies are checked as redis-py decodes them, and error texts as redis-py surfaces them
(`str(exc)` is the error line without its leading code for ERR, with it for others).
AUTH/requirepass tests start a second server with `--requirepass secret`.
"""
import socket
import time

import pytest
import redis
from redis.exceptions import (AuthenticationError, ConnectionError, DataError, NoPermissionError,
                              ResponseError)

from redis_support import make_client
from resp_wire import RawConn


def err(excinfo):
    return str(excinfo.value)


# ---------------------------------------------------------------- connection

def test_hello_handshake_implicit_and_protocol(server, client):
    assert client.ping() is True
    c = client.connection_pool.get_connection()
    try:
        assert int(c.protocol) == client.test_protocol
    finally:
        client.connection_pool.release(c)


@pytest.mark.parametrize("proto", [3, 2])
def test_connect_without_warnings_or_log_errors(server, caplog, recwarn, proto):
    import logging
    caplog.set_level(logging.DEBUG)
    c = make_client(server, protocol=proto, client_name="quiet")
    assert c.ping() is True
    assert c.set("k", "v") is True
    c.close()
    assert [w for w in recwarn.list] == []
    noisy = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert noisy == [], [r.getMessage() for r in noisy]


def test_hello_reply_fields(r):
    hello = r.execute_command("HELLO", "3")
    assert hello[b"proto"] == 3
    assert hello[b"mode"] == b"standalone"
    assert hello[b"role"] == b"master"
    assert hello[b"modules"] == []
    assert isinstance(hello[b"id"], int)
    assert list(hello.keys()) == [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]
    ver = hello[b"version"].split(b".")
    assert len(ver) == 3 and int(ver[0]) >= 7


def test_hello_errors(server):
    with RawConn(server.port) as c:
        assert c.cmd("HELLO", "4").raw == b"-NOPROTO unsupported protocol version\r\n"
        assert c.cmd("HELLO", "x").raw == b"-ERR Protocol version is not an integer or out of range\r\n"
        # Still RESP2 after the failed HELLOs.
        assert c.cmd("GET", "missing").raw == b"$-1\r\n"
        hello2 = c.cmd("HELLO", "2")
        assert hello2.kind == "*" and len(hello2.value) == 14
        c.cmd("HELLO", "3")
        assert c.cmd("GET", "missing").raw == b"_\r\n"
        assert c.cmd("HELLO").kind == "%"
        c.cmd("HELLO", "2")
        assert c.cmd("GET", "missing").raw == b"$-1\r\n"


def test_ping_echo(client):
    assert client.ping() is True
    assert client.echo("hello") == b"hello"
    with pytest.raises(ResponseError) as e:
        client.execute_command("PING", "a", "b")
    assert err(e) == "wrong number of arguments for 'ping' command"


def test_ping_raw(server):
    with RawConn(server.port) as c:
        assert c.cmd("PING").raw == b"+PONG\r\n"
        assert c.cmd("PING", "msg").raw == b"$3\r\nmsg\r\n"
        assert c.cmd("ECHO", "").raw == b"$0\r\n\r\n"
        assert c.cmd("ECHO").raw == b"-ERR wrong number of arguments for 'echo' command\r\n"


def test_client_setname_getname_id(client):
    assert client.client_getname() is None
    assert client.client_setname("worker-1") is True
    assert client.client_getname() == "worker-1" or client.client_getname() == b"worker-1"
    cid = client.client_id()
    assert isinstance(cid, int) and cid > 0
    with pytest.raises(ResponseError) as e:
        client.client_setname("bad name")
    assert err(e) == "Client names cannot contain spaces, newlines or special characters."


@pytest.mark.newer_redis  # CLIENT SETINFO arrived in Redis 7.2
def test_client_setinfo(client):
    assert client.execute_command("CLIENT", "SETINFO", "LIB-NAME", "mylib") in (True, b"OK")
    assert client.execute_command("CLIENT", "SETINFO", "lib-ver", "1.2.3") in (True, b"OK")


def test_client_list_and_info(server, client):
    client.client_setname("lister")
    me = client.client_id()
    other = make_client(server)
    other.client_setname("other")
    clients = client.client_list()
    by_id = {int(c["id"]): c for c in clients}
    assert me in by_id
    assert by_id[me]["name"] == "lister"
    assert "other" in [c["name"] for c in clients]
    for field in ("addr", "fd", "age", "idle", "db", "cmd"):
        assert field in by_id[me]
    info = client.client_info()
    assert int(info["id"]) == me
    assert info["name"] == "lister"
    assert str(info["db"]) == "0"
    other.close()


def test_client_unknown_subcommand(client):
    with pytest.raises(ResponseError) as e:
        client.execute_command("CLIENT", "FOO")
    assert err(e) == "unknown subcommand 'FOO'. Try CLIENT HELP."


def test_client_kill_by_id(server, client):
    victim = RawConn(server.port)
    victim_id = victim.cmd("CLIENT", "ID").value
    assert client.client_kill_filter(_id=victim_id) == 1
    assert victim.is_closed()
    victim.close()
    assert client.client_kill_filter(_id=999999) == 0


def test_client_kill_by_addr(server, client):
    victim = RawConn(server.port)
    addr = "%s:%d" % victim.sock.getsockname()[:2]
    assert client.execute_command("CLIENT", "KILL", addr) in (True, b"OK")
    assert victim.is_closed()
    victim.close()
    with pytest.raises(ResponseError) as e:
        client.execute_command("CLIENT", "KILL", "1.2.3.4:5")
    assert err(e) == "No such client"


def test_select_15_isolated(server, client):
    client.set("k", "db0")
    c15 = make_client(server, db=15, protocol=client.test_protocol)
    assert c15.get("k") is None
    c15.set("k", "db15")
    assert client.get("k") == b"db0"
    assert c15.get("k") == b"db15"
    assert c15.dbsize() == 1
    c15.close()


def test_select_errors(server):
    with RawConn(server.port) as c:
        assert c.cmd("SELECT", "16").raw == b"-ERR DB index is out of range\r\n"
        assert c.cmd("SELECT", "-1").raw == b"-ERR DB index is out of range\r\n"
        assert c.cmd("SELECT", "x").raw == b"-ERR value is not an integer or out of range\r\n"
        assert c.cmd("SELECT", "15").raw == b"+OK\r\n"


def test_quit_closes(server):
    with RawConn(server.port) as c:
        assert c.cmd("QUIT").raw == b"+OK\r\n"
        assert c.is_closed()


def test_reset(server):
    with RawConn(server.port) as c:
        c.cmd("HELLO", "3")
        c.cmd("SELECT", "5")
        c.cmd("CLIENT", "SETNAME", "x")
        assert c.cmd("RESET").raw == b"+RESET\r\n"
        assert c.cmd("GET", "missing").raw == b"$-1\r\n"  # back to RESP2
        assert c.cmd("CLIENT", "GETNAME").raw == b"$-1\r\n"
        c.cmd("SET", "k", "v")
    with RawConn(server.port) as c:
        assert c.cmd("GET", "k").raw == b"$1\r\nv\r\n"  # RESET selected db 0


# ---------------------------------------------------------------- server

def test_info_sections(client):
    client.set("a", 1)
    client.set("b", 2, ex=100)
    full = client.info()
    for field in ("redis_version", "redis_mode", "connected_clients", "used_memory", "loading",
                  "total_commands_processed", "role", "process_id", "tcp_port", "uptime_in_seconds"):
        assert field in full, field
    assert full["redis_mode"] == "standalone"
    assert full["loading"] == 0
    assert full["role"] == "master"
    assert full["connected_clients"] >= 1
    ks = client.info("keyspace")
    assert ks["db0"]["keys"] == 2
    assert ks["db0"]["expires"] == 1
    server_only = client.info("server")
    assert "redis_version" in server_only and "connected_clients" not in server_only
    assert "connected_clients" in client.info("clients")
    assert "used_memory" in client.info("memory")
    assert client.info("persistence")["loading"] == 0
    assert "total_connections_received" in client.info("stats")


def test_info_is_bulk_with_headers(server):
    with RawConn(server.port) as c:
        for proto in ("2", "3"):
            c.cmd("HELLO", proto)
            rep = c.cmd("INFO")
            assert rep.kind in ("$", "=")
            text = rep.value
            if rep.kind == "=":  # RESP3 verbatim string: "txt:" format prefix
                assert text.startswith(b"txt:")
                text = text[4:]
            assert text.startswith(b"# Server\r\n")
            assert b"\r\nredis_version:" in text
            assert b"\r\n# Persistence\r\n" in text and b"\r\nloading:0\r\n" in text
            assert b"\r\n# Keyspace\r\n" in text


def test_config_get(client):
    save = client.config_get("save")
    assert save == {"save": ""}
    assert client.config_get("appendonly") == {"appendonly": "no"}
    assert client.config_get("databases") == {"databases": "16"}
    assert client.config_get("no-such-directive-xyz") == {}
    both = client.execute_command("CONFIG", "GET", "save", "appendonly")
    if isinstance(both, dict):
        assert set(both) == {b"save", b"appendonly"}
    else:
        assert sorted(both[0::2]) == [b"appendonly", b"save"]


def test_config_get_raw_encodings(server):
    with RawConn(server.port) as c:
        assert c.cmd("CONFIG", "GET", "appendonly").raw == b"*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"
        c.cmd("HELLO", "3")
        assert c.cmd("CONFIG", "GET", "appendonly").raw == b"%1\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"
        assert c.cmd("CONFIG", "GET", "save").raw == b"%1\r\n$4\r\nsave\r\n$0\r\n\r\n"


def test_config_set_timeout_roundtrip(client):
    assert client.config_set("timeout", 300) is True
    assert client.config_get("timeout") == {"timeout": "300"}
    client.config_set("timeout", 0)


def test_time(client):
    secs, micros = client.time()
    assert abs(secs + micros / 1e6 - time.time()) < 2
    assert 0 <= micros < 1_000_000


def test_dbsize_flushdb_flushall(server, client):
    c15 = make_client(server, db=15)
    client.set("a", 1)
    client.set("b", 1)
    c15.set("c", 1)
    assert client.dbsize() == 2
    assert client.flushdb() is True
    assert client.dbsize() == 0
    assert c15.dbsize() == 1
    client.set("a", 1)
    assert client.flushall() is True
    assert client.dbsize() == 0 and c15.dbsize() == 0
    client.set("a", 1)
    assert client.flushall(asynchronous=True) is True
    assert client.dbsize() == 0
    assert client.execute_command("FLUSHDB", "SYNC") in (True, b"OK")
    c15.close()


def test_command_count(server):
    with RawConn(server.port) as c:
        rep = c.cmd("COMMAND", "COUNT")
        assert rep.kind == ":" and rep.value > 20


def test_command_info_and_list(server):
    """COMMAND INFO: name, arity, flags, first key, last key, step (the fields clients use to
    route keys); COMMAND LIST: every command name."""
    expected = {b"get": (2, 1, 1, 1), b"set": (-3, 1, 1, 1), b"del": (-2, 1, -1, 1),
                b"eval": (-3, 0, 0, 0), b"evalsha": (-3, 0, 0, 0), b"pexpire": (-3, 1, 1, 1),
                b"ping": (-1, 0, 0, 0), b"hello": (-1, 0, 0, 0)}
    with RawConn(server.port) as c:
        for proto in ("2", "3"):
            c.cmd("HELLO", proto)
            rep = c.cmd("COMMAND", "INFO", *expected, "nosuchcommand")
            assert rep.kind == "*" and len(rep.value) == len(expected) + 1
            for entry, (name, (arity, first, last, step)) in zip(rep.value, expected.items()):
                assert entry[0] == name
                assert (entry[1], entry[3], entry[4], entry[5]) == (arity, first, last, step), name
                assert isinstance(entry[2], list)  # flags (a set ~ in RESP3, parsed as a list)
            assert rep.value[-1] is None
        names = c.cmd("COMMAND", "LIST").value
        for name in (b"get", b"set", b"del", b"eval", b"evalsha", b"script", b"client", b"info",
                     b"config", b"hello", b"auth", b"select", b"expire", b"pexpire", b"ttl", b"scan"):
            assert name in names, name


# ---------------------------------------------------------------- keys

def test_set_get_options(client):
    assert client.set("k", "v") is True
    assert client.get("k") == b"v"
    assert client.set("k", "v2", xx=True) is True
    assert client.set("nokey", "v", xx=True) is None
    assert client.set("k", "v3", get=True) == b"v2"
    assert client.set("new", "v", get=True) is None
    assert client.get("new") == b"v"
    # NX + GET (7.0): returns old value, does not set.
    assert client.set("k", "zzz", nx=True, get=True) == b"v3"
    assert client.get("k") == b"v3"
    assert client.set("k", "e", ex=100) is True
    assert 98 <= client.ttl("k") <= 100
    client.set("k", "keep", keepttl=True)
    assert 98 <= client.ttl("k") <= 100
    client.set("k", "plain")
    assert client.ttl("k") == -1
    future = int(time.time()) + 1000
    client.set("k", "x", exat=future)
    assert client.expiretime("k") == future
    client.set("k", "x", pxat=future * 1000 + 123)
    assert client.pexpiretime("k") == future * 1000 + 123
    client.set("k", "x", exat=int(time.time()) - 10)
    assert client.exists("k") == 0


@pytest.mark.parametrize("args,text", [
    (("SET", "k", "v", "NX", "XX"), "syntax error"),
    (("SET", "k", "v", "EX", "10", "PX", "100"), "syntax error"),
    (("SET", "k", "v", "KEEPTTL", "EX", "10"), "syntax error"),
    (("SET", "k", "v", "FOO"), "syntax error"),
    (("SET", "k", "v", "EX"), "syntax error"),
    (("SET", "k", "v", "EX", "0"), "invalid expire time in 'set' command"),
    (("SET", "k", "v", "PX", "-5"), "invalid expire time in 'set' command"),
    (("SET", "k", "v", "EX", "9999999999999999"), "invalid expire time in 'set' command"),
    (("SET", "k", "v", "EX", "abc"), "value is not an integer or out of range"),
    (("SET", "k", "v", "PX", "1.5"), "value is not an integer or out of range"),
    (("SET", "k"), "wrong number of arguments for 'set' command"),
    (("set", "k"), "wrong number of arguments for 'set' command"),
    (("GET",), "wrong number of arguments for 'get' command"),
    (("DEL",), "wrong number of arguments for 'del' command"),
])
def test_set_errors(client, args, text):
    with pytest.raises(ResponseError) as e:
        client.execute_command(*args)
    assert err(e) == text
    assert client.exists("k") == 0


def test_setnx_getdel_del_unlink_exists(client):
    assert client.setnx("a", 1) is True
    assert client.setnx("a", 2) is False
    assert client.getdel("a") == b"1"
    assert client.getdel("a") is None
    client.set("a", 1)
    client.set("b", 1)
    assert client.exists("a", "a", "b", "nokey") == 3
    assert client.delete("a", "a", "nokey") == 1
    assert client.unlink("b", "c") == 1
    assert client.exists("a", "b") == 0


def test_type(client):
    client.set("s", "v")
    assert client.type("s") == b"string"
    assert client.type("missing") == b"none"


def test_keys_patterns(client):
    for k in ("lock:a", "lock:b", "lock:cc", "other", "l?ck", "x*y"):
        client.set(k, 1)
    assert sorted(client.keys("lock:*")) == [b"lock:a", b"lock:b", b"lock:cc"]
    assert sorted(client.keys("lock:?")) == [b"lock:a", b"lock:b"]
    assert sorted(client.keys("lock:[ab]")) == [b"lock:a", b"lock:b"]
    assert sorted(client.keys("lock:[^a]*")) == [b"lock:b", b"lock:cc"]
    assert client.keys("x\\*y") == [b"x*y"]
    assert len(client.keys("*")) == 6
    assert client.keys("nomatch*") == []


def test_keys_skips_expired(client):
    client.set("gone", 1, px=50)
    client.set("stays", 1)
    time.sleep(0.15)
    assert client.keys("*") == [b"stays"]


def test_scan_covers_everything(client):
    names = {("key:%d" % i).encode() for i in range(300)}
    pipe = client.pipeline(transaction=False)
    for n in names:
        pipe.set(n, 1)
    pipe.set("other", 1)
    pipe.execute()
    assert set(client.scan_iter(match="key:*", count=17)) == names
    seen, cursor = set(), 0
    while True:
        cursor, batch = client.scan(cursor, count=50)
        seen.update(batch)
        if cursor == 0:
            break
    assert seen == names | {b"other"}
    with pytest.raises(ResponseError) as e:
        client.execute_command("SCAN", "x")
    assert err(e) == "invalid cursor"
    with pytest.raises(ResponseError) as e:
        client.execute_command("SCAN", "0", "COUNT", "x")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(ResponseError) as e:
        client.execute_command("SCAN", "0", "FOO")
    assert err(e) == "syntax error"


def test_scan_cursor_ends_at_a_nul_byte(client):
    # The fuzzer found it (Tests/Fuzz/resp_commands_fuzz.py): redis-server parses cursors with
    # strtoul on a C string, so the cursor ends at the first NUL byte and the rest is ignored.
    # (redis-py turns the reply's cursor into an int and HSCAN's pairs into a dict.)
    client.set("k", 1)
    client.hset("h", "f", "v")
    cursor, keys = client.execute_command("SCAN", b"\x00junk")
    assert int(cursor) == 0 and sorted(keys) == [b"h", b"k"]
    cursor, keys = client.execute_command("SCAN", b"0\x00junk")
    assert int(cursor) == 0 and sorted(keys) == [b"h", b"k"]
    cursor, pairs = client.execute_command("HSCAN", "missing", b"\x00\xa8")
    assert int(cursor) == 0 and not pairs
    cursor, pairs = client.execute_command("HSCAN", "h", b"0\x00")
    assert int(cursor) == 0 and dict(pairs) == {b"f": b"v"}
    for bad in (b"+\x00", b" 0\x00", b"1x\x00"):
        with pytest.raises(ResponseError) as e:
            client.execute_command("SCAN", bad)
        assert err(e) == "invalid cursor"


def test_incr_family(client):
    assert client.incr("sem") == 1
    assert client.incrby("sem", 10) == 11
    assert client.decr("sem") == 10
    assert client.decrby("sem", 20) == -10
    assert client.get("sem") == b"-10"
    client.set("big", 9223372036854775807)
    with pytest.raises(ResponseError) as e:
        client.incr("big")
    assert err(e) == "increment or decrement would overflow"
    client.set("s", "abc")
    with pytest.raises(ResponseError) as e:
        client.incr("s")
    assert err(e) == "value is not an integer or out of range"
    with pytest.raises(ResponseError) as e:
        client.incrby("sem", "1.5")
    assert err(e) == "value is not an integer or out of range"
    client.set("ttl", 5, ex=100)
    client.incr("ttl")
    assert client.ttl("ttl") > 90  # INCR keeps the TTL


def test_incr_concurrent_counting_semaphore(server):
    import threading
    barrier = threading.Barrier(8)

    def worker():
        c = make_client(server)
        barrier.wait(5)
        for _ in range(250):
            c.incr("sem")
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    c = make_client(server)
    assert c.get("sem") == b"2000"
    c.close()


def test_expire_ttl_persist(client):
    client.set("k", "v")
    assert client.ttl("k") == -1
    assert client.ttl("nokey") == -2
    assert client.pttl("nokey") == -2
    assert client.expire("k", 100) is True
    assert client.ttl("k") in (99, 100)
    assert client.pexpire("k", 5000) is True
    assert 4000 < client.pttl("k") <= 5000
    assert client.persist("k") is True
    assert client.persist("k") is False
    assert client.ttl("k") == -1
    assert client.expire("nokey", 10) is False
    at = int(time.time()) + 500
    assert client.expireat("k", at) is True
    assert client.expiretime("k") == at
    assert client.pexpireat("k", at * 1000 + 7) is True
    assert client.pexpiretime("k") == at * 1000 + 7
    assert client.expiretime("nokey") == -2
    client.set("p", 1)
    assert client.expiretime("p") == -1 and client.pexpiretime("p") == -1
    assert client.expire("k", 0) is True  # <= 0 deletes
    assert client.exists("k") == 0
    client.set("k", 1)
    assert client.pexpire("k", -5) is True
    assert client.exists("k") == 0


def test_expire_nx_xx_gt_lt(client):
    client.set("k", "v")
    assert client.expire("k", 100, xx=True) is False  # no TTL yet
    assert client.expire("k", 100, gt=True) is False  # no TTL counts as infinite
    assert client.expire("k", 100, nx=True) is True
    assert client.expire("k", 200, nx=True) is False
    assert client.expire("k", 50, gt=True) is False
    assert client.expire("k", 200, gt=True) is True
    assert client.expire("k", 300, lt=True) is False
    assert client.expire("k", 150, lt=True) is True
    assert client.expire("k", 160, xx=True) is True
    assert client.ttl("k") in (159, 160)
    client.set("p", "v")
    assert client.expire("p", 100, lt=True) is True  # infinite > 100
    assert client.pexpire("k", 1000, gt=True) is False
    with pytest.raises(ResponseError) as e:
        client.execute_command("EXPIRE", "k", "10", "NX", "XX")
    assert err(e) == "NX and XX, GT or LT options at the same time are not compatible"
    with pytest.raises(ResponseError) as e:
        client.execute_command("EXPIRE", "k", "10", "GT", "LT")
    assert err(e) == "GT and LT options at the same time are not compatible"
    with pytest.raises(ResponseError) as e:
        client.execute_command("EXPIRE", "k", "10", "FOO")
    assert err(e) == "Unsupported option FOO"
    with pytest.raises(ResponseError) as e:
        client.execute_command("EXPIRE", "k", "9999999999999999")
    assert err(e) == "invalid expire time in 'expire' command"
    with pytest.raises(ResponseError) as e:
        client.execute_command("PEXPIRE", "k", "x")
    assert err(e) == "value is not an integer or out of range"


def test_expired_keys_invisible_everywhere(client):
    client.set("e", 1, px=60)
    time.sleep(0.15)
    assert client.get("e") is None
    assert client.exists("e") == 0
    assert client.type("e") == b"none"
    assert client.ttl("e") == -2
    assert client.set("e", "new", nx=True) is True


def test_active_expiry_reclaims_untouched_keys(client):
    pipe = client.pipeline(transaction=False)
    for i in range(200):
        pipe.set("tmp:%d" % i, 1, px=500)
    pipe.execute()
    assert client.dbsize() == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and client.dbsize() > 0:
        time.sleep(0.1)
    # DBSIZE does not touch the keys, so only the active cycle can bring this to zero.
    assert client.dbsize() == 0


def test_binary_safe_values(client):
    key = b"bin\r\n\x00key"
    value = bytes(range(256)) * 4
    assert client.set(key, value) is True
    assert client.get(key) == value
    assert key in client.keys("*")


# ---------------------------------------------------------------- auth

def test_auth_without_requirepass(server):
    with RawConn(server.port) as c:
        assert c.cmd("AUTH", "x").raw == (
            b"-ERR AUTH <password> called without any password configured for the default user. "
            b"Are you sure your configuration is correct?\r\n")
        assert c.cmd("AUTH", "default", "anything").raw == b"+OK\r\n"
        assert c.cmd("AUTH", "a", "b", "c").raw == b"-ERR syntax error\r\n"
        assert c.cmd("AUTH").raw == b"-ERR wrong number of arguments for 'auth' command\r\n"


NOAUTH_HELLO = (b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                b"HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                b"the RESP protocol version at the same time\r\n")


def test_requirepass_raw(server_factory):
    s = server_factory("--requirepass", "secret")
    with RawConn(s.port) as c:
        assert c.cmd("GET", "k").raw == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("SET", "k", "v").raw == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("HELLO", "3").raw == NOAUTH_HELLO
        assert c.cmd("AUTH", "wrong").raw == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        assert c.cmd("AUTH", "default", "wrong").raw == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        assert c.cmd("AUTH", "secret").raw == b"+OK\r\n"
        assert c.cmd("SET", "k", "v").raw == b"+OK\r\n"
    with RawConn(s.port) as c:
        assert c.cmd("AUTH", "default", "secret").raw == b"+OK\r\n"
        assert c.cmd("GET", "k").raw == b"$1\r\nv\r\n"
    with RawConn(s.port) as c:
        hello = c.cmd("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "n1")
        assert hello.kind == "%"
        assert c.cmd("CLIENT", "GETNAME").raw == b"$2\r\nn1\r\n"
        assert c.cmd("GET", "missing").raw == b"_\r\n"
    with RawConn(s.port) as c:
        assert c.cmd("HELLO", "3", "AUTH", "default", "nope").raw == (
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
        assert c.cmd("GET", "k").raw == b"-NOAUTH Authentication required.\r\n"
    with RawConn(s.port) as c:
        assert c.cmd("QUIT").raw == b"+OK\r\n"  # QUIT is allowed before AUTH


def test_requirepass_redis_py(server_factory):
    s = server_factory("--requirepass", "secret")
    for proto in (3, 2):
        ok = make_client(s, password="secret", protocol=proto)
        assert ok.set("k", "v") is True
        assert ok.get("k") == b"v"
        ok.close()
        bad = make_client(s, password="wrong", protocol=proto)
        with pytest.raises(AuthenticationError):
            bad.ping()
        bad.close()
        anon = make_client(s, protocol=proto)
        with pytest.raises((AuthenticationError, ConnectionError, ResponseError)):
            anon.get("k")
        anon.close()
    named = make_client(s, username="default", password="secret", client_name="cn")
    assert named.client_getname() in ("cn", b"cn")
    named.close()
