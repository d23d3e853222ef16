#!/usr/bin/env python3
"""Differential fuzzer for RESP command arguments through the dispatcher (issue 15).

Generates commands from Latchkey's own COMMAND table with hostile arguments (Int64 edges and one past
them, NaN, inf, 1e300, negative sizes, empty and binary strings, option words in random places) and
sends each one to Latchkey and to redis-server 7 on loopback. It fails on what must never happen:
Latchkey closing the connection, dying, or not answering within the timeout. It also compares the
answers (error or not, and the error's first word) and reports the commands where they differ,
grouped by command, so new differences show up as a list to read; those are not failures, since some
are documented (docs/resp.md).

Usage: Tests/Fuzz/resp_commands_fuzz.py [--seconds 60] [--seed N] [--max-commands N]
Environment: LATCHKEY_BIN (default .build/release/latchkey). Exit 1 on a crash, hang or dropped
connection.
"""
import argparse
import collections
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Interop"))
sys.path.insert(0, os.path.join(HERE, "..", "Interop", "redis"))

from latchkey_server import LatchkeyServer  # noqa: E402
from real_redis import RedisServer  # noqa: E402
from resp_wire import Closed, RawConn, encode  # noqa: E402

# Commands that end the connection, block, change its protocol or mode, or reach outside the
# keyspace in ways a differential cannot follow; each is covered by its own tests.
SKIP = {
    "SHUTDOWN", "QUIT", "RESET", "HELLO", "AUTH", "MONITOR", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE",
    "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "SYNC", "PSYNC", "REPLICAOF", "SLAVEOF", "WAIT",
    "WAITAOF", "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP",
    "XREAD", "XREADGROUP", "DEBUG", "FAILOVER", "CLUSTER", "MIGRATE", "LATCHKEY", "EVAL", "EVALSHA",
    "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO", "FUNCTION", "SCRIPT", "MULTI", "EXEC", "WATCH",
    "DISCARD", "SELECT", "SWAPDB", "MOVE", "CONFIG", "CLIENT", "BGREWRITEAOF", "BGSAVE", "SAVE",
    "FLUSHALL", "FLUSHDB", "ACL", "LASTSAVE", "TIME", "INFO", "COMMAND", "MEMORY", "OBJECT",
    "RANDOMKEY", "LATENCY", "SLOWLOG", "DBSIZE", "KEYS", "SCAN", "LOLWUT", "ROLE", "MODULE",
}
# Commands and options that redis-server 7.0 does not have (later Redis versions do): sent for the
# crash check only, never compared.
NEWER_THAN_7_0 = {"DELIFEQ", "DIGEST", "DELEX"}
NEWER_OPTIONS = {"IFEQ", "IFNE", "IFDEQ", "IFDNE"}
NUMBERS = ["0", "1", "-1", "2", "100", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
           "-9223372036854775809", "18446744073709551616", "1e300", "-1e300", "1e-300", "nan", "NaN", "inf",
           "-inf", "+inf", "0x10", "1.5", "-0", " 1", "1 ", "", "00", "+1", "3.0", "4294967296", "2147483648"]
WORDS = ["NX", "XX", "PX", "EX", "EXAT", "PXAT", "KEEPTTL", "GET", "GT", "LT", "CH", "COUNT", "MATCH",
         "TYPE", "LIMIT", "WITHSCORES", "IFEQ", "IFNE", "IFDEQ", "IFDNE", "LEFT", "RIGHT", "BEFORE", "AFTER",
         "RANK", "MAXLEN", "PERSIST", "FIELDS", "REPLACE", "ABSTTL", "IDLETIME", "FREQ"]
KEYS = ["k:str", "k:num", "k:list", "k:hash", "k:none", "k:ttl", ""]


def setup(conn):
    """The same starting keys on both servers; a failure here (a type Latchkey lacks) is ignored."""
    for cmd in (("FLUSHALL",), ("SET", "k:str", "hello"), ("SET", "k:num", "42"),
                ("SET", "k:ttl", "v", "PX", "100000"), ("RPUSH", "k:list", "a", "b", "c"),
                ("HSET", "k:hash", "f", "1", "g", "x")):
        conn.cmd(*cmd)


def argument(rng):
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(NUMBERS)
    if roll < 0.6:
        return rng.choice(KEYS)
    if roll < 0.8:
        return rng.choice(WORDS)
    if roll < 0.9:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 12)))
    return rng.choice(["*", "?", "[", "\\", "a" * rng.randint(0, 300)])


def command_table(conn):
    """(name, arity) for every top-level command Latchkey lists, subcommands as NAME SUB."""
    out = []
    for entry in conn.cmd("COMMAND").value:
        name, arity = entry[0].decode().upper(), entry[1]
        if name in SKIP:
            continue
        out.append(([name], arity))
        for sub in (entry[9] if len(entry) > 9 and entry[9] else []):
            out.append((sub[0].decode().upper().split("|"), sub[1]))
    return out


def generate(rng, table):
    words, arity = rng.choice(table)
    need = abs(arity) - len(words)
    n = need if arity > 0 and rng.random() < 0.8 else max(0, need + rng.randint(-1, 4))
    return list(words) + [argument(rng) for _ in range(n)]


def summary(reply):
    if reply.is_error:
        text = reply.value if isinstance(reply.value, bytes) else b""
        return "error " + text.split(b" ", 1)[0].decode(errors="replace")
    return "value"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--max-commands", type=int, default=10**9)
    ap.add_argument("--timeout", type=float, default=5.0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    latchkey = LatchkeyServer(amqp=False).start()
    real = RedisServer().start()
    try:
        lk, rd = RawConn(latchkey.port, timeout=args.timeout), RawConn(real.port)
        table = command_table(lk)

        def resync():
            setup(lk)
            setup(rd)

        resync()
        differences = collections.defaultdict(list)
        sent = 0
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline and sent < args.max_commands:
            cmd = generate(rng, table)
            sent += 1
            try:
                got = lk.cmd(*cmd)
            except (Closed, OSError) as e:
                alive = latchkey.proc.poll() is None
                print("FAIL after %d commands (seed %d): %r -> %s; server %s" %
                      (sent, args.seed, cmd, type(e).__name__, "alive" if alive else "DEAD"))
                print(latchkey.log_text()[-3000:])
                return 1
            if cmd[0] in NEWER_THAN_7_0 or NEWER_OPTIONS.intersection(c for c in cmd if isinstance(c, str)):
                # It may have changed Latchkey's keyspace (DELIFEQ deletes) where redis-server never saw
                # it: without a re-sync, every later difference in the window would be this one's echo.
                resync()
                continue
            want = rd.cmd(*cmd)
            if summary(got) != summary(want):
                differences[" ".join(cmd[:1])].append((cmd, summary(want), summary(got)))
                # Back to the known state at once: after one difference the keyspaces differ, and
                # every later difference in the window would only echo this one.
                resync()
            elif sent % 500 == 0:  # back to a known state so the two keyspaces do not drift apart
                resync()
        print("%d commands, seed %d, no crash, hang or dropped connection" % (sent, args.seed))
        print("%d commands answered differently (error vs value, or another error word):" %
              sum(len(v) for v in differences.values()))
        for name, rows in sorted(differences.items(), key=lambda kv: -len(kv[1])):
            cmd, want, got = rows[0]
            print("  %-14s x%-4d e.g. %r: redis %s, latchkey %s" % (name, len(rows), cmd, want, got))
        return 0
    finally:
        latchkey.stop()
        real.stop()


if __name__ == "__main__":
    sys.exit(main())
