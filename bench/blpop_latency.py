#!/usr/bin/env python3
"""BLPOP wake-up latency (issue 11): Latchkey against redis-server 7 in one run.

One client blocks in `BLPOP q 0`; a second sends `LPUSH q x`; the time from sending the push to the
waiter's reply is one sample. Raw sockets, no client library in the way. Alternates the servers
round by round and prints p50 / p99 / max per server.

Usage: bench/blpop_latency.py [--samples 5000] [--rounds 3]
Environment: LATCHKEY_BIN (default .build/release/latchkey).
"""
import argparse
import os
import socket
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop"))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop", "redis"))

from latchkey_server import LatchkeyServer  # noqa: E402
from real_redis import RedisServer  # noqa: E402

BLPOP = b"*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n"
LPUSH = b"*3\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$1\r\nx\r\n"
WAKE = b"*2\r\n$1\r\nq\r\n$1\r\nx\r\n"


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return out


def samples(port, n):
    waiter, pusher = connect(port), connect(port)
    out = []
    for _ in range(n):
        waiter.sendall(BLPOP)
        time.sleep(0.0002)  # let the BLPOP block before the push arrives
        t0 = time.perf_counter()
        pusher.sendall(LPUSH)
        assert read_exact(waiter, len(WAKE)) == WAKE
        out.append(time.perf_counter() - t0)
        read_exact(pusher, 4)  # ":0\r\n" or ":1\r\n": the push's own reply
    waiter.close()
    pusher.close()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    servers = {"latchkey": LatchkeyServer(amqp=False).start(), "redis-server": RedisServer().start()}
    results = {k: [] for k in servers}
    try:
        for _ in range(args.rounds):
            for name, srv in servers.items():
                results[name] += samples(srv.port, args.samples)
    finally:
        for srv in servers.values():
            srv.stop()
    print("| server | samples | p50 µs | p99 µs | max µs |")
    print("|---|---|---|---|---|")
    for name, xs in results.items():
        xs.sort()
        p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1e6  # noqa: E731
        print("| %s | %d | %.0f | %.0f | %.0f |" % (name, len(xs), statistics.median(xs) * 1e6, p(0.99), xs[-1] * 1e6))


if __name__ == "__main__":
    main()
