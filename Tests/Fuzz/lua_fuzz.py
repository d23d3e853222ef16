"""Differential fuzzer for the Lua libraries scripts see (issue 15 item 3): generated calls to
cjson, cmsgpack, struct, bit, unpack and redis.* with hostile arguments (NaN, +-inf, 1e300, 2^31,
2^63, negative sizes, random bytes, mutated encodings) go to Latchkey and to redis-server 7, and
the raw RESP replies are compared byte for byte (an error text includes the script's SHA1, so it
matches too). A Latchkey crash or hang is always a failure; other mismatches are reported with
the script, so each can become a regression test or a documented difference.

Usage: python Tests/Fuzz/lua_fuzz.py [--seed N] [--seconds S] [--cases N]
Exit status 1 when Latchkey died/hung or a mismatch outside KNOWN was seen.
"""
import argparse
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Interop"))
sys.path.insert(0, os.path.join(HERE, "..", "Interop", "redis"))

import latchkey_server  # noqa: E402
import real_redis  # noqa: E402
from resp_wire import Closed, RawConn  # noqa: E402

NUMBERS = ["0/0", "1/0", "-1/0", "1e300", "-1e300", "2^31", "-2^31", "2^32", "2^32+1", "2^40", "2^53",
           "2^63", "-2^63", "2^64", "-1", "0", "1", "2", "1.5", "-0.5", "3", "7", "8", "255", "65536"]
# Differences kept on purpose (docs/scripting.md "Differences from Redis"): counted, not failures.
KNOWN = [
    ("return {double=", "doubles print in shortest round-trip form (Redis 7.2+), 7.0 used %.17g"),
]
SCALARS = NUMBERS + ["nil", "true", "false", "''", "'x'", "'10'", "{}", "{1,2}", "{a=1}", "cjson.null"]


def lua_bytes(rng, n):
    return "'" + "".join("\\%d" % rng.randrange(256) for _ in range(n)) + "'"


def msgpack_input(rng):
    heads = [0x81, 0x91, 0x92, 0xcb, 0xca, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xc0, 0xc1, 0xc2,
             0xc3, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xa3, 0x01, 0x7f, 0xe0, 0xff]
    parts = []
    for _ in range(rng.randrange(1, 6)):
        parts.append("\\%d" % rng.choice(heads))
        parts.extend("\\%d" % rng.randrange(256) for _ in range(rng.randrange(0, 9)))
    return "'" + "".join(parts) + "'"


def struct_format(rng):
    opts = list("bBhHlLTfdxcsiI<>=! ") + ["i3", "I9", "i16", "c0", "c2", "!4", "!3", "i33", "c10", "q", "\\200", "\\255"]
    return "'" + "".join(rng.choice(opts) for _ in range(rng.randrange(1, 6))) + "'"


def json_input(rng):
    pieces = ["[", "]", "{", "}", ",", ":", '"a"', '"\\u00e9"', '"\\ud800"', "1", "-0", "1e400", "nan",
              "inf", "0x10", "true", "null", '"\\x"', " ", "[[[[", "1.5", '"']
    return "'" + "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8))).replace("'", "\\'") + "'"


def generate(rng):
    a = lambda: rng.choice(SCALARS)  # noqa: E731
    n = lambda: rng.choice(NUMBERS)  # noqa: E731
    kind = rng.randrange(17)
    if kind == 0:
        return "return redis.log(%s, 'fuzz')" % a()
    if kind == 1:
        f = rng.choice(["tobit", "tohex", "bnot", "band", "bor", "bxor", "lshift", "rshift", "arshift",
                        "rol", "ror", "bswap"])
        return "return bit.%s(%s)" % (f, ", ".join(n() for _ in range(rng.randrange(1, 4))))
    if kind == 2:
        return "return {struct.unpack(%s, %s, %s)}" % (struct_format(rng), lua_bytes(rng, rng.randrange(0, 24)), n())
    if kind == 3:
        return "return struct.pack(%s, %s)" % (struct_format(rng), ", ".join(a() for _ in range(rng.randrange(0, 4))))
    if kind == 4:
        return "return struct.size(%s)" % struct_format(rng)
    if kind == 5:
        return "return {cmsgpack.unpack_one(%s, %s)}" % (msgpack_input(rng), n())
    if kind == 6:
        return "return {cmsgpack.unpack_limit(%s, %s, %s)}" % (msgpack_input(rng), n(), n())
    if kind == 7:
        return "return {cmsgpack.unpack(%s)}" % msgpack_input(rng)
    if kind == 8:
        return "return cmsgpack.pack(%s)" % ", ".join(a() for _ in range(rng.randrange(1, 4)))
    if kind == 9:
        return "return cjson.encode(cjson.decode(%s))" % json_input(rng)
    if kind == 10:
        return "return {unpack({1, 2, 3}, %s, %s)}" % (n(), n())
    if kind == 11:
        return "return {pcall(cjson.encode, %s)}" % a()
    if kind == 12:
        f = rng.choice(["error_reply", "status_reply", "sha1hex", "setresp", "set_repl"])
        return "return {pcall(redis.%s, %s)}" % (f, ", ".join(a() for _ in range(rng.randrange(0, 3))))
    if kind == 13:
        return "return redis.pcall(%s)" % ", ".join(["'echo'"] + [a() for _ in range(rng.randrange(0, 3))])
    if kind == 14:  # reply conversion of hostile tables
        k = rng.choice(["err", "ok", "double", "big_number", "map", "set", "verbatim_string", "x"])
        return "return {%s=%s}" % (k, a())
    if kind == 15:  # round trips of nested values
        v = a()
        for _ in range(rng.randrange(0, 4)):
            v = "{%s, %s}" % (v, a()) if rng.random() < 0.5 else "{k=%s}" % v
        lib = rng.choice(["cmsgpack.unpack(cmsgpack.pack(%s))", "cjson.decode(cjson.encode(%s))"])
        return "return {pcall(function() return %s end)}" % (lib % v)
    return "return %s" % a()


def run(args):
    rng = random.Random(args.seed)
    ref = real_redis.RedisServer().start()
    lk = latchkey_server.LatchkeyServer(amqp=False).start()
    rc, lc = RawConn(ref.port, timeout=5), RawConn(lk.port, timeout=5)
    counts = {"cases": 0, "same": 0, "mismatch": 0, "redis_failed": 0}
    examples = []
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline and counts["cases"] < args.cases:
            script = generate(rng)
            counts["cases"] += 1
            try:
                want = rc.cmd("EVAL", script, "0").raw
            except (Closed, OSError, ValueError):
                counts["redis_failed"] += 1  # redis-server itself died or hung: restart it
                rc.close()
                ref.stop()
                ref = real_redis.RedisServer().start()
                rc = RawConn(ref.port, timeout=5)
                continue
            try:
                got = lc.cmd("EVAL", script, "0").raw
            except (Closed, OSError, ValueError) as e:
                print("LATCHKEY FAILED (%s) on: %r" % (type(e).__name__, script))
                counts["latchkey_failed"] = counts.get("latchkey_failed", 0) + 1
                break
            if got == want:
                counts["same"] += 1
            elif any(script.startswith(prefix) for prefix, _ in KNOWN):
                counts["known"] = counts.get("known", 0) + 1
            else:
                counts["mismatch"] += 1
                if len(examples) < args.show:
                    examples.append((script, want, got))
    finally:
        rc.close()
        lc.close()
        ref.stop()
        lk.stop()
    for script, want, got in examples:
        print("MISMATCH %r\n  redis:    %r\n  latchkey: %r" % (script, want[:200], got[:200]))
    print("seed=%d %s" % (args.seed, " ".join("%s=%d" % kv for kv in counts.items())))
    return 1 if counts.get("latchkey_failed") or (args.strict and counts["mismatch"]) else 0


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "1")))
    p.add_argument("--seconds", type=float, default=float(os.environ.get("FUZZ_SECONDS", "60")))
    p.add_argument("--cases", type=int, default=10**9)
    p.add_argument("--show", type=int, default=20)
    p.add_argument("--strict", action="store_true", help="fail on any mismatch, not only crashes/hangs")
    sys.exit(run(p.parse_args()))
