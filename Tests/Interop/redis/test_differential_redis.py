"""Differential suite: identical raw RESP command scripts go to Latchkey and to a real
redis-server 7, step by step and alternating, and the replies are compared byte for byte.

Where two correct servers legitimately differ (TTL countdowns, client ids, INFO and CLIENT LIST
contents, TIME, HELLO's server/version, unordered KEYS/SCAN results) a step names a tolerant
comparison instead of exact bytes. Each script runs in RESP2 and again after `HELLO 3`.
Lua scripts (EVAL/EVALSHA/SCRIPT: conversions, errors, pcall, NOSCRIPT, numkeys, the lock
libraries' scripts) are compared the same way. A redis-cli section compares its output too.

Targets: Latchkey vs redis-server when the latchkey binary is built. With LATCHKEY_TARGET=redis
(no Latchkey needed) the two sides are two redis-servers, which checks that the comparisons have
no false alarms; commands newer than Redis 7.0 are therefore not in these scripts.
"""
import subprocess
import time

import pytest

import real_redis
from redis_support import latchkey_built, start_server, target_is_redis
from resp_wire import Closed, RawConn, encode

FUT = int(time.time()) + 100_000  # a fixed future Unix time, the same for both servers
FUT_MS = FUT * 1000 + 321


# ------------------------------------------------------------------ steps and comparisons

class Step:
    """One request and how to compare the two replies. `raw` bytes are sent as they are."""

    def __init__(self, args=None, raw=None, mode="exact", tol=0, replies=1):
        self.args, self.raw, self.mode, self.tol, self.replies = args, raw, mode, tol, replies

    def payload(self):
        return self.raw if self.raw is not None else encode(*self.args)

    def __repr__(self):
        return repr(self.raw) if self.raw is not None else " ".join(
            a if isinstance(a, str) else repr(a) for a in self.args)


def X(*args):
    return Step(args)


def M(mode, *args, tol=0):
    return Step(args, mode=mode, tol=tol)


def RAW(data, mode="exact", replies=1):
    return Step(raw=data, mode=mode, replies=replies)


def _int(rep):
    assert rep.kind == ":", rep
    return rep.value


def _text(rep):
    # INFO / CLIENT LIST / CLIENT INFO: Redis 7 answers a RESP3 client with a verbatim string
    # (=N txt:...), and protocol-surface.md §A2 prescribes a plain bulk string in both protocols
    # (clients accept either); so either kind is accepted, and the text itself is compared.
    assert rep.kind in ("$", "="), rep
    v = rep.value
    return v[4:] if rep.kind == "=" else v


def _pairs(rep):
    """A map reply (RESP3 %) or a flat array (RESP2) as a list of (k, v)."""
    if rep.kind == "%":
        return list(rep.value)
    assert rep.kind == "*", rep
    v = rep.value
    return list(zip(v[0::2], v[1::2]))


def _info_sections(text):
    return [line for line in text.split(b"\r\n") if line.startswith(b"# ")]


def _info_fields(text):
    out = {}
    for line in text.split(b"\r\n"):
        if b":" in line and not line.startswith(b"#"):
            k, v = line.split(b":", 1)
            out[k] = v
    return out


STABLE_INFO_FIELDS = (b"redis_mode", b"loading", b"role", b"connected_slaves", b"aof_enabled",
                      b"rdb_bgsave_in_progress", b"aof_rewrite_in_progress")
CORE_SECTIONS = (b"# Server", b"# Clients", b"# Memory", b"# Persistence", b"# Stats", b"# Keyspace")


def compare(step, a, b):
    """None when the replies agree under the step's mode, else a reason."""
    mode = step.mode
    try:
        if mode == "exact":
            return None if a.raw == b.raw else "bytes differ"
        if a.kind == "-" or b.kind == "-":
            return None if a.raw == b.raw else "error differs"
        if mode == "int":
            return None if abs(_int(a) - _int(b)) <= step.tol else "integers differ by more than %d" % step.tol
        if mode == "kind":
            return None if a.kind == b.kind else "reply types differ"
        if mode == "sorted":  # arrays whose order is unspecified (KEYS)
            assert a.kind == b.kind == "*"
            return None if sorted(a.value) == sorted(b.value) else "elements differ"
        if mode == "pairs":  # CONFIG GET with several patterns: order unspecified
            assert a.kind == b.kind
            return None if sorted(_pairs(a)) == sorted(_pairs(b)) else "pairs differ"
        if mode == "scan":  # full SCAN in one call: cursor 0 both, same set of keys
            assert a.kind == b.kind == "*"
            ca, ka = a.value
            cb, kb = b.value
            return None if (ca, sorted(ka)) == (cb, sorted(kb)) else "scan differs"
        if mode == "time":
            for rep in (a, b):
                assert rep.kind == "*" and len(rep.value) == 2 and all(x.isdigit() for x in rep.value)
            return None if abs(int(a.value[0][0]) - int(b.value[0][0])) <= 2 else "clocks differ"
        if mode == "hello":
            pa, pb = _pairs(a), _pairs(b)
            if a.kind != b.kind:
                return "reply types differ"
            if [k for k, _ in pa] != [k for k, _ in pb]:
                return "HELLO keys differ"
            da, db = dict(pa), dict(pb)
            for key in (b"proto", b"mode", b"role", b"modules"):
                if da[key] != db[key]:
                    return "HELLO %s differs" % key.decode()
            return None
        if mode == "info":
            ta, tb = _text(a), _text(b)  # both bulk ($) or verbatim (=): see _text
            sa, sb = _info_sections(ta), _info_sections(tb)
            section = step.args[1].lower() if step.args[1:] else "default"
            if section not in ("default", "all", "everything"):  # one named section: same headers
                if sa != sb:
                    return "sections differ: %r vs %r" % (sa, sb)
            else:
                ca = [s for s in sa if s in CORE_SECTIONS]
                cb = [s for s in sb if s in CORE_SECTIONS]
                if ca != cb or len(cb) != len(CORE_SECTIONS):
                    return "core sections differ: %r vs %r" % (ca, cb)
            fa, fb = _info_fields(ta), _info_fields(tb)
            for f in STABLE_INFO_FIELDS:
                if (f in fb) and fa.get(f) != fb.get(f):
                    return "field %s differs" % f.decode()
            for f, v in fb.items():
                if f.startswith(b"db"):  # keyspace: keys and expires exact, avg_ttl tolerated
                    if f not in fa:
                        return "keyspace %s missing" % f.decode()
                    if fa[f].split(b",")[:2] != v.split(b",")[:2]:
                        return "keyspace %s differs" % f.decode()
            return None
        if mode in ("clientlist", "clientinfo"):
            ta, tb = _text(a), _text(b)  # both bulk ($) or verbatim (=): see _text
            la = [dict(f.split(b"=", 1) for f in line.split(b" ") if b"=" in f)
                  for line in ta.split(b"\n") if line]
            lb = [dict(f.split(b"=", 1) for f in line.split(b" ") if b"=" in f)
                  for line in tb.split(b"\n") if line]
            if mode == "clientinfo" and (len(la), len(lb)) != (1, 1):
                return "CLIENT INFO is not one line"
            if not ta.endswith(b"\n"):
                return "no trailing newline"
            for line in la:
                for f in (b"id", b"addr", b"laddr", b"fd", b"name", b"age", b"idle", b"db", b"cmd"):
                    if f not in line:
                        return "field %s missing" % f.decode()
            names_a = sorted(x[b"name"] for x in la if x[b"name"])
            names_b = sorted(x[b"name"] for x in lb if x[b"name"])
            if names_a != names_b:
                return "client names differ"
            if mode == "clientinfo":
                for f in (b"name", b"db", b"cmd", b"resp"):
                    if f in lb[0] and la[0].get(f) != lb[0][f]:
                        return "field %s differs" % f.decode()
            return None
    except (AssertionError, ValueError, KeyError, IndexError, TypeError) as e:
        return "unexpected shape (%s)" % (e,)
    raise ValueError("unknown mode %r" % mode)


# ------------------------------------------------------------------ the scripts

SET_SCRIPT = [
    X("SET", "k", "v"), X("GET", "k"), X("SET", "k", "v", "NX"), X("SET", "k", "v2", "XX"),
    X("SET", "k", "v3", "XX", "GET"), X("SET", "nokey", "v", "XX"), X("GET", "nokey"),
    X("SET", "k", "other", "NX", "GET"), X("GET", "k"), X("SET", "n", "v", "NX", "GET"), X("GET", "n"),
    X("set", "k", "v", "nx"), X("SeT", "k", "lower", "xx", "px", "100000"),
    X("SET", "k", "v", "EX", "100"), M("int", "TTL", "k", tol=1), M("int", "PTTL", "k", tol=300),
    X("SET", "k", "v", "KEEPTTL"), M("int", "TTL", "k", tol=1), X("SET", "k", "v"), X("TTL", "k"),
    X("SET", "k", "v", "EXAT", str(FUT)), X("EXPIRETIME", "k"), X("PEXPIRETIME", "k"),
    X("SET", "k", "v", "PXAT", str(FUT_MS)), X("PEXPIRETIME", "k"), X("EXPIRETIME", "k"),
    X("SET", "k", "v", "EXAT", "1"), X("EXISTS", "k"), X("SET", "k", "v", "PXAT", "1"), X("GET", "k"),
    X("SET", "k", "v", "GET", "EX", "10"), M("int", "TTL", "k", tol=1),
    X("SET", "k", "v", "NX", "XX"), X("SET", "k", "v", "XX", "NX"), X("SET", "k", "v", "EX", "10", "PX", "10"),
    X("SET", "k", "v", "KEEPTTL", "EX", "10"), X("SET", "k", "v", "PX", "10", "KEEPTTL"),
    X("SET", "k", "v", "FOO"), X("SET", "k", "v", "EX"), X("SET", "k", "v", "PX"),
    X("SET", "k", "v", "EX", "0"), X("SET", "k", "v", "EX", "-1"), X("SET", "k", "v", "PX", "0"),
    X("SET", "k", "v", "EX", "9999999999999999"), X("SET", "k", "v", "PX", "9223372036854775807"),
    X("SET", "k", "v", "EXAT", "0"), X("SET", "k", "v", "PXAT", "-5"),
    X("SET", "k", "v", "EX", "abc"), X("SET", "k", "v", "PX", "1.5"), X("SET", "k", "v", "EX", ""),
    X("SET", "k", "v", "EX", "10", "EX", "10"), X("SET", "k", "v", "GET", "GET"),
    X("SET", "k", "v", "EX", "abc", "EX", "20"), X("TTL", "k"), X("SET", "k", "v", "EX", "10", "PX", "10"),
    X("SET", "k", "v", "NX", "NX"), X("SET", "k", "v", "XX", "XX"), X("SET", "k", "v", "NX", "XX"),
    X("SET", "k", "v", "KEEPTTL", "KEEPTTL"), X("SET", "k", "v", "KEEPTTL", "EX", "10"),
    X("SET", "k", "v", "EX", "10", "EXAT", "9999999999"), X("SET", "k", "v", "EX", "10", "EX", "0"),
    X("SET", "k"), X("set", "k"), X("SET"), X("GET"), X("GET", "a", "b"),
    X("SET", b"bin\r\n\x00", b"\x00\r\n\xff"), X("GET", b"bin\r\n\x00"),
    X("SET", "empty", ""), X("GET", "empty"), X("SET", "", "emptykey"), X("GET", ""),
]

KEYS_SCRIPT = [
    X("SETNX", "a", "1"), X("SETNX", "a", "2"), X("GET", "a"), X("GETDEL", "a"), X("GETDEL", "a"),
    X("SETNX", "a"), X("GETDEL"),
    X("SET", "a", "1"), X("SET", "b", "1"), X("DEL", "a", "a", "nokey"), X("DEL", "a"),
    X("SET", "a", "1"), X("EXISTS", "a", "a", "b", "nokey"), X("EXISTS", "nokey"), X("EXISTS"),
    X("UNLINK", "a", "b", "c"), X("UNLINK"), X("DEL"),
    X("SET", "s", "v"), X("TYPE", "s"), X("TYPE", "nokey"), X("TYPE"),
    X("SET", "lock:a", "1"), X("SET", "lock:b", "1"), X("SET", "lock:cc", "1"), X("SET", "x*y", "1"),
    X("DBSIZE"), M("sorted", "KEYS", "*"), M("sorted", "KEYS", "lock:*"), M("sorted", "KEYS", "lock:?"),
    M("sorted", "KEYS", "lock:[ab]"), M("sorted", "KEYS", "lock:[^a]*"), X("KEYS", "x\\*y"),
    X("KEYS", "nomatch*"), X("KEYS"), X("KEYS", "a", "b"), M("sorted", "KEYS", "LOCK:*"),
    M("scan", "SCAN", "0", "COUNT", "1000"), M("scan", "SCAN", "0", "MATCH", "lock:*", "COUNT", "1000"),
    M("scan", "SCAN", "0", "COUNT", "1000", "TYPE", "string"),
    X("SCAN", "x"), X("SCAN", "0", "COUNT", "x"), X("SCAN", "0", "COUNT", "0"), X("SCAN", "0", "FOO"),
    X("SCAN", "0", "MATCH"), X("SCAN"),
    X("DBSIZE", "x"), X("FLUSHDB"), X("DBSIZE"), X("FLUSHDB", "ASYNC"), X("FLUSHDB", "SYNC"),
    X("FLUSHDB", "FOO"), X("FLUSHALL"), X("FLUSHALL", "ASYNC"), X("FLUSHALL", "SYNC"),
    X("FLUSHALL", "FOO"), X("FLUSHALL", "SYNC", "ASYNC"),
]

INCR_SCRIPT = [
    X("INCR", "c"), X("INCRBY", "c", "10"), X("DECR", "c"), X("DECRBY", "c", "5"), X("GET", "c"),
    X("INCRBY", "c", "x"), X("INCRBY", "c", "1.5"), X("INCRBY", "c", ""), X("INCRBY", "c", "-9"),
    X("INCR", "c", "extra"), X("INCR"), X("INCRBY", "c"), X("DECRBY", "c", "9223372036854775808"),
    X("SET", "s", "abc"), X("INCR", "s"), X("SET", "sp", " 1"), X("INCR", "sp"),
    X("SET", "lead", "01"), X("INCR", "lead"), X("SET", "plus", "+1"), X("INCR", "plus"),
    X("SET", "neg0", "-0"), X("INCR", "neg0"),
    X("SET", "max", "9223372036854775807"), X("INCR", "max"), X("INCRBY", "max", "0"),
    X("SET", "min", "-9223372036854775808"), X("DECR", "min"), X("DECRBY", "min", "-1"),
    X("SET", "big", "99999999999999999999"), X("INCR", "big"),
    X("SET", "t", "5", "EX", "100"), X("INCR", "t"), M("int", "TTL", "t", tol=1),
]

EXPIRE_SCRIPT = [
    X("EXPIRE", "nokey", "10"), X("PEXPIRE", "nokey", "10"), X("TTL", "nokey"), X("PTTL", "nokey"),
    X("PERSIST", "nokey"), X("EXPIRETIME", "nokey"), X("PEXPIRETIME", "nokey"),
    X("SET", "k", "v"), X("TTL", "k"), X("PTTL", "k"), X("EXPIRETIME", "k"), X("PERSIST", "k"),
    X("EXPIRE", "k", "100", "XX"), X("EXPIRE", "k", "100", "GT"), X("EXPIRE", "k", "100", "LT"),
    M("int", "TTL", "k", tol=1), X("PERSIST", "k"),
    X("EXPIRE", "k", "100", "NX"), X("EXPIRE", "k", "200", "NX"), X("EXPIRE", "k", "50", "GT"),
    X("EXPIRE", "k", "200", "GT"), X("EXPIRE", "k", "300", "LT"), X("EXPIRE", "k", "150", "LT"),
    X("EXPIRE", "k", "160", "XX"), M("int", "TTL", "k", tol=1), X("PEXPIRE", "k", "1000", "GT"),
    X("PEXPIRE", "k", "100000", "LT"), M("int", "PTTL", "k", tol=300),
    X("EXPIRE", "k", "10", "NX", "XX"), X("EXPIRE", "k", "10", "XX", "NX"), X("EXPIRE", "k", "10", "GT", "LT"),
    X("EXPIRE", "k", "10", "NX", "GT"), X("EXPIRE", "k", "10", "FOO"), X("EXPIRE", "k", "10", "xx", "gt"),
    X("EXPIRE", "k", "9999999999999999"), X("PEXPIRE", "k", "9223372036854775807"),
    X("EXPIRE", "k", "x"), X("EXPIRE", "k"), X("EXPIRE"), X("TTL"), X("PTTL", "a", "b"),
    X("EXPIREAT", "k", str(FUT)), X("EXPIRETIME", "k"), X("PEXPIRETIME", "k"), M("int", "TTL", "k", tol=2),
    X("PEXPIREAT", "k", str(FUT_MS)), X("PEXPIRETIME", "k"), X("EXPIREAT", "k", str(FUT - 5), "GT"),
    X("EXPIREAT", "k", str(FUT - 5), "LT"), X("EXPIRETIME", "k"),
    X("EXPIREAT", "k", "x"), X("EXPIREAT", "k", "9999999999999999999"),
    X("PERSIST", "k"), X("PERSIST", "k"), X("TTL", "k"),
    X("EXPIRE", "k", "0"), X("EXISTS", "k"), X("SET", "k", "v"), X("PEXPIRE", "k", "-5"), X("GET", "k"),
    X("SET", "k", "v"), X("EXPIREAT", "k", "1"), X("TYPE", "k"), X("SET", "k", "v"),
    X("PEXPIREAT", "k", "-1"), X("EXISTS", "k"),
    X("SET", "k", "v", "PX", "100"), X("PERSIST", "k"), X("PTTL", "k"),
]

CONNECTION_SCRIPT = [
    X("PING"), X("PING", "hi"), X("PING", "a", "b"), X("ECHO", "x"), X("ECHO"), X("ECHO", "a", "b"),
    X("SELECT", "15"), X("SET", "in15", "1"), X("SELECT", "0"), X("EXISTS", "in15"), X("SELECT", "16"),
    X("SELECT", "x"), X("SELECT", "-1"), X("SELECT"), X("SELECT", "15"), X("GET", "in15"), X("SELECT", "0"),
    X("CLIENT", "GETNAME"), X("CLIENT", "SETNAME", "difftest"), X("CLIENT", "GETNAME"),
    X("CLIENT", "SETNAME", "a b"), X("CLIENT", "SETNAME", "a\nb"), X("CLIENT", "GETNAME"),
    M("kind", "CLIENT", "ID"), M("clientinfo", "CLIENT", "INFO"), M("clientlist", "CLIENT", "LIST"),
    X("CLIENT", "SETNAME", ""), X("CLIENT", "GETNAME"), X("CLIENT", "SETNAME", "difftest"),
    X("CLIENT", "FOO"), X("CLIENT", "foo", "bar"), X("CLIENT"),
    X("CLIENT", "MAINT_NOTIFICATIONS", "ON", "moving-endpoint-type", "internal-ip"),
    X("CLIENT", "KILL", "ID", "999999"), X("CLIENT", "KILL", "1.2.3.4:5"),
    X("CLIENT", "KILL", "ADDR", "1.2.3.4:5"), X("CLIENT", "KILL", "ID", "x"), X("CLIENT", "SETNAME"),
    X("AUTH", "x"), X("AUTH", "default", "x"), X("AUTH", "a", "b", "c"), X("AUTH"),
    X("HELLO", "4"), X("HELLO", "x"), X("HELLO", "0"), X("HELLO", "3", "FOO"), X("HELLO", "3", "AUTH", "default"),
    M("hello", "HELLO", "3", "SETNAME", "viahello"), X("CLIENT", "GETNAME"), X("GET", "nokey"),
    M("hello", "HELLO"), M("hello", "HELLO", "2"), X("GET", "nokey"),
    M("hello", "HELLO", "3", "AUTH", "default", "anything"), X("GET", "nokey"), M("hello", "HELLO", "2"),
    X("RESET"), X("CLIENT", "GETNAME"), X("GET", "nokey"),
    X("QUIT"),
]

SERVER_SCRIPT = [
    X("SET", "a", "1"), X("SET", "b", "1", "EX", "1000"),
    M("info", "INFO"), M("info", "INFO", "server"), M("info", "INFO", "clients"), M("info", "INFO", "memory"),
    M("info", "INFO", "persistence"), M("info", "INFO", "stats"), M("info", "INFO", "keyspace"),
    M("info", "INFO", "SERVER"), M("info", "INFO", "default"), M("info", "INFO", "nosuchsection"),
    X("CONFIG", "GET", "save"), X("CONFIG", "GET", "appendonly"), X("CONFIG", "GET", "nosuch"),
    X("CONFIG", "GET", "databases"), X("CONFIG", "GET", "timeout"), X("CONFIG", "GET", "requirepass"),
    M("pairs", "CONFIG", "GET", "save", "appendonly"), X("CONFIG", "GET"), X("CONFIG"),
    X("CONFIG", "SET", "timeout", "0"), X("CONFIG", "SET", "timeout", "x"),
    X("CONFIG", "SET", "nosuch", "1"), X("CONFIG", "SET", "timeout"), X("CONFIG", "FOO"),
    M("time", "TIME"), X("TIME", "x"), X("DBSIZE"), M("kind", "COMMAND", "COUNT"), X("COMMAND", "FOO"),
    X("FOO"), X("FOO", "bar"), X("foo", "bar", "baz"), X("NOPE", "x" * 300), X("FOO", ""),
]

INLINE_SCRIPT = [
    RAW(b"PING\r\n"), RAW(b"SET k \"a b\"\r\n"), RAW(b"GET k\r\n"), RAW(b"set k2 'x y'\n"),
    RAW(b"GET   k2\r\n"), RAW(b"SET k3 \"\\x41\\n\\\"\"\r\n"), RAW(b"GET k3\r\n"),
    RAW(b"\r\n*0\r\n*-1\r\nPING\r\n"), RAW(b"ECHO ''\r\n"), RAW(b"FOO bar\r\n"),
    RAW(encode("SET", "p1", "1") + encode("INCR", "p1") + b"GET p1\r\n", replies=3),
]

EDGE_SCRIPT = [
    X("SET", "k", "v", "EX", "+10"), X("SET", "k", "v", "EX", "010"), X("SET", "k", "v", "EX", " 10"),
    X("SET", "k", "v", "EX", "10.0"), X("SET", "k", "v", "EX", "9223372036854775"),
    X("SET", "k", "v", "PXAT", "9223372036854775807"), X("EXISTS", "k"),
    X("SET", "k", "v", "EXAT", "9223372036854775"), X("SET", "k", "v", "ex", "10", "GET", "nx"),
    X("SET", "k", "v"), X("EXPIRE", "k", "9223372036854775"), X("PEXPIRE", "k", "9223372036854775807"),
    X("EXPIRE", "k", "-9223372036854775808"), X("EXISTS", "k"), X("SET", "k", "v"),
    X("PEXPIREAT", "k", "9223372036854775807"), X("PEXPIRETIME", "k"), X("TTL", "k"),
    X("EXPIREAT", "k", "9223372036854775807"), X("EXPIRE", "k", "+5"), M("int", "TTL", "k", tol=1),
    X("SET", "k", "v", "PX", "100000"), X("SET", "k", "w", "GET"), X("TTL", "k"),
    X("SET", "t", "1", "EX", "100"), X("GETDEL", "t"), X("TTL", "t"),
    X("SET", "n", "10"), X("INCRBY", "n", "-0"), X("INCRBY", "n", "+5"), X("DECRBY", "n", "-9223372036854775808"),
    X("SET", "a[1]", "1"), X("SET", "a?", "1"), X("SET", "a\\b", "1"), X("SET", "abc", "1"), X("SET", "b", "1"),
    M("sorted", "KEYS", "a[1]"), M("sorted", "KEYS", "a\\[1]"), M("sorted", "KEYS", "a\\?"),
    M("sorted", "KEYS", "[a-b]*"), M("sorted", "KEYS", "[b-a]*"), M("sorted", "KEYS", "a["),
    M("sorted", "KEYS", "a[^?]*"), M("sorted", "KEYS", "*\\\\*"), M("sorted", "KEYS", ""),
    M("sorted", "KEYS", "[!a]*"), M("sorted", "KEYS", "A*"), M("sorted", "KEYS", "**c"),
    M("sorted", "KEYS", "?b?"), M("sorted", "KEYS", "a[1\\]]"),
    X("EXISTS", *["k%d" % i for i in range(60)]), X("DEL", *["k%d" % i for i in range(60)]),
    X("ECHO", b"\x00\r\n"), X("PING", ""),
    X("CLIENT", "SETNAME", "caf\xc3\xa9"), X("CLIENT", "SETNAME", "a\x01b"), X("CLIENT", "SETNAME", "ok-name_1!~"),
    X("CLIENT", "GETNAME"), X("CLIENT", "KILL", "FOO", "bar"), X("CLIENT", "KILL", "ID", "1", "SKIPME", "maybe"),
    X("CLIENT", "KILL", "ID"), X("CLIENT", "KILL", "ADDR"), X("CLIENT", "ID", "x"), X("CLIENT", "GETNAME", "x"),
    X("HELLO", "3", "SETNAME", "bad name"), X("HELLO", "2", "AUTH", "default"), X("HELLO", "2", "SETNAME"),
    X("CONFIG", "SET", "timeout", "-1"), X("CONFIG", "SET", "timeout", "abc"), X("CONFIG", "SET", "maxclients", "0"),
    X("CONFIG", "SET", "timeout", "10", "timeout", "20"), X("CONFIG", "GET", "timeout"),
    X("CONFIG", "SET", "timeout", "0"), X("CONFIG", "SET", "TIMEOUT", "0"), X("CONFIG", "GET", "TIMEOUT"),
    X("CONFIG", "SET", "appendonly"), X("CONFIG", "GET", "save", "nosuch"),
    X("CONFIG", "SET", "timeout", "10", "TIMEOUT", "20"), X("CONFIG", "SET", "timeout", "+5"),
    X("CONFIG", "SET", "timeout", "05"), X("CONFIG", "SET", "maxclients", "99999999999"),
    X("CONFIG", "SET", "timeout", "1", "timeout", "2", "nosuch", "1"), X("CONFIG", "SET", "appendfsync", "bad"),
    X("CONFIG", "GET", "TimeOut"), X("CONFIG", "GET", "TIME*"), X("CONFIG", "GET", "timeout", "TIMEOUT"),
    X("FOO", *["arg%02d" % i for i in range(40)]), X("FOO", "a" * 127), X("FOO", "a" * 129),
    X("FOO", "a\r\nb"), X("", "x"),
]

PARSER_EDGE_SCRIPT = [
    RAW(b"*-5\r\n" + encode("PING")), RAW(b"*1\r\n$4\r\nPINGxx" + encode("PING"), replies=2),
    RAW(b"*1\r\n$0\r\n\r\n"), RAW(b"   \r\n" + encode("PING")), RAW(b"\tPING\t\r\n"),
    RAW(b"SET k \"\"\r\n"), RAW(b"GET k\r\n"), RAW(b"SET k \"\\x4\"\r\n"), RAW(b"GET k\r\n"),
    RAW(b"SET k \"\\xzz\"\r\n"), RAW(b"GET k\r\n"), RAW(b"SET k 'a\\'b'\r\n"), RAW(b"GET k\r\n"),
    RAW(b"SET k \"a\\tb\\\\\"\r\n"), RAW(b"GET k\r\n"), RAW(b"ECHO \"x\"\"y\"\r\n", mode="close"),
]

SCRIPTS = {
    "set": SET_SCRIPT, "keys": KEYS_SCRIPT, "incr": INCR_SCRIPT, "expire": EXPIRE_SCRIPT,
    "connection": CONNECTION_SCRIPT, "server": SERVER_SCRIPT, "inline": INLINE_SCRIPT,
    "edge-cases": EDGE_SCRIPT, "parser-edges": PARSER_EDGE_SCRIPT,
}

PROTOCOL_ERROR_FRAMES = {
    "bad multibulk count": b"*x\r\n",
    "multibulk over INT_MAX": b"*2147483648\r\n",
    "bad bulk length": b"*1\r\n$x\r\n",
    "bulk over 512MB": b"*1\r\n$536870913\r\n",
    "integer in multibulk": b"*1\r\n:5\r\n",
    "unbalanced quotes": b"SET k \"abc\r\n",
    "too big inline": b"A" * (70 * 1024),
    "after good commands": encode("SET", "a", "1") + b"*1\r\n$x\r\n",
}

# ------------------------------------------------------------------ Lua

REDIS_PY_RELEASE = """
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        redis.call('del', KEYS[1])
        return 1
    """
REDIS_PY_EXTEND = """
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        local expiration = redis.call('pttl', KEYS[1])
        if not expiration then
            expiration = 0
        end
        if expiration < 0 then
            return 0
        end

        local newttl = ARGV[2]
        if ARGV[3] == "0" then
            newttl = ARGV[2] + expiration
        end
        redis.call('pexpire', KEYS[1], newttl)
        return 1
    """
REDIS_PY_REACQUIRE = """
        local token = redis.call('get', KEYS[1])
        if not token or token ~= ARGV[1] then
            return 0
        end
        redis.call('pexpire', KEYS[1], ARGV[2])
        return 1
    """
RELEASE_SHA = __import__("hashlib").sha1(REDIS_PY_RELEASE.encode()).hexdigest()


def E(body, *keys_and_args, numkeys=None, mode="exact", tol=0):
    nk = str(numkeys if numkeys is not None else len(keys_and_args))
    return Step(("EVAL", body, nk) + keys_and_args, mode=mode, tol=tol)


LUA_CONVERSIONS = [
    E("return 3.99"), E("return -3.99"), E("return 0.5"), E("return 'str'"), E("return ''"),
    E("return true"), E("return false"), E("return nil"), E("return"), E("return {1,2,nil,4}"),
    E("return {1,{2,{3,'x'}},'y'}"), E("return {}"), E("return {1.5, 2.7, -0.5}"),
    E("return {ok='fine'}"), E("return {err='My Error'}"), E("return {err='ERR x'}"),
    E("return redis.error_reply('custom')"), E("return redis.error_reply('WRONG thing')"),
    E("return redis.status_reply('GOOD')"), E("return {true, false, 'a'}"),
    E("return {a=1, b=2}"), E("return {1, 2, a=3}"),
    E("return redis.call('get', KEYS[1]) == false", "missing"),
    E("return type(redis.call('get', KEYS[1]))", "missing"),
    E("return redis.call('set', KEYS[1], ARGV[1])", "k", "v"),
    E("return redis.call('get', KEYS[1])", "k"), E("return redis.call('incr', KEYS[1])", "ctr"),
    E("return redis.call('del', KEYS[1], KEYS[2])", "k", "nokey"),
    E("return redis.call('ping')"), E("return type(redis.call('ping'))"),
    E("return redis.call('ping')['ok']"),
    E("return redis.call('set', KEYS[1], 5)", "n"), E("return redis.call('get', KEYS[1])", "n"),
    E("return redis.call('set', KEYS[1], 3.75)", "f"), E("return redis.call('get', KEYS[1])", "f"),
    E("return redis.call('set', KEYS[1], true)", "k"),
    E("return tostring(ARGV[1] + 1)", "41", numkeys=0), E("return ARGV[1] + ARGV[2]", "1", "2.9", numkeys=0),
    E("return tonumber('10') + 1"), E("return math.floor(3.7)"), E("return string.format('%05d', 42)"),
    E("return table.concat({'a','b','c'}, ',')"), E("return string.rep('ab', 3)"),
    E("return #KEYS .. ',' .. #ARGV", "k1", "k2", "a1", numkeys=2), E("return {KEYS[1], ARGV[1]}", b"\x00\r\n", b"\xff", numkeys=1),
    E("return redis.sha1hex('')"), E("return redis.sha1hex('hello')"),
    E("return redis.LOG_DEBUG .. redis.LOG_VERBOSE .. redis.LOG_NOTICE .. redis.LOG_WARNING"),
    E("return redis.log(redis.LOG_WARNING, 'from a test')"),
    E("return {redis.call('set', KEYS[1], 'x', 'NX'), redis.call('set', KEYS[1], 'y', 'NX')}", "nx"),
    E("return redis.call('exists', 'a', 'b')"),
    E("return redis.call('keys', 'n*')", mode="sorted"), E("return redis.call('ttl', 'nokey')"),
    E("local t = redis.call('time'); return #t"),
]

# Redis also loads cjson, bit, struct and cmsgpack into scripts (issue 3: "if cheap to provide").
LUA_OPTIONAL_LIBS = [
    E("return type(cjson) .. type(bit) .. type(struct) .. type(cmsgpack)"),
    E("return cjson.encode({1,2,3})"), E("return cjson.decode('[1,2,3]')[2]"),
    E("return bit.band(12, 10)"), E("return bit.tohex(255)"), E("return #cmsgpack.pack({1,2})"),
    E("return string.len(struct.pack('>I4', 1))"),
    E("return cjson.encode({a={b={1,{c=false}}}})"), E("return cjson.encode('a/b\"c\\n')"),
    E("return cjson.encode({[1]=1,[20]=3})"), E("return cjson.encode(2^53)"), E("return cjson.encode({})"),
    E("return {pcall(cjson.decode, '[1,')}"), E("return {pcall(cjson.decode, '{1:2}')}"),
    E("return cjson.encode(cjson.decode('{\"k\":[1,2.5,\"x\",true,false,null]}'))"),
    E("return struct.pack('>bBhHlLT', -1, 255, -300, 65000, -5, 7, 9)"), E("return struct.size('!4 b i')"),
    E("return {struct.unpack('s c3', struct.pack('s c3', 'ab', 'xyz'))}"), E("return struct.pack('z', 1)"),
    E("return cmsgpack.pack(1, -1, 128, 65536, -33, -129, 2^40, 1.5, 0.1, 'abc', {a=1}, {1,2})"),
    E("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2}, -7))}"),
    E("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}"),
]

LUA_ERRORS = [
    E("return redis.call('foo')"), E("return redis.call('get')"), E("return redis.call('get', 'a', 'b')"),
    E("return redis.call()"), E("return redis.call('set', 'k', 'v', 'EX', '0')"),
    E("return redis.call('incr', KEYS[1])", "str"),  # after SET str abc below
    E("return redis.pcall('incr', KEYS[1])", "str"), E("return redis.pcall('foo')"),
    E("local r = redis.pcall('incr', KEYS[1]); return r['err']", "str"),
    E("local r = redis.pcall('foo'); return type(r)"),
    E("return x"), E("x = 1"), E("local t = nil; return t.x"), E("error('boom')"),
    E("error({err='tbl'})"), E("return 1 +"), E("return (", numkeys=0), E("return 'a' + 1"),
    E("return type(os)"), E("return type(io)"), E("return type(loadfile)"), E("return type(dofile)"),
    E("return type(require)"), E("return type(loadstring)"), E("return type(print)"),
    E("return redis.call('eval', 'return 1', '0')"), E("return redis.call('evalsha', 'abc', '0')"),
    E("return redis.call('script', 'flush')"), E("return redis.call('hello', '3')"),
    E("return redis.call('quit')"), E("return redis.pcall('eval', 'return 1', '0')"),
    E("return redis.error_reply()"), E("return redis.status_reply()"),
    E("redis.setresp(4)"), E("return redis.sha1hex()"),
]

EVAL_ARGS = [
    X("EVAL", "return 1", "-1"), X("EVAL", "return 1", "2", "a"), X("EVAL", "return 1", "x"),
    X("EVAL", "return 1", ""), X("EVAL", "return 1"), X("EVAL"), X("EVALSHA"), X("EVALSHA", "abc"),
    X("EVALSHA", "f" * 40, "0"), X("EVALSHA", "abc", "0"), X("EVALSHA", "f" * 40, "-1"),
    X("EVAL", "return KEYS[1]", "1", "k", "extra"), X("EVAL", "return ARGV[1]", "0", "a"),
    X("EVAL", "return {KEYS[2], ARGV[2]}", "2", "k1", "k2", "a1", "a2"),
    X("EVAL", "return 1", "9223372036854775808", "k"),
]

SCRIPT_CMDS = [
    X("SCRIPT", "LOAD", "return 'loaded'"), X("EVALSHA", "d1bfad2b9a0e8c48b8a8dcd0b0fd7e3a1f0efa5d", "0"),
    X("SCRIPT", "LOAD", "return 1"), X("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "f" * 40),
    X("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"),
    X("EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"),
    X("SCRIPT", "EXISTS", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB"),
    X("EVAL", "return 2", "0"), X("EVALSHA", "7f923f79fe76194c868d7e1d0820de36700eb649", "0"),
    X("SCRIPT", "FLUSH"), X("SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"),
    X("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"),
    X("SCRIPT", "FLUSH", "ASYNC"), X("SCRIPT", "FLUSH", "SYNC"), X("SCRIPT", "FLUSH", "FOO"),
    X("SCRIPT", "FLUSH", "SYNC", "ASYNC"), X("SCRIPT", "FOO"), X("SCRIPT"), X("SCRIPT", "EXISTS"),
    X("SCRIPT", "LOAD"), X("SCRIPT", "LOAD", "return ("), X("SCRIPT", "LOAD", "x ="),
    X("SCRIPT", "KILL"), X("SCRIPT", "LOAD", ""), X("EVAL", "", "0"),
    X("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "k"),
    X("EVAL_RO", "return redis.call('set', KEYS[1], 'v')", "1", "k"),
    X("SCRIPT", "LOAD", "return redis.call('get', KEYS[1])"),
    X("EVALSHA_RO", "d3c21d0c2b9ca22f82737626a27bcaf5d288f99f", "1", "k"),
    X("EVALSHA_RO", "f" * 40, "0"),
]

LOCK_SCRIPTS = [
    X("SET", "lock:r", "tok-1", "NX", "PX", "30000"),
    E(REDIS_PY_RELEASE, "lock:r", "wrong", numkeys=1), X("GET", "lock:r"),
    X("EVALSHA", RELEASE_SHA, "1", "lock:r", "tok-1"), X("SCRIPT", "LOAD", REDIS_PY_RELEASE),
    X("EVALSHA", RELEASE_SHA, "1", "lock:r", "wrong"), X("EVALSHA", RELEASE_SHA, "1", "lock:r", "tok-1"),
    X("EXISTS", "lock:r"), X("EVALSHA", RELEASE_SHA, "1", "lock:r", "tok-1"),
    X("SET", "lock:e", "tok-2", "NX", "PX", "10000"),
    E(REDIS_PY_EXTEND, "lock:e", "tok-2", "5000", "0", numkeys=1), M("int", "PTTL", "lock:e", tol=300),
    E(REDIS_PY_EXTEND, "lock:e", "tok-2", "5000", "1", numkeys=1), M("int", "PTTL", "lock:e", tol=300),
    E(REDIS_PY_EXTEND, "lock:e", "nope", "5000", "1", numkeys=1),
    E(REDIS_PY_EXTEND, "lock:missing", "tok-2", "5000", "0", numkeys=1),
    X("SET", "lock:noexp", "tok-3"), E(REDIS_PY_EXTEND, "lock:noexp", "tok-3", "5000", "0", numkeys=1),
    E(REDIS_PY_REACQUIRE, "lock:e", "tok-2", "20000", numkeys=1), M("int", "PTTL", "lock:e", tol=300),
    E(REDIS_PY_REACQUIRE, "lock:e", "other", "20000", numkeys=1),
    # pottery's scripts
    E("if redis.call('get', KEYS[1]) == ARGV[1] then local pttl = redis.call('pttl', KEYS[1]) "
      "return (pttl > 0) and pttl or 0 else return 0 end", "lock:e", "tok-2", numkeys=1, mode="int", tol=300),
    E("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
      "else return 0 end", "lock:e", "tok-2", "40000", numkeys=1),
    E("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
      "lock:e", "tok-2", numkeys=1),
    # node-redlock style acquire over several keys, Spring's true/false, Redisson's dynamic command
    E("for _, key in ipairs(KEYS) do if redis.call('exists', key) == 1 then return 0 end end "
      "for _, key in ipairs(KEYS) do redis.call('set', key, ARGV[1], 'PX', ARGV[2]) end return #KEYS",
      "r1", "r2", "r3", "val", "10000", numkeys=3),
    E("local v = redis.call('get', KEYS[1]) if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) "
      "return true elseif not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return true end "
      "return false", "spring", "me", "10000", numkeys=1),
    E("local v = redis.call('get', KEYS[1]) if v == ARGV[1] then return true end return false",
      "spring", "you", numkeys=1),
    E("return redis.call(ARGV[1], KEYS[1], ARGV[2])", "dyn", "SET", "x", numkeys=1),
    E("return redis.call(ARGV[1], KEYS[1])", "dyn", "GET", numkeys=1),
    # Scripts act on the caller's selected database.
    X("SELECT", "5"), E("return redis.call('set', KEYS[1], 'in5')", "dbk"), X("SELECT", "0"),
    X("EXISTS", "dbk"), X("SELECT", "5"), X("GET", "dbk"), X("SELECT", "0"),
]

LUA_RESP3 = [
    M("hello", "HELLO", "3"),
    E("return redis.call('get', KEYS[1])", "missing"), E("return false"), E("return true"),
    E("redis.setresp(3); return redis.call('get', KEYS[1]) == nil", "missing"),
    E("redis.setresp(3); return type(redis.call('get', KEYS[1]))", "missing"),
    E("redis.setresp(3); return true"), E("redis.setresp(3); return false"), E("redis.setresp(3); return nil"),
    E("return {double=3.5}"), E("return {double='2.25'}"), E("return {map={a=1}}"), E("return {set={a=true}}"),
    E("return redis.setresp(2)"),
    E("redis.setresp(3); return redis.call('config', 'get', 'appendonly')"),
    E("return redis.call('config', 'get', 'appendonly')"),
    E("redis.setresp(3); local t = redis.call('config', 'get', 'appendonly'); return t['map']['appendonly']"),
    M("hello", "HELLO", "2"),
    E("return {double=3.5}"), E("return {map={a=1}}"), E("return {set={a=true}}"),
    E("redis.setresp(3); return true"), E("redis.setresp(3); return false"),
]

LUA_SANDBOX = [
    E("rawset(_G, 'x', 1) return x"), E("string.foo = 1 return 1"), E("redis.call = nil return 1"),
    E("setmetatable(_G, nil) return 1"), E("local mt = getmetatable(_G) return type(mt)"),
    E("return _VERSION"), E("return type(_G)"), E("_G.y = 1 return 1"), E("KEYS[1] = 'x' return KEYS[1]", "k"),
    E("return type(getmetatable) .. type(setmetatable) .. type(rawset) .. type(rawget) .. type(pcall)"),
    E("return type(xpcall) .. type(select) .. type(unpack) .. type(next) .. type(error) .. type(assert)"),
    E("return type(coroutine)"), E("return type(debug)"), E("return type(module)"), E("return type(newproxy)"),
    E("return type(gcinfo)"), E("return type(collectgarbage)"), E("return type(getfenv)"),
    E("return type(setfenv)"), E("return type(math.random)"),
    # The PRNG algorithm itself is not client-visible behaviour worth matching; its contract is.
    E("local r = math.random(1000000) return r >= 1 and r <= 1000000 and r == math.floor(r)"),
    E("local r = math.random() return r >= 0 and r < 1"),
    E("math.randomseed(42) local a = math.random(1000000) math.randomseed(42) return a == math.random(1000000)"),
    E("return redis.replicate_commands()"), E("return redis.breakpoint()"), E("return redis.debug('x')"),
    E("return redis.set_repl(redis.REPL_ALL)"), E("return type(redis.setresp)"),
    E("return type(redis.REDIS_VERSION) .. type(redis.REDIS_VERSION_NUM)"),
    E("return type(bit32)"), E("return string.format('%.17g', 0.1)"), E("return tostring(2^63)"),
    E("return 2^53"), E("return -0.0"), E("return 'a\\0b'"), E("local t = {} t[1]=1 t[3]=3 return t"),
    E("return {1, 'two', {3, {4}}, redis.call('ping')}"), E("return {redis.status_reply('x'), redis.error_reply('y')}"),
    E("return redis.call('set', KEYS[1], 'v', 'GET')", "g"), E("return redis.call('set', KEYS[1], 'w', 'GET')", "g"),
    E("return redis.call('set', KEYS[1], 'v', 'EX', 1.5)", "g"), E("return redis.call('expire', KEYS[1], 10, 'NX')", "g"),
    E("return redis.pcall('set', 'k')"), E("return redis.call('set', 'k')"), E("return #ARGV"),
    E("return pcall(function() redis.call('foo') end)"),
    E("local ok, e = pcall(function() redis.call('foo') end) return tostring(e)"),
    E("return redis.error_reply('custom')"), E("return redis.error_reply('WRONG thing')"),
    E("return redis.error_reply('-X y')"), E("return redis.error_reply('-X')"), E("return redis.error_reply('')"),
    E("return redis.error_reply(5)"), E("return redis.status_reply(5)"), E("return {err='-x y'}"),
    E("local ok, e = pcall(redis.call, 'foo') return {type(e), e}"),
    E("local ok, e = pcall(function() error({err='zz'}) end) return e"),
    E("local ok, e = pcall(function() error({}) end) return type(e)"),
    E("local ok, e = xpcall(function() redis.call('foo') end, function(m) return type(m) end) return e"),
    E("local ok, e = pcall(function() redis.call('foo') end) error(e)"),
    E("return {pcall(function() return 1, 2 end)}"),
    E("return select('#', redis.call('get', 'missing'))"), E("return tostring(nil)"),
    X("SCRIPT", "LOAD", "a", "b"), X("SCRIPT", "EXISTS", "a", "b"), X("EVALSHA", "g" * 40, "0"),
    X("EVAL", "return 1", "+1", "k"), X("EVAL", "return 1", " 1", "k"), X("EVAL", "return 1", "01", "k"),
]

LUA_SCRIPTS = {
    "lua-conversions": LUA_CONVERSIONS, "lua-optional-libs": LUA_OPTIONAL_LIBS,
    "lua-errors": [X("SET", "str", "abc")] + LUA_ERRORS,
    "eval-args": EVAL_ARGS, "script-cmds": SCRIPT_CMDS, "lock-scripts": LOCK_SCRIPTS,
    "lua-resp3": LUA_RESP3, "lua-sandbox": LUA_SANDBOX,
}


# ------------------------------------------------------------------ fixtures and runner

@pytest.fixture(scope="module")
def pair():
    if not real_redis.available():
        pytest.skip("redis-server is not installed")
    if target_is_redis():
        a = start_server(target="redis")  # self-check: two real servers must agree
    elif latchkey_built():
        a = start_server(target="latchkey")
    else:
        pytest.skip("latchkey binary not built (set LATCHKEY_TARGET=redis to self-check the harness)")
    b = real_redis.RedisServer().start()
    yield a, b
    a.stop()
    b.stop()


def _reset(server):
    with RawConn(server.port) as c:
        c.cmd("FLUSHALL")
        c.cmd("SCRIPT", "FLUSH")


def _read(conn, step):
    if step.mode == "close":
        try:
            return conn.read_all_until_close(timeout=5)
        except TimeoutError as e:
            return b"<still open> " + str(e).encode()
    out = []
    for _ in range(step.replies):
        try:
            out.append(conn.read())
        except Closed:
            out.append(None)
            break
    return out


def run_differential(pair, steps, hello3=False):
    a_srv, b_srv = pair
    _reset(a_srv)
    _reset(b_srv)
    mismatches = []
    ca, cb = RawConn(a_srv.port), RawConn(b_srv.port)
    try:
        if hello3:
            steps = [M("hello", "HELLO", "3")] + list(steps)
        for i, step in enumerate(steps):
            data = step.payload()
            ca.send(data)
            ra = _read(ca, step)
            cb.send(data)
            rb = _read(cb, step)
            if step.mode == "close":
                if ra != rb:
                    mismatches.append((i, step, ra, rb, "bytes before close differ"))
                continue
            for x, y in zip(ra, rb):
                if x is None or y is None:
                    if x is not y:
                        mismatches.append((i, step, x, y, "one side closed"))
                    continue
                why = compare(step, x, y)
                if why:
                    mismatches.append((i, step, x, y, why))
            if ra and ra[-1] is None:
                break
    finally:
        ca.close()
        cb.close()
    assert not mismatches, "\n".join(
        "step %d `%r`: %s\n    latchkey: %r\n    redis:    %r" % (m[0], m[1], m[4], m[2], m[3])
        for m in mismatches)


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("name", list(SCRIPTS))
def test_commands_match_redis(pair, name, proto):
    run_differential(pair, SCRIPTS[name], hello3=(proto == 3))


@pytest.mark.parametrize("proto", [2, 3], ids=["resp2", "resp3"])
@pytest.mark.parametrize("name", list(LUA_SCRIPTS))
def test_scripting_matches_redis(pair, name, proto):
    run_differential(pair, LUA_SCRIPTS[name], hello3=(proto == 3))


@pytest.mark.parametrize("name", list(PROTOCOL_ERROR_FRAMES))
def test_protocol_errors_match_redis(pair, name):
    run_differential(pair, [RAW(PROTOCOL_ERROR_FRAMES[name], mode="close")])


# ------------------------------------------------------------------ redis-cli

CLI_CASES = [
    ["set", "k", "v"], ["get", "k"], ["get", "missing"], ["incr", "c"], ["incrby", "c", "x"],
    ["--no-raw", "get", "missing"], ["--no-raw", "incr", "c"], ["--no-raw", "get", "k"],
    ["--no-raw", "set", "k", "v", "nx"], ["--no-raw", "foo", "bar"], ["foo", "bar"], ["set", "k"],
    ["--no-raw", "keys", "k"], ["--no-raw", "exists", "k", "k"], ["--no-raw", "ttl", "k"],
    ["--no-raw", "config", "get", "appendonly"], ["-3", "--no-raw", "config", "get", "appendonly"],
    ["-3", "--no-raw", "get", "missing"], ["-3", "get", "missing"], ["--no-raw", "select", "99"],
    ["-n", "15", "--no-raw", "dbsize"], ["--no-raw", "eval", "return {1,'a',{ok='x'},false}", "0"],
    ["-3", "--no-raw", "eval", "return {1,'a',{ok='x'},false}", "0"],
    ["--no-raw", "eval", "return redis.call('nope')", "0"], ["--no-raw", "client", "getname"],
    ["--no-raw", "ping"], ["ping", "hello"], ["--no-raw", "echo", "a\nb"], ["--no-raw", "type", "k"],
]


def _cli(port, args, stdin=None):
    p = subprocess.run(["redis-cli", "-p", str(port)] + args, input=stdin, capture_output=True,
                       timeout=10)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.parametrize("args", CLI_CASES, ids=[" ".join(a) for a in CLI_CASES])
def test_redis_cli_output_matches_redis(pair, args):
    a_srv, b_srv = pair
    for s in pair:
        _cli(s.port, ["set", "k", "v"])
    assert _cli(a_srv.port, args) == _cli(b_srv.port, args)


def test_redis_cli_piped_session_matches_redis(pair):
    a_srv, b_srv = pair
    session = (b"FLUSHALL\nSET a 1\nINCR a\nGET a\nGET nokey\nFOO\nSET k v EX 0\n"
               b"EXPIRE a 100 NX XX\nDEL a a\nEXISTS a\nPING\nECHO \"x y\"\n")
    for extra in ([], ["--no-raw"], ["-3", "--no-raw"]):
        assert _cli(a_srv.port, extra, session) == _cli(b_srv.port, extra, session)


# ------------------------------------------------------------------ the comparator itself

def _rep(raw):
    class _Src(RawConn):
        def __init__(self, data):
            self.buf, self.pos = bytearray(data), 0

        def _fill(self):
            raise Closed(b"")
    return _Src(raw).read()


@pytest.mark.parametrize("step,a,b,same", [
    (X("GET", "k"), b"$1\r\nv\r\n", b"$1\r\nv\r\n", True),
    (X("GET", "k"), b"$-1\r\n", b"_\r\n", False),
    (X("GET", "k"), b"-ERR x\r\n", b"-ERR y\r\n", False),
    (M("int", "TTL", "k", tol=1), b":99\r\n", b":100\r\n", True),
    (M("int", "TTL", "k", tol=1), b":97\r\n", b":100\r\n", False),
    (M("int", "TTL", "k", tol=1), b"-ERR x\r\n", b":100\r\n", False),
    (M("sorted", "KEYS", "*"), b"*2\r\n$1\r\na\r\n$1\r\nb\r\n", b"*2\r\n$1\r\nb\r\n$1\r\na\r\n", True),
    (M("sorted", "KEYS", "*"), b"*1\r\n$1\r\na\r\n", b"*2\r\n$1\r\nb\r\n$1\r\na\r\n", False),
    (M("kind", "CLIENT", "ID"), b":5\r\n", b":7\r\n", True),
    (M("kind", "CLIENT", "ID"), b"$1\r\n5\r\n", b":7\r\n", False),
    (M("hello", "HELLO", "3"), b"%2\r\n$5\r\nproto\r\n:3\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n",
     b"%2\r\n$5\r\nproto\r\n:2\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n", False),
    (M("info", "INFO", "keyspace"), b"$33\r\n# Keyspace\r\ndb0:keys=1,expires=0\r\n\r\n",
     b"$33\r\n# Keyspace\r\ndb0:keys=2,expires=0\r\n\r\n", False),
])
def test_comparator(step, a, b, same):
    assert (compare(step, _rep(a), _rep(b)) is None) == same
