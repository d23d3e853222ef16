#!/usr/bin/env python3
"""Fuzzer for AMQP method arguments through the channel layer (issue 15).

Methods are generated from the AMQP 0-9-1 spec JSON (shared/spec), one field at a time by its
domain, with hostile values: unsigned edges, names at 255 bytes and with odd bytes, delivery tags
never issued, argument tables with x-message-ttl / x-expires / x-max-length / x-max-priority /
x-dead-letter-* and the like set to negative, huge, fractional, NaN, infinite, wrongly typed or nested
values, and content (headers with every property flag, bodies of odd sizes) after basic.publish.
They go, a few at a time, on random channels of a handshaken connection, in random order
(out-of-order and repeated operations included). The server may answer anything, close the channel
or the connection; what must never happen is a crash, a hang, or a server that no longer serves:
after every burst a fresh connection must complete a handshake and a queue.declare round trip.

Usage: Tests/Fuzz/amqp_methods_fuzz.py [--seconds 60] [--seed N]
Environment: LATCHKEY_BIN (default .build/release/latchkey). Exit 1 on a crash or hang.
"""
import argparse
import json
import math
import os
import random
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop"))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "amqp"))

import amqp_raw as raw  # noqa: E402
from latchkey_server import LatchkeyServer  # noqa: E402


def spec_path():
    here = REPO
    while here != "/":
        p = os.path.join(here, "shared", "spec", "amqp-rabbitmq-0.9.1.json")
        if os.path.exists(p):
            return p
        here = os.path.dirname(here)
    raise SystemExit("shared/spec/amqp-rabbitmq-0.9.1.json not found above the repository")


ARG_NAMES = ["x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes", "x-max-priority",
             "x-overflow", "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-queue-type",
             "x-single-active-consumer", "x-priority", "alternate-exchange", "x-match", "x-cancel-on-ha-failover",
             "x-queue-mode", "x-delivery-limit"]
NAMES = ["", "q", "amq.gen-x", "amq.direct", "amq.topic", "amq.fanout", "amq.headers", "amq.rabbitmq.reply-to",
         "amq.default", "fz.q", "fz.e", "x" * 255, "\u00e9", "a.b.#", "*.c"]


class Gen:
    def __init__(self, rng):
        self.rng = rng

    def number(self, bits, signed=False):
        r = self.rng
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        return r.choice([lo, hi, 0, 1, hi - 1, r.randint(lo, hi), r.randint(0, 100)])

    def value(self, depth=0):
        """A tagged field value for a table (tag byte + encoding)."""
        r = self.rng
        tag = r.choice("tbBsuIilLfdDSTFAVx" if depth < 2 else "tbBsuIilLfdDSTVx")
        if tag == "t":
            return b"t" + bytes([r.choice([0, 1, 2, 255])])
        if tag in "bB":
            return tag.encode() + bytes([r.randint(0, 255)])
        if tag in "su":
            return tag.encode() + struct.pack(">H", self.number(16))
        if tag in "Ii":
            return tag.encode() + struct.pack(">I", self.number(32))
        if tag in "lL":
            return tag.encode() + struct.pack(">Q", self.number(64))
        if tag == "f":
            return b"f" + struct.pack(">f", r.choice([math.nan, math.inf, -1.5, 1e30, 0.5]))
        if tag == "d":
            return b"d" + struct.pack(">d", r.choice([math.nan, math.inf, -math.inf, -1.0, 1e300, 2.5, 0.0]))
        if tag == "D":
            return b"D" + bytes([r.randint(0, 255)]) + struct.pack(">I", self.number(32))
        if tag == "S":
            return b"S" + raw.longstr(r.choice(NAMES + ["reject-publish", "drop-head", "quorum", "all", "any"]))
        if tag == "T":
            return b"T" + struct.pack(">Q", self.number(64))
        if tag == "F":
            return b"F" + self.table(depth + 1)
        if tag == "A":
            items = b"".join(self.value(depth + 1) for _ in range(r.randint(0, 3)))
            return b"A" + struct.pack(">I", len(items)) + items
        if tag == "x":
            return b"x" + raw.longstr(os.urandom(r.randint(0, 8)))
        return b"V"

    def table(self, depth=0):
        r = self.rng
        body = b""
        for _ in range(r.choice([0, 0, 1, 2, 3])):
            body += raw.shortstr(r.choice(ARG_NAMES + ["k", ""])) + self.value(depth)
        if r.random() < 0.03:  # a length that lies
            return struct.pack(">I", len(body) + r.choice([1, 100, 1 << 30])) + body
        return struct.pack(">I", len(body)) + body

    def field(self, kind):
        r = self.rng
        if kind == "octet":
            return bytes([self.number(8)])
        if kind == "short":
            return struct.pack(">H", self.number(16))
        if kind == "long":
            return struct.pack(">I", self.number(32))
        if kind in ("longlong", "timestamp"):
            return struct.pack(">Q", self.number(64))
        if kind == "shortstr":
            return raw.shortstr(r.choice(NAMES).encode()[:255])
        if kind == "longstr":
            return raw.longstr(r.choice([b"", b"x" * r.randint(0, 300), os.urandom(8)]))
        if kind == "table":
            return self.table()
        raise ValueError(kind)


class Methods:
    def __init__(self, spec):
        self.domains = dict((d[0], d[1]) for d in spec["domains"])
        self.methods = []
        for c in spec["classes"]:
            if c["id"] == 10:
                continue  # connection methods after open are covered by the framing tests
            for m in c["methods"]:
                kinds = [a.get("type") or self.domains[a["domain"]] for a in m["arguments"]]
                self.methods.append((c["id"], m["id"], m["name"], kinds))
        # What clients send (most of each burst); the rest, server-only methods, draw 540/503 closes.
        server_only = {"deliver", "return", "get-ok", "get-empty", "recover-ok", "qos-ok", "consume-ok",
                       "cancel-ok", "open-ok", "flow-ok", "select-ok", "commit-ok", "rollback-ok"}
        self.client = [e for e in self.methods if e[2] not in server_only and
                       (not e[2].endswith("-ok") or e[2] == "close-ok")]

    def encode(self, gen, entry):
        class_id, method_id, _name, kinds = entry
        out, bits, nbits = b"", 0, 0
        for kind in kinds:
            if kind == "bit":
                bits |= gen.rng.getrandbits(1) << nbits
                nbits += 1
                continue
            if nbits:
                out += bytes([bits])
                bits, nbits = 0, 0
            out += gen.field(kind)
        if nbits:
            out += bytes([bits])
        return struct.pack(">HH", class_id, method_id) + out


def content(gen, channel):
    r = gen.rng
    size = r.choice([0, 1, 100, 4096, 200000])
    flags = r.getrandbits(14) << 2
    props = b""
    kinds = ["shortstr", "shortstr", "table", "octet", "octet", "shortstr", "shortstr", "shortstr",
             "shortstr", "timestamp", "shortstr", "shortstr", "shortstr", "shortstr"]
    for i, kind in enumerate(kinds):
        if flags & (1 << (15 - i)):
            props += gen.field(kind)
    out = raw.frame(raw.FRAME_HEADER, channel, struct.pack(">HHQH", 60, 0, size, flags) + props)
    sent = 0
    while sent < size:
        n = min(size - sent, r.choice([1, 1000, 131072 - 8]))
        out += raw.body(channel, b"b" * n)
        sent += n
    return out


def alive(server):
    """A fresh connection completes a handshake and a queue.declare round trip."""
    with raw.RawClient(server.host, server.amqp_port, timeout=5) as c:
        c.open()
        c.send(raw.channel_open(1))
        c.expect_method(20, 11)
        c.send(raw.queue_declare(1, "fz.alive"))
        c.expect_method(50, 11)
    return True


def burst(gen, methods, server, seen):
    r = gen.rng
    with raw.RawClient(server.host, server.amqp_port, timeout=5) as c:
        c.open()
        channels = [1, 2, 3]
        data = b"".join(raw.channel_open(ch) for ch in channels)
        for _ in range(r.randint(1, 12)):
            ch = r.choice(channels) if r.random() < 0.95 else r.choice([0, 4, 65535])
            entry = r.choice(methods.client if r.random() < 0.9 else methods.methods)
            data += raw.frame(raw.FRAME_METHOD, ch, methods.encode(gen, entry))
            if entry[:2] == (60, 40) and r.random() < 0.9:
                data += content(gen, ch)
        try:
            c.send(data)
            # Read what comes back until the server goes quiet or closes; answer closes politely.
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                m = c.read_method(timeout=0.3)
                if m is None:
                    break
                if m[0] != "frame":
                    key = (m[1], m[2])
                    if key in ((10, 50), (20, 40)):
                        key += (raw.parse_close(m[0], m[3]).code,)
                    seen[key] = seen.get(key, 0) + 1
                if m[0] != "frame" and (m[1], m[2]) == (20, 40):
                    c.send(raw.method(m[0], 20, 41))
                elif m[0] != "frame" and (m[1], m[2]) == (10, 50):
                    c.send(raw.method(0, 10, 51))
                    break
        except (TimeoutError, OSError):
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    gen = Gen(random.Random(args.seed))
    methods = Methods(json.load(open(spec_path())))
    server = LatchkeyServer().start()
    bursts = 0
    seen = {}  # (class, method) of what the server sent back, to show how deep the bursts reach
    try:
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            burst(gen, methods, server, seen)
            bursts += 1
            try:
                alive(server)
            except Exception as e:
                dead = server.proc.poll() is not None
                print("FAIL after %d bursts (seed %d): server %s: %r" %
                      (bursts, args.seed, "DEAD" if dead else "not serving", e))
                print(server.log_text()[-3000:])
                return 1
        print("%d bursts of AMQP methods, seed %d, no crash or hang" % (bursts, args.seed))
        print("server replies seen: " + ", ".join("%s x%d" % (".".join(map(str, k)), v) for k, v in sorted(seen.items())))
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
