#!/usr/bin/env python3
"""Client-visible pause while compacting the append-only log (issue 5: none over 10 ms with
1,000,000 live keys).

Starts Latchkey with `--appendonly yes --appendfsync everysec`, loads N keys (22-byte values,
PX 600000, pipelined), measures PING/GET round trips for a moment with no rewrite, then sends
BGREWRITEAOF on a second connection and keeps one client sending PING and GET in a tight loop,
timing every round trip (in a separate process), until INFO persistence shows
aof_rewrite_in_progress:0 (polled every 5 ms from the main process). Prints p50,
p99 and max latency during the rewrite and the rewrite's duration.

Usage: bench/compaction_latency.py [--keys N] [--repeat K]
Environment: LATCHKEY_BIN (default .build/release/latchkey).
"""
import argparse
import gc
import multiprocessing
import os
import socket
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop"))

from latchkey_server import LatchkeyServer, binary_path  # noqa: E402

TOKEN = b"0123456789abcdefghijkl"  # 22 bytes, like a lock token


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def read_reply(self):
        """Reads one reply (simple, error, integer, bulk) and returns its raw bytes."""
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                if self.buf[:1] == b"$":
                    n = int(self.buf[1:i])
                    end = i + 2 + (n + 2 if n >= 0 else 0)
                    if len(self.buf) >= end:
                        rep, self.buf = self.buf[:end], self.buf[end:]
                        return rep
                else:
                    rep, self.buf = self.buf[:i + 2], self.buf[i + 2:]
                    return rep
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk

    def cmd(self, *args):
        self.s.sendall(encode(*args))
        return self.read_reply()


def load(conn, n, batch=10_000):
    for start in range(0, n, batch):
        count = min(batch, n - start)
        conn.s.sendall(b"".join(encode("SET", "lock:%d" % i, TOKEN, "PX", "600000")
                                for i in range(start, start + count)))
        for _ in range(count):
            rep = conn.read_reply()
            if rep != b"+OK\r\n":
                raise RuntimeError("load failed: %r" % rep)


def info_field(conn, name):
    text = conn.cmd("INFO", "persistence").decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def pct(sorted_values, p):
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def probe(conn, seconds=None, check=None):
    """PING/GET round trips in a tight loop; returns latencies in ms."""
    lat = []
    ping = encode("PING")
    get = encode("GET", "lock:1")
    deadline = time.perf_counter() + seconds if seconds else None
    next_check = time.perf_counter() + 0.02
    i = 0
    while True:
        req = ping if i & 1 else get
        t = time.perf_counter_ns()
        conn.s.sendall(req)
        conn.read_reply()
        lat.append((time.perf_counter_ns() - t) / 1e6)
        i += 1
        now = time.perf_counter()
        if deadline and now >= deadline:
            return lat
        if check and now >= next_check:
            next_check = now + 0.02
            if check():
                return lat


def probe_process(port, ready, stop, out):
    """Runs in its own process, so the INFO polling never delays (or hides) a round trip."""
    gc.disable()
    conn = Conn(port)
    conn.cmd("PING")
    ready.set()
    out.send(probe(conn, check=stop.is_set))


def run_once(keys):
    with LatchkeyServer("--appendonly", "yes", "--appendfsync", "everysec", amqp=False) as srv:
        a, b = Conn(srv.port), Conn(srv.port)
        t = time.monotonic()
        load(b, keys)
        load_s = time.monotonic() - t
        time.sleep(1.5)  # let the everysec fsync of the load settle
        gc.collect()
        gc.disable()
        idle = sorted(probe(a, seconds=1.0))
        gc.enable()
        ready, stop = multiprocessing.Event(), multiprocessing.Event()
        receiver, sender = multiprocessing.Pipe(duplex=False)
        prober = multiprocessing.Process(target=probe_process, args=(srv.port, ready, stop, sender))
        prober.start()
        ready.wait()
        time.sleep(0.2)
        # The reply comes only after the rewrite has started (with the one-shot snapshot, after
        # the whole keyspace was framed on the loop), so the clock starts before sending.
        started = time.monotonic()
        rep = b.cmd("BGREWRITEAOF")
        if not rep.startswith(b"+"):
            raise RuntimeError("BGREWRITEAOF: %r" % rep)
        while info_field(b, "aof_rewrite_in_progress") != "0":
            time.sleep(0.005)
        duration = time.monotonic() - started
        time.sleep(0.05)
        stop.set()
        during = sorted(receiver.recv())
        prober.join()
        status = info_field(b, "aof_last_bgrewrite_status")
        size = info_field(b, "aof_current_size")
        if status != "ok":
            raise RuntimeError("rewrite status %r" % status)
        return {
            "load_s": load_s, "idle_p99": pct(idle, 0.99), "idle_max": idle[-1],
            "n": len(during), "p50": pct(during, 0.50), "p99": pct(during, 0.99), "max": during[-1],
            "rewrite_s": duration, "aof_size": int(size),
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    print("binary: %s" % binary_path())
    print("%s keys (22-byte values, PX 600000), --appendonly yes --appendfsync everysec"
          % "{:,}".format(args.keys))
    print("| run | idle p99 ms | idle max ms | round trips during rewrite (+0.25 s) | p50 ms | p99 ms | max ms | rewrite s | new log bytes |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in range(args.repeat):
        m = run_once(args.keys)
        print("| %d | %.3f | %.3f | %d | %.3f | %.3f | %.3f | %.2f | %d |" % (
            r + 1, m["idle_p99"], m["idle_max"], m["n"], m["p50"], m["p99"], m["max"], m["rewrite_s"], m["aof_size"]))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
