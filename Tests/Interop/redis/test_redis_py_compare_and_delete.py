"""Native compare-and-delete, no script needed (protocol-surface.md §A7 / §A4): Redis 8.4's
`DELEX key [IFEQ|IFNE|IFDEQ|IFDNE]`, `DIGEST key` (XXH3-64, 16 lower-case hex digits) and the
`SET ... IFEQ/IFNE/IFDEQ/IFDNE` conditions, and Valkey 9's `DELIFEQ`. redis-server 7.0 has none of
these, so every test here is skipped for LATCHKEY_TARGET=redis; they are written from the docs.
WRONGTYPE cases need a non-string type, which Latchkey does not have, so they are not tested.
"""

import pytest
import xxhash

from resp_wire import RawConn

pytestmark = [pytest.mark.newer_redis,
              pytest.mark.filterwarnings("ignore::UserWarning")]  # redis-py marks these experimental


def digest(value):
    return xxhash.xxh3_64_hexdigest(value)


def test_digest_test_vector(server):
    with RawConn(server.port) as c:
        c.cmd("SET", "hw", "Hello world")
        assert c.cmd("DIGEST", "hw").raw == b"$16\r\nb6acb9d84a38ff74\r\n"
        assert c.cmd("DIGEST", "missing").raw == b"$-1\r\n"
        c.cmd("HELLO", "3")
        assert c.cmd("DIGEST", "missing").raw == b"_\r\n"
        assert c.cmd("DIGEST").raw == b"-ERR wrong number of arguments for 'digest' command\r\n"


@pytest.mark.parametrize("value", [b"", b"a", b"tok-0123456789abcdefgh", bytes(range(256)) * 5,
                                   b"x" * 240, b"\r\n\x00"])
def test_digest_matches_reference_xxh3(r, value):
    r.set("k", value)
    assert r.digest("k") == digest(value).encode()
    assert r.digest_local(value) == r.digest("k")


def test_delex_ifeq(r):
    r.set("lock", "tok-1")
    assert r.delex("lock", ifeq="tok-2") == 0
    assert r.get("lock") == b"tok-1"
    assert r.delex("lock", ifeq="tok-1") == 1
    assert r.exists("lock") == 0
    assert r.delex("lock", ifeq="tok-1") == 0


def test_delex_ifne(r):
    r.set("k", "v")
    assert r.delex("k", ifne="v") == 0
    assert r.delex("k", ifne="other") == 1
    assert r.delex("missing", ifne="x") == 0


def test_delex_digest_conditions(r):
    r.set("k", "value-1")
    d = digest(b"value-1")
    assert r.delex("k", ifdne=d) == 0
    assert r.delex("k", ifdeq=digest(b"other")) == 0
    assert r.delex("k", ifdeq=d.upper()) == 1  # digests compare case-insensitively
    r.set("k", "value-2")
    assert r.delex("k", ifdne=d) == 1


def test_delex_without_condition_is_del(r):
    r.set("k", "v")
    assert r.delex("k") == 1
    assert r.delex("k") == 0


def test_delex_errors(server):
    with RawConn(server.port) as c:
        c.cmd("SET", "k", "v")
        assert c.cmd("DELEX", "k", "IFEQ", "v", "IFNE", "x").raw == b"-ERR syntax error\r\n"
        assert c.cmd("DELEX", "k", "FOO", "v").raw == b"-ERR syntax error\r\n"
        assert c.cmd("DELEX", "k", "IFEQ").raw.startswith(b"-ERR ")
        assert c.cmd("DELEX").raw == b"-ERR wrong number of arguments for 'delex' command\r\n"
        assert c.cmd("EXISTS", "k").raw == b":1\r\n"


def test_delex_respects_expiry(r):
    import time
    r.set("k", "v", px=50)
    time.sleep(0.15)
    assert r.delex("k", ifeq="v") == 0


def test_set_ifeq(r):
    assert r.set("k", "new", ifeq="old") is None  # missing key: not created
    assert r.exists("k") == 0
    r.set("k", "old")
    assert r.set("k", "new", ifeq="nope") is None
    assert r.get("k") == b"old"
    assert r.set("k", "new", ifeq="old", px=30000) is True
    assert r.get("k") == b"new"
    assert 29000 < r.pttl("k") <= 30000


def test_set_ifne(r):
    assert r.set("k", "v1", ifne="x") is True  # missing key counts as "not equal"
    assert r.set("k", "v2", ifne="v1") is None
    assert r.set("k", "v2", ifne="zzz") is True
    assert r.get("k") == b"v2"


def test_set_ifdeq_ifdne(r):
    r.set("k", "v1")
    assert r.set("k", "v2", ifdeq=digest(b"v1")) is True
    assert r.set("k", "v3", ifdeq=digest(b"v1")) is None
    assert r.set("k", "v3", ifdne=digest(b"v2")) is None
    assert r.set("k", "v3", ifdne=digest(b"v1")) is True
    assert r.get("k") == b"v3"


def test_set_if_with_get_returns_previous(server):
    with RawConn(server.port) as c:
        c.cmd("SET", "k", "old")
        assert c.cmd("SET", "k", "new", "IFEQ", "nope", "GET").raw == b"$3\r\nold\r\n"
        assert c.cmd("GET", "k").raw == b"$3\r\nold\r\n"
        assert c.cmd("SET", "k", "new", "IFEQ", "old", "GET").raw == b"$3\r\nold\r\n"
        assert c.cmd("GET", "k").raw == b"$3\r\nnew\r\n"


def test_set_if_syntax_errors(server):
    with RawConn(server.port) as c:
        c.cmd("SET", "k", "v")
        for args in (("IFEQ", "v", "NX"), ("XX", "IFEQ", "v"), ("IFEQ", "v", "IFNE", "w"),
                     ("IFDEQ", "0000000000000000", "IFDNE", "0000000000000000"), ("IFEQ",)):
            assert c.cmd("SET", "k", "x", *args).raw == b"-ERR syntax error\r\n", args
        assert c.cmd("GET", "k").raw == b"$1\r\nv\r\n"


def test_delifeq_valkey(server):
    with RawConn(server.port) as c:
        c.cmd("SET", "lock", "tok")
        assert c.cmd("DELIFEQ", "lock", "other").raw == b":0\r\n"
        assert c.cmd("DELIFEQ", "lock", "tok").raw == b":1\r\n"
        assert c.cmd("DELIFEQ", "lock", "tok").raw == b":0\r\n"
        assert c.cmd("DELIFEQ", "lock").raw == b"-ERR wrong number of arguments for 'delifeq' command\r\n"


def test_delex_from_lua(server):
    with RawConn(server.port) as c:
        c.cmd("SET", "lock", "tok")
        assert c.cmd("EVAL", "return redis.call('delex', KEYS[1], 'IFEQ', ARGV[1])", "1",
                     "lock", "bad").raw == b":0\r\n"
        assert c.cmd("EVAL", "return redis.call('delex', KEYS[1], 'IFEQ', ARGV[1])", "1",
                     "lock", "tok").raw == b":1\r\n"
