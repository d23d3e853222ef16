"""Differential suite for lists, hashes and the string/key commands around them (issue 11):
the same raw RESP scripts go to Latchkey and to a real redis-server, step by step, in RESP2 and
after `HELLO 3`, and the replies are compared byte for byte (the mechanism, fixtures and tolerant
modes are test_differential_redis.py's). Errors, WRONGTYPE and edge arguments are in the scripts.
Blocking behaviour that needs two connections and a clock (wake order, timeouts, CLIENT UNBLOCK,
MULTI/script non-blocking) is compared in the second half with two connections per server.

Run with LATCHKEY_TARGET=redis to check the scripts against two redis-servers (no false alarms).
Redis 7.0 is the reference here, so commands and options newer than 7.0 are left out (HSCAN
NOVALUES) and OBJECT ENCODING of lists (7.0 says quicklist, 7.2+ listpack) is compared by type.
"""
import time

import pytest

from resp_wire import RawConn, encode
from test_differential_redis import M, X, pair, run_differential  # noqa: F401 (pair is a fixture)

LIST_SCRIPT = [
    X("LPUSH", "l", "a"), X("LPUSH", "l", "b", "c"), X("RPUSH", "l", "x", "y"), X("LLEN", "l"),
    X("LRANGE", "l", "0", "-1"), X("LRANGE", "l", "1", "2"), X("LRANGE", "l", "-2", "-1"),
    X("LRANGE", "l", "-100", "100"), X("LRANGE", "l", "3", "1"), X("LRANGE", "l", "10", "20"),
    X("LRANGE", "l", "a", "1"), X("LRANGE", "nol", "0", "-1"), X("LRANGE", "l", "0"),
    X("LINDEX", "l", "0"), X("LINDEX", "l", "-1"), X("LINDEX", "l", "99"), X("LINDEX", "l", "x"),
    X("LINDEX", "nol", "0"), X("LINDEX", "nol", "x"), X("LSET", "nol", "x", "v"),
    X("LSET", "l", "0", "first"), X("LSET", "l", "-1", "last"), X("LSET", "l", "99", "z"),
    X("LSET", "nol", "0", "z"), X("LSET", "l", "x", "z"), X("LRANGE", "l", "0", "-1"),
    X("LPUSHX", "nol", "a"), X("RPUSHX", "nol", "a"), X("EXISTS", "nol"), X("LPUSHX", "l", "p1", "p2"),
    X("RPUSHX", "l", "r1"), X("LRANGE", "l", "0", "-1"),
    X("LPOP", "l"), X("RPOP", "l"), X("LPOP", "l", "2"), X("RPOP", "l", "0"), X("LPOP", "l", "-1"),
    X("LPOP", "l", "x"), X("LPOP", "l", "1", "2"), X("LPOP", "nol"), X("LPOP", "nol", "2"),
    X("RPOP", "nol", "0"), X("LPOP", "l", "100"), X("EXISTS", "l"), X("LPOP"),
    X("RPUSH", "r", "a", "b", "a", "c", "a", "b"), X("LREM", "r", "1", "a"), X("LRANGE", "r", "0", "-1"),
    X("LREM", "r", "-1", "a"), X("LRANGE", "r", "0", "-1"), X("LREM", "r", "0", "b"),
    X("LRANGE", "r", "0", "-1"), X("LREM", "r", "0", "zz"), X("LREM", "nol", "0", "a"),
    X("LREM", "r", "x", "a"), X("LREM", "r", "0", "a"), X("LREM", "r", "0", "c"), X("EXISTS", "r"),
    X("RPUSH", "t", "0", "1", "2", "3", "4", "5"), X("LTRIM", "t", "1", "-2"), X("LRANGE", "t", "0", "-1"),
    X("LTRIM", "t", "0", "100"), X("LTRIM", "t", "-2", "-1"), X("LRANGE", "t", "0", "-1"),
    X("LTRIM", "t", "5", "1"), X("EXISTS", "t"), X("LTRIM", "nol", "0", "1"), X("LTRIM", "t", "a", "1"),
    X("RPUSH", "i", "a", "b", "c"), X("LINSERT", "i", "BEFORE", "b", "x"), X("LINSERT", "i", "after", "c", "y"),
    X("LINSERT", "i", "BEFORE", "zz", "q"), X("LINSERT", "nol", "BEFORE", "a", "q"),
    X("LINSERT", "i", "MIDDLE", "a", "q"), X("LRANGE", "i", "0", "-1"),
    X("RPUSH", "p", "a", "b", "c", "1", "2", "3", "c", "c"), X("LPOS", "p", "c"), X("LPOS", "p", "zz"),
    X("LPOS", "p", "c", "RANK", "2"), X("LPOS", "p", "c", "RANK", "-1"), X("LPOS", "p", "c", "COUNT", "0"),
    X("LPOS", "p", "c", "COUNT", "2"), X("LPOS", "p", "c", "RANK", "-1", "COUNT", "2"),
    X("LPOS", "p", "c", "MAXLEN", "3"), X("LPOS", "p", "c", "COUNT", "0", "MAXLEN", "7"),
    X("LPOS", "p", "c", "RANK", "0"), X("LPOS", "p", "c", "COUNT", "-1"), X("LPOS", "p", "c", "MAXLEN", "-1"),
    X("LPOS", "p", "c", "RANK"), X("LPOS", "p", "c", "FOO", "1"), X("LPOS", "p", "c", "RANK", "x"),
    X("LPOS", "p", "c", "COUNT", "x"), X("LPOS", "p", "c", "MAXLEN", ""), X("LPOS", "nol", "c"), X("LPOS", "nol", "c", "COUNT", "1"), X("LPOS", "p", "c", "RANK", "10"),
    X("RPUSH", "m", "1", "2", "3"), X("LMOVE", "m", "m2", "LEFT", "RIGHT"), X("LMOVE", "m", "m2", "right", "left"),
    X("LRANGE", "m", "0", "-1"), X("LRANGE", "m2", "0", "-1"), X("LMOVE", "m", "m", "LEFT", "RIGHT"),
    X("LMOVE", "nol", "m2", "LEFT", "LEFT"), X("LMOVE", "m", "m2", "UP", "LEFT"), X("RPOPLPUSH", "m2", "m"),
    X("RPOPLPUSH", "nol", "m"), X("LRANGE", "m", "0", "-1"), X("RPOPLPUSH", "m", "m"),
    X("LMOVE", "m", "m2", "LEFT", "LEFT"), X("LMOVE", "m", "m2", "LEFT", "LEFT"), X("EXISTS", "m"),
    X("RPUSH", "a1", "x", "y", "z"), X("LMPOP", "2", "nol", "a1", "LEFT"), X("LMPOP", "2", "nol", "a1", "RIGHT", "COUNT", "5"),
    X("LMPOP", "1", "nol", "LEFT"), X("LMPOP", "0", "a1", "LEFT"), X("LMPOP", "x", "a1", "LEFT"),
    X("LMPOP", "3", "a1", "LEFT"), X("LMPOP", "1", "a1", "UP"), X("LMPOP", "1", "a1", "LEFT", "COUNT", "0"),
    X("LMPOP", "1", "a1", "LEFT", "COUNT"), X("LMPOP", "1", "a1", "LEFT", "COUNT", "1", "COUNT", "1"),
    X("LMPOP", "1", "a1", "LEFT", "FOO"), X("LMPOP", "2", "a1", "LEFT"),
    X("RPUSH", "big", *[str(i) for i in range(200)]), X("LLEN", "big"), X("LINDEX", "big", "150"),
    X("LRANGE", "big", "195", "-1"), X("TYPE", "big"), M("kind", "OBJECT", "ENCODING", "big"),
    X("LPUSH", "l"), X("RPUSH"), X("LLEN"), X("LLEN", "a", "b"), X("LINSERT", "i", "BEFORE", "a"),
    X("RPUSH", b"bin\x00", b"\x00\r\n"), X("LRANGE", b"bin\x00", "0", "-1"), X("RPUSH", "e", ""),
    X("LRANGE", "e", "0", "-1"), X("LPOS", "e", ""),
]

HASH_SCRIPT = [
    X("HSET", "h", "f1", "v1"), X("HSET", "h", "f1", "v1b", "f2", "v2", "f3", "3"), X("HGET", "h", "f1"),
    X("HGET", "h", "zz"), X("HGET", "noh", "f"), X("HMGET", "h", "f1", "zz", "f2"), X("HMGET", "noh", "a", "b"),
    X("HGETALL", "h"), X("HGETALL", "noh"), X("HKEYS", "h"), X("HVALS", "h"), X("HKEYS", "noh"),
    X("HLEN", "h"), X("HLEN", "noh"), X("HEXISTS", "h", "f1"), X("HEXISTS", "h", "zz"), X("HEXISTS", "noh", "f"),
    X("HSTRLEN", "h", "f1"), X("HSTRLEN", "h", "zz"), X("HSTRLEN", "noh", "f"),
    X("HSETNX", "h", "f1", "x"), X("HSETNX", "h", "f4", "x"), X("HSETNX", "noh2", "f", "v"), X("HGETALL", "noh2"),
    X("HMSET", "h", "f5", "5", "f6", "6"), X("HMSET", "h", "f5"), X("HSET", "h", "f5"), X("HSET", "h"),
    X("HDEL", "h", "f5", "f6", "zz"), X("HDEL", "h", "zz"), X("HDEL", "noh", "f"), X("HGETALL", "h"),
    X("HINCRBY", "h", "f3", "10"), X("HINCRBY", "h", "new", "-5"), X("HINCRBY", "h", "f1", "1"),
    X("HINCRBY", "h", "f3", "x"), X("HINCRBY", "h", "f3", "1.5"),
    X("HSET", "h", "max", "9223372036854775807"), X("HINCRBY", "h", "max", "1"), X("HINCRBY", "h", "max", "0"),
    X("HINCRBY", "noh3", "f", "7"), X("HGET", "noh3", "f"),
    X("HINCRBYFLOAT", "h", "fl", "1.5"), X("HINCRBYFLOAT", "h", "fl", "0.1"), X("HINCRBYFLOAT", "h", "fl", "-1.6"),
    X("HINCRBYFLOAT", "h", "fl", "1e3"), X("HINCRBYFLOAT", "h", "f3", "2"), X("HINCRBYFLOAT", "h", "f1", "1"),
    X("HINCRBYFLOAT", "h", "fl", "abc"), X("HINCRBYFLOAT", "h", "fl", "nan"), X("HINCRBYFLOAT", "h", "fl", "inf"),
    X("HINCRBYFLOAT", "h", "fl", "5.0e3"), X("HINCRBYFLOAT", "h", "fl", "-0.25"), X("HGET", "h", "fl"),
    X("HINCRBYFLOAT", "hf", "big", "9223372036854775807"), X("HINCRBYFLOAT", "hf", "tiny", "1e-300"),
    X("HINCRBYFLOAT", "hf", "huge", "1e300"), X("HINCRBYFLOAT", "hf", "neg", "-0.0"), X("HINCRBYFLOAT", "h", "fl", "0x10"),
    X("HINCRBYFLOAT", "hf", "fl", "1e5000"), X("HINCRBYFLOAT", "hf", "huge", "1e300"), X("HGET", "hf", "huge"),
    X("OBJECT", "ENCODING", "hf"), M("scan", "HSCAN", "hf", "0", "COUNT", "1000"), X("HLEN", "hf"),
    # Big-hash cursors are positions here, not Redis's bucket cursors: only the reply type is compared.
    M("kind", "HSCAN", "hf", "-1"), M("kind", "HSCAN", "hf", "18446744073709551615", "COUNT", "9223372036854775807"),
    X("HSET", "h", "sp", " 1"), X("HINCRBY", "h", "sp", "1"), X("HINCRBYFLOAT", "h", "sp", "1"),
    X("HSET", "one", "a", "1"), X("HRANDFIELD", "one"), X("HRANDFIELD", "one", "5"),
    X("HRANDFIELD", "one", "5", "WITHVALUES"), X("HRANDFIELD", "one", "-3"), X("HRANDFIELD", "one", "-2", "WITHVALUES"),
    X("HRANDFIELD", "one", "0"), X("HRANDFIELD", "noh"), X("HRANDFIELD", "noh", "3"),
    X("HRANDFIELD", "noh", "3", "WITHVALUES"), X("HRANDFIELD", "one", "x"), X("HRANDFIELD", "one", "1", "FOO"),
    X("HRANDFIELD", "one", "1", "WITHVALUES", "x"), M("kind", "HRANDFIELD", "h"), M("kind", "HRANDFIELD", "h", "-5"),
    X("HRANDFIELD", "h", "100"),
    X("HSCAN", "h", "0"), X("HSCAN", "h", "0", "MATCH", "f*"), X("HSCAN", "h", "0", "COUNT", "1"),
    X("HSCAN", "noh", "0"), X("HSCAN", "noh", "0", "FOO"), X("HSCAN", "h", ""), X("HSCAN", "h", "-1"),
    X("HSCAN", "h", "+0"), X("HSCAN", "h", " 0"), X("HSCAN", "h", "-"), X("HSCAN", "s", "x"), X("HSCAN", "h", "x"), X("HSCAN", "h", "0", "COUNT", "0"), X("HSCAN", "h", "0", "FOO"),
    X("TYPE", "h"), X("OBJECT", "ENCODING", "h"),
    X("HSET", "wide", "f", "x" * 100), X("OBJECT", "ENCODING", "wide"),
    X("HDEL", "one", "a"), X("EXISTS", "one"), X("HSET", "h", b"\x00bin", b"\r\n"), X("HGET", "h", b"\x00bin"),
    X("HSET", "h", "", ""), X("HGET", "h", ""), X("HSTRLEN", "h", ""),
]

WRONGTYPE_SCRIPT = [
    X("SET", "s", "v"), X("RPUSH", "l", "a"), X("HSET", "h", "f", "v"),
    X("LPUSH", "s", "a"), X("RPUSHX", "s", "a"), X("LPOP", "s"), X("LPOP", "s", "2"), X("LLEN", "s"),
    X("LRANGE", "s", "0", "1"), X("LINDEX", "s", "0"), X("LSET", "s", "0", "a"), X("LREM", "s", "0", "a"),
    X("LTRIM", "s", "0", "1"), X("LINSERT", "s", "BEFORE", "a", "b"), X("LPOS", "s", "a"),
    X("LMOVE", "s", "l", "LEFT", "LEFT"), X("LMOVE", "l", "s", "LEFT", "LEFT"), X("LRANGE", "l", "0", "-1"),
    X("RPOPLPUSH", "h", "l"), X("LMPOP", "2", "s", "l", "LEFT"), X("LMPOP", "2", "nokey", "h", "LEFT"),
    X("BLPOP", "s", "0"), X("BRPOP", "nokey", "h", "0"), X("BLMOVE", "s", "l", "LEFT", "LEFT", "0"),
    X("BLMOVE", "l", "s", "LEFT", "LEFT", "0"), X("BLMPOP", "0", "1", "s", "LEFT"),
    X("HSET", "s", "f", "v"), X("HSETNX", "l", "f", "v"), X("HGET", "s", "f"), X("HMGET", "l", "f"),
    X("HGETALL", "s"), X("HDEL", "s", "f"), X("HEXISTS", "l", "f"), X("HLEN", "s"), X("HKEYS", "s"),
    X("HVALS", "l"), X("HINCRBY", "s", "f", "1"), X("HINCRBYFLOAT", "l", "f", "1"), X("HSTRLEN", "s", "f"),
    X("HSCAN", "s", "0"), X("HRANDFIELD", "l"), X("HRANDFIELD", "s", "2"),
    X("GET", "l"), X("GET", "h"), X("GETDEL", "h"), X("GETSET", "l", "x"), X("SET", "l", "x", "GET"),
    X("INCR", "h"), X("INCRBY", "l", "2"), X("DECR", "h"), X("APPEND", "l", "x"), X("STRLEN", "h"),
    X("MGET", "s", "l", "h", "nokey"), X("TYPE", "s"), X("TYPE", "l"), X("TYPE", "h"),
    M("scan", "SCAN", "0", "COUNT", "1000", "TYPE", "list"), M("scan", "SCAN", "0", "COUNT", "1000", "TYPE", "hash"),
    M("scan", "SCAN", "0", "COUNT", "1000", "TYPE", "HASH"), M("scan", "SCAN", "0", "COUNT", "1000"),
    X("SET", "l", "now a string"), X("GET", "l"), X("TYPE", "l"), X("EXPIRE", "h", "100"), M("int", "TTL", "h", tol=1),
    X("PERSIST", "h"), X("DEL", "h"), X("EXISTS", "h"),
]

STRING_EXTRAS_SCRIPT = [
    X("MSET", "a", "1", "b", "2"), X("MGET", "a", "b", "c"), X("MGET", "c"), X("MSET", "a"), X("MSET", "a", "1", "b"),
    X("MSET"), X("MGET"), X("MSETNX", "a", "9", "z", "9"), X("GET", "z"), X("MSETNX", "y", "1", "z", "2"),
    X("MGET", "y", "z"), X("MSETNX", "q"), X("MSET", "a", "x", "a", "y"), X("GET", "a"),
    X("APPEND", "ap", "hello"), X("APPEND", "ap", " world"), X("GET", "ap"), X("STRLEN", "ap"), X("STRLEN", "no"),
    X("APPEND", "ap"), X("STRLEN"), X("SET", "t", "v", "EX", "100"), X("APPEND", "t", "w"), M("int", "TTL", "t", tol=1),
    X("SETEX", "se", "100", "v"), M("int", "TTL", "se", tol=1), X("SETEX", "se", "0", "v"), X("SETEX", "se", "x", "v"),
    X("PSETEX", "pe", "100000", "v"), M("int", "PTTL", "pe", tol=300), X("PSETEX", "pe", "-1", "v"),
    X("GETSET", "gs", "1"), X("GETSET", "gs", "2"), X("GET", "gs"),
    X("RENAME", "a", "a2"), X("GET", "a2"), X("EXISTS", "a"), X("RENAME", "nokey", "x"), X("RENAME", "a2", "a2"),
    X("RENAME", "nokey", "nokey"), X("RENAME", "t", "t2"), M("int", "TTL", "t2", tol=1),
    X("RENAMENX", "t2", "b"), X("RENAMENX", "t2", "t3"), X("RENAMENX", "t3", "t3"), X("RENAMENX", "nokey", "x"),
    X("RPUSH", "rl", "1", "2"), X("RENAME", "rl", "rl2"), X("LRANGE", "rl2", "0", "-1"), X("TYPE", "rl2"),
    X("HSET", "rh", "f", "v"), X("RENAME", "rh", "rl2"), X("TYPE", "rl2"), X("HGETALL", "rl2"),
    X("RENAME", "a"), X("RENAMENX", "a"),
    X("SET", "n", "12345"), X("OBJECT", "ENCODING", "n"), X("SET", "e", "short"), X("OBJECT", "ENCODING", "e"),
    X("SET", "r", "x" * 60), X("OBJECT", "ENCODING", "r"), X("OBJECT", "ENCODING", "nokey"),
]

# Redisson's RLock scripts (3.x, as it sends them with EVAL): a reentrant lock in a hash whose
# field is the owner (uuid:threadId) and whose value is the hold count. Unlock's ARGV are
# (unlock message, lease ms, owner); the message is PUBLISHed by Redisson's full script, which is
# pub/sub's, so the unlock script here stops before that call.
REDISSON_TRY_LOCK = (
    "if ((redis.call('exists', KEYS[1]) == 0) or (redis.call('hexists', KEYS[1], ARGV[2]) == 1)) then "
    "redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; "
    "return redis.call('pttl', KEYS[1]);")
REDISSON_RENEW = (
    "if (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then redis.call('pexpire', KEYS[1], ARGV[1]); "
    "return 1; end; return 0;")
REDISSON_UNLOCK = (
    "if (redis.call('hexists', KEYS[1], ARGV[3]) == 0) then return nil; end; "
    "local counter = redis.call('hincrby', KEYS[1], ARGV[3], -1); "
    "if (counter > 0) then redis.call('pexpire', KEYS[1], ARGV[2]); return 0; "
    "else redis.call('del', KEYS[1]); return 1; end; return nil;")
OWNER_A, OWNER_B = "5f1c1e7a-9d7b-4b0e-8c1a-2f6f0d2f9a11:1", "5f1c1e7a-9d7b-4b0e-8c1a-2f6f0d2f9a11:2"
REDISSON_SCRIPT = [
    X("EVAL", REDISSON_TRY_LOCK, "1", "lock", "30000", OWNER_A),      # acquired: nil
    X("EVAL", REDISSON_TRY_LOCK, "1", "lock", "30000", OWNER_A),      # re-entered: nil, count 2
    X("HGETALL", "lock"), M("int", "PTTL", "lock", tol=2000),
    M("int", "EVAL", REDISSON_TRY_LOCK, "1", "lock", "30000", OWNER_B, tol=2000),  # busy: its PTTL
    X("EVAL", REDISSON_RENEW, "1", "lock", "60000", OWNER_A), M("int", "PTTL", "lock", tol=2000),
    X("EVAL", REDISSON_RENEW, "1", "lock", "60000", OWNER_B),
    X("EVAL", REDISSON_UNLOCK, "1", "lock", "0", "30000", OWNER_B),        # not the owner: nil
    X("EVAL", REDISSON_UNLOCK, "1", "lock", "0", "30000", OWNER_A),        # count 1 left: 0
    X("HGET", "lock", OWNER_A),
    X("EVAL", REDISSON_UNLOCK, "1", "lock", "0", "30000", OWNER_A),        # released: 1
    X("EXISTS", "lock"), X("EVAL", REDISSON_TRY_LOCK, "1", "lock", "30000", OWNER_B), X("HGETALL", "lock"),
    M("int", "PTTL", "lock", tol=2000),
    X("SET", "str", "x"), X("EVAL", REDISSON_TRY_LOCK, "1", "str", "30000", OWNER_A),  # WRONGTYPE from Lua
]

SCRIPTS = {"lists": LIST_SCRIPT, "redisson-hash": REDISSON_SCRIPT, "hashes": HASH_SCRIPT, "wrongtype": WRONGTYPE_SCRIPT,
           "string-extras": STRING_EXTRAS_SCRIPT}


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_lists_hashes_match_redis(pair, name, proto):  # noqa: F811
    run_differential(pair, SCRIPTS[name], hello3=(proto == 3))


# ------------------------------------------------------------------ blocking, two connections


def _flush(port):
    with RawConn(port) as c:
        c.cmd("FLUSHALL")


def _blocking_transcript(port, proto):
    """A fixed sequence of blocking interactions; returns every reply's raw bytes in order."""
    _flush(port)
    out = []
    a, b, c = RawConn(port), RawConn(port), RawConn(port)
    try:
        if proto == 3:
            for conn in (a, b, c):
                conn.cmd("HELLO", "3")

        def cmd(conn, *args):
            conn.send(encode(*args))
            out.append(conn.read().raw)

        def block(conn, *args):  # a command that blocks: its reply is read later
            conn.send(encode(*args))
            time.sleep(0.05)

        # Immediate serve, fractional timeout, timeout 0 blocks until a push.
        cmd(c, "RPUSH", "q", "1")
        cmd(a, "BLPOP", "q", "0.5")
        t0 = time.monotonic()
        cmd(a, "BLPOP", "q", "0.2")
        out.append(b"waited" if time.monotonic() - t0 >= 0.15 else b"too fast")
        block(a, "BRPOP", "q", "q2", "0")     # a blocks forever on q, q2
        block(b, "BLPOP", "q2", "0")          # b blocks too, after a
        time.sleep(0.1)
        cmd(c, "RPUSH", "q2", "x", "y")     # a (oldest) gets x, then b gets y
        out.append(a.read().raw)
        out.append(b.read().raw)
        cmd(c, "EXISTS", "q2")
        # BLMOVE wakes with the moved element; the destination gets it.
        block(a, "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0")
        time.sleep(0.05)
        cmd(c, "LPUSH", "src", "m")
        out.append(a.read().raw)
        cmd(c, "LRANGE", "dst", "0", "-1")
        cmd(a, "BRPOPLPUSH", "src", "dst", "0.1")
        cmd(a, "BLMPOP", "0.1", "2", "n1", "n2", "LEFT", "COUNT", "2")
        cmd(c, "RPUSH", "n2", "1", "2", "3")
        cmd(a, "BLMPOP", "0", "2", "n1", "n2", "RIGHT", "COUNT", "2")
        # MULTI and scripts never block; a push inside MULTI wakes a waiter after EXEC.
        cmd(a, "MULTI")
        cmd(a, "BLPOP", "none", "0")
        cmd(a, "BLMOVE", "none", "dst", "LEFT", "LEFT", "0")
        cmd(a, "EXEC")
        cmd(a, "EVAL", "return redis.call('BLPOP', KEYS[1], 0)", "1", "none")
        block(b, "BLPOP", "w", "0")
        time.sleep(0.05)
        cmd(c, "MULTI")
        cmd(c, "RPUSH", "w", "1")
        cmd(c, "RPUSH", "w", "2")
        cmd(c, "EXEC")
        out.append(b.read().raw)
        cmd(c, "LRANGE", "w", "0", "-1")
        block(b, "BLPOP", "w2", "0")
        time.sleep(0.05)
        cmd(c, "EVAL", "redis.call('RPUSH', KEYS[1], 'a'); redis.call('RPUSH', KEYS[1], 'b'); "
            "return redis.call('LLEN', KEYS[1])", "1", "w2")
        out.append(b.read().raw)
        cmd(c, "LRANGE", "w2", "0", "-1")
        # CLIENT UNBLOCK: TIMEOUT (nil), ERROR (-UNBLOCKED), and for a client that is not blocked.
        b.send(encode("CLIENT", "ID"))
        b_id = b.read().value
        block(b, "BLPOP", "u", "0")
        time.sleep(0.05)
        info = c.cmd("INFO", "clients")
        text = info.value if isinstance(info.value, bytes) else b""
        out.append(b"blocked_clients:1" if b"blocked_clients:1" in text else text)
        cmd(c, "CLIENT", "UNBLOCK", str(b_id), "TIMEOUT")
        out.append(b.read().raw)
        block(b, "BRPOPLPUSH", "u", "dst", "0")
        time.sleep(0.05)
        cmd(c, "CLIENT", "UNBLOCK", str(b_id), "ERROR")
        out.append(b.read().raw)
        cmd(c, "CLIENT", "UNBLOCK", str(b_id))
        cmd(c, "CLIENT", "UNBLOCK", str(b_id), "FOO")
        cmd(c, "CLIENT", "UNBLOCK", "x")
        # Disconnect while blocked: the waiter is gone, a later push stays in the list.
        block(b, "BLPOP", "gone", "0")
        time.sleep(0.05)
        b.close()
        time.sleep(0.1)
        cmd(c, "RPUSH", "gone", "1")
        cmd(c, "LLEN", "gone")
        # Commands pipelined behind a blocking pop run once it is served, with no further input.
        a.send(encode("BLPOP", "pq", "0") + encode("PING") + encode("RPUSH", "pq", "after"))
        time.sleep(0.05)
        cmd(c, "RPUSH", "pq", "x")
        for _ in range(3):
            out.append(a.read().raw)
        cmd(c, "LRANGE", "pq", "0", "-1")
        a.send(encode("BLPOP", "pq2", "0.1") + encode("ECHO", "after timeout"))
        out.append(a.read().raw)
        out.append(a.read().raw)
        # Timeout errors.
        for args in (("BLPOP", "q", "-1"), ("BLPOP", "q", "x"), ("BLPOP", "q", "nan"), ("BLPOP", "q", "inf"),
                     ("BLPOP", "q", "1e300"), ("BLMPOP", "-1", "1", "q", "LEFT"), ("BLMPOP", "0", "0", "q", "LEFT"),
                     ("BLMOVE", "q", "d", "UP", "LEFT", "0"), ("BLPOP", "q"), ("BRPOPLPUSH", "q", "d")):
            cmd(c, *args)
    finally:
        for conn in (a, c):
            conn.close()
        try:
            b.close()
        except Exception:
            pass
    return out


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
def test_blocking_matches_redis(pair, proto):  # noqa: F811
    a_srv, b_srv = pair
    la = _blocking_transcript(a_srv.port, proto)
    lb = _blocking_transcript(b_srv.port, proto)
    diffs = [(i, x, y) for i, (x, y) in enumerate(zip(la, lb)) if x != y]
    assert len(la) == len(lb) and not diffs, diffs
