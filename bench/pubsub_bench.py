"""PUBLISH fan-out: redis-benchmark publishes to one channel (-P 16) while N subscribers, all in
one reader process, drain their sockets; reported are PUBLISH requests/s and messages delivered/s,
for Latchkey and redis-server in the same run (issue 11's "PUBLISH to 1 and to 100 subscribers").

Usage: .venv/bin/python bench/pubsub_bench.py [--subscribers 1 100] [--requests 200000]
"""
import argparse
import os
import selectors
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Interop"))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Interop", "redis"))
from latchkey_server import LatchkeyServer  # noqa: E402
from real_redis import RedisServer  # noqa: E402


def subscribers(port, n, channel=b"bench"):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"SUBSCRIBE %s\r\n" % channel)
        s.recv(100)
        s.setblocking(False)
        socks.append(s)
    return socks


def drain(socks, expected, done, counted):
    """Reads every subscriber until `expected` messages arrived in total (or `done` is set)."""
    sel = selectors.DefaultSelector()
    tails = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        tails[s] = b""
    total = 0
    while total < expected and not done.is_set():
        for key, _ in sel.select(timeout=0.1):
            try:
                chunk = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            # Count "$7\r\nmessage" headers, keeping a tail so one split across reads counts once.
            data = tails[key.fileobj] + chunk
            total += data.count(b"$7\r\nmessage")
            tails[key.fileobj] = data[-10:]  # one byte short of a whole header
    counted.append(total)


def run(port, n, requests):
    socks = subscribers(port, n)
    done, counted = threading.Event(), []
    reader = threading.Thread(target=drain, args=(socks, n * requests, done, counted))
    reader.start()
    started = time.monotonic()
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "10", "-P", "16", "-n", str(requests), "-q",
                          "--csv", "PUBLISH", "bench", "payload-of-32-bytes-xxxxxxxxxxxx"],
                         capture_output=True, text=True, timeout=120).stdout
    reader.join(timeout=30)
    done.set()
    reader.join()
    elapsed = time.monotonic() - started
    for s in socks:
        s.close()
    rps = float(out.strip().splitlines()[-1].split(",")[1].strip('"'))
    return rps, counted[0], elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subscribers", type=int, nargs="+", default=[1, 100])
    ap.add_argument("--requests", type=int, default=200000)
    args = ap.parse_args()
    print("| subscribers | server | PUBLISH req/s | messages delivered | delivered/s (until the last arrived) |")
    print("| --- | --- | --- | --- | --- |")
    for n in args.subscribers:
        for name, make in (("latchkey", lambda: LatchkeyServer(amqp=False)), ("redis-server", RedisServer)):
            server = make().start()
            try:
                rps, delivered, elapsed = run(server.port, n, args.requests)
            finally:
                server.stop()
            print("| %d | %s | %.0f | %d of %d | %.0f |" % (n, name, rps, delivered, n * args.requests,
                                                          delivered / elapsed))


if __name__ == "__main__":
    main()
