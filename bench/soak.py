#!/usr/bin/env python3
"""Soak under faults (issue 15): both protocols under mixed load, SIGKILL and restart every few seconds.

Latchkey runs with `--appendonly yes --appendfsync always` on fixed ports, so clients reconnect to the
same addresses after each restart. Workers, each in its own thread, reconnecting after every failure:
- locks: redis-py `SET lock:<w>:<n> token NX PX <random 2..20 s>`, released (compare-and-delete script)
  about half the time; every OK and every released 1 is written to a ledger;
- counters: INCR, with the last acknowledged value per counter in the ledger;
- pipelines: 100-command pipelines of SET/GET on scratch keys;
- queue: a pika producer publishes persistent messages with confirms to a durable queue; consumers
  ack most deliveries, nack-requeue some and drop the connection now and then; acks count as settled
  once a later round trip on the same channel has come back (under `always` that reply waits for the
  fsync of everything before it);
- big messages: 1 MB transient messages to a second queue with a consumer;
- a client that stops reading: pipelines GET of a 1 MB value and never reads, until the server cuts it;
- a probe: PING every 10 ms, the longest reply recorded (restart windows excluded).
After each restart, before the load resumes, it checks:
- every acknowledged, unreleased lock whose expiry is more than 1 s away still holds its token, and
  no released lock is back;
- every counter is at least its last acknowledged value;
- every confirmed message is either in the queue or was acked (nothing acknowledged was lost);
- no settled-acked message is in the queue (nothing acked came back).
RSS is sampled every 0.5 s. Prints a summary (and `--json FILE` writes it).

Usage: bench/soak.py [--seconds 600] [--kill-every 3:8] [--json out.json]
Environment: LATCHKEY_BIN (default .build/release/latchkey). Loopback only; bounded in time.
"""
import argparse
import itertools
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "Tests", "Interop"))

import pika  # noqa: E402
import redis  # noqa: E402

from latchkey_server import LatchkeyServer, free_port  # noqa: E402

RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
QUEUE = "soak.durable"
SEQ = itertools.count(1)  # unique key and message ids across reconnects and restarts
BIG_QUEUE = "soak.big"


class Ledger:
    """What the server acknowledged, shared by the workers and read by the checks (under one lock)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.locks = {}          # key -> (token, expires_at_wall_s) for acknowledged, unreleased locks
        self.released = set()    # keys whose release returned 1
        self.counters = {}       # key -> last acknowledged INCR value
        self.confirmed = set()   # message ids with a publisher confirm
        self.acked = set()       # message ids whose ack was sent
        self.settled = set()     # acked ids followed by a completed round trip
        self.counts = {"lock_ok": 0, "released": 0, "incr": 0, "pipelines": 0, "published": 0,
                       "consumed": 0, "nacked": 0, "big": 0, "slow_reader_cut": 0, "client_errors": 0}

    def count(self, name, n=1):
        with self.lock:
            self.counts[name] += n


class Soak:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="latchkey-soak-")
        self.port, self.amqp_port = free_port(), free_port()
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.up = threading.Event()      # cleared while the server is down or being checked
        self.server = None
        self.rss = []                    # (t, bytes)
        self.longest_pause = 0.0
        self.restarts = 0
        self.violations = []
        self.start_times = []

    # -- server ------------------------------------------------------------------------------------

    def start_server(self):
        extra = ["--appendonly", "yes", "--appendfsync", "always", "--amqp-port", str(self.amqp_port)]
        s = LatchkeyServer(*extra, amqp=False, data_dir=self.dir)
        # LatchkeyServer passes --port 0 and its own --amqp-port; ours come later and win.
        s.extra += ["--port", str(self.port)]
        t0 = time.monotonic()
        s.start(timeout=30)
        self.start_times.append(time.monotonic() - t0)
        self.server = s

    def rss_sampler(self):
        t0 = time.monotonic()
        while not self.stop.is_set():
            proc = self.server.proc if self.server else None
            if proc and proc.poll() is None:
                try:
                    with open("/proc/%d/status" % proc.pid) as f:
                        for line in f:
                            if line.startswith("VmRSS:"):
                                self.rss.append((time.monotonic() - t0, int(line.split()[1]) * 1024))
                except OSError:
                    pass
            time.sleep(0.5)

    # -- workers -----------------------------------------------------------------------------------

    def redis_client(self):
        return redis.Redis(port=self.port, socket_timeout=5, socket_connect_timeout=2, protocol=2)

    def run_worker(self, body, *a):
        while not self.stop.is_set():
            if not self.up.wait(0.2):
                continue
            try:
                body(*a)
            except Exception:  # the server was killed under us, or refused: reconnect
                self.ledger.count("client_errors")
                time.sleep(0.05)

    def lock_worker(self, w):
        r = self.redis_client()
        release = r.register_script(RELEASE)
        while not self.stop.is_set() and self.up.is_set():
            n = next(SEQ)
            key, token = "lock:%d:%d" % (w, n), "t%d-%d-%d" % (w, n, random.getrandbits(32))
            ttl_ms = random.randint(2000, 20000)
            sent = time.time()
            if r.set(key, token, nx=True, px=ttl_ms):
                with self.ledger.lock:
                    self.ledger.locks[key] = (token, sent + ttl_ms / 1000.0)
                    self.ledger.counts["lock_ok"] += 1
                if random.random() < 0.5:
                    with self.ledger.lock:  # from here on it may or may not be released
                        self.ledger.locks.pop(key, None)
                    if release(keys=[key], args=[token]) == 1:
                        with self.ledger.lock:
                            self.ledger.released.add(key)
                            self.ledger.counts["released"] += 1

    def counter_worker(self, w):
        r = self.redis_client()
        key = "counter:%d" % w
        while not self.stop.is_set() and self.up.is_set():
            v = r.incr(key)
            with self.ledger.lock:
                self.ledger.counters[key] = max(v, self.ledger.counters.get(key, 0))
                self.ledger.counts["incr"] += 1

    def pipeline_worker(self, w):
        r = self.redis_client()
        while not self.stop.is_set() and self.up.is_set():
            p = r.pipeline(transaction=False)
            for i in range(50):
                p.set("scratch:%d:%d" % (w, i), "x" * random.randint(1, 200), px=60000)
                p.get("scratch:%d:%d" % (w, i))
            p.execute()
            self.ledger.count("pipelines")

    def amqp_channel(self):
        params = pika.ConnectionParameters(port=self.amqp_port, heartbeat=0, blocked_connection_timeout=10,
                                           socket_timeout=5, connection_attempts=1)
        conn = pika.BlockingConnection(params)
        ch = conn.channel()
        ch.queue_declare(QUEUE, durable=True)
        ch.queue_declare(BIG_QUEUE)
        return conn, ch

    def producer(self, w):
        conn, ch = self.amqp_channel()
        ch.confirm_delivery()
        try:
            while not self.stop.is_set() and self.up.is_set():
                mid = "%d-%d" % (w, next(SEQ))
                ch.basic_publish("", QUEUE, mid.encode(), pika.BasicProperties(delivery_mode=2, message_id=mid))
                with self.ledger.lock:  # basic_publish returns after the confirm with confirm_delivery
                    self.ledger.confirmed.add(mid)
                    self.ledger.counts["published"] += 1
        finally:
            _close(conn)

    def consumer(self, w):
        conn, ch = self.amqp_channel()
        ch.basic_qos(prefetch_count=20)
        pending = []  # acked since the last round trip
        try:
            for method, props, body in ch.consume(QUEUE, inactivity_timeout=0.2):
                if self.stop.is_set() or not self.up.is_set():
                    break
                if method is None:
                    continue
                mid = body.decode()
                roll = random.random()
                if roll < 0.05:
                    ch.basic_nack(method.delivery_tag, requeue=True)
                    self.ledger.count("nacked")
                elif roll < 0.06:
                    break  # drop the connection with deliveries outstanding: they must come back
                else:
                    with self.ledger.lock:
                        self.ledger.acked.add(mid)
                        self.ledger.counts["consumed"] += 1
                    ch.basic_ack(method.delivery_tag)
                    pending.append(mid)
                if len(pending) >= 10:
                    ch.queue_declare(QUEUE, durable=True, passive=True)  # a round trip after the acks
                    with self.ledger.lock:
                        self.ledger.settled.update(pending)
                    pending = []
        finally:
            _close(conn)

    def big_messages(self, w):
        conn, ch = self.amqp_channel()
        body = os.urandom(1 << 20)
        try:
            while not self.stop.is_set() and self.up.is_set():
                ch.basic_publish("", BIG_QUEUE, body)
                m, _, b = ch.basic_get(BIG_QUEUE, auto_ack=True)
                if m is not None:
                    self.ledger.count("big")
                time.sleep(0.05)
        finally:
            _close(conn)

    def slow_reader(self, w):
        r = self.redis_client()
        r.set("soak:big", "b" * (1 << 20))
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        req = b"*2\r\n$3\r\nGET\r\n$8\r\nsoak:big\r\n" * 100
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not self.stop.is_set() and self.up.is_set():
                s.sendall(req)  # never read: the output limit must cut us, not grow the server
                time.sleep(0.01)
        except OSError:
            self.ledger.count("slow_reader_cut")
        finally:
            s.close()

    def probe(self):
        while not self.stop.is_set():
            if not self.up.wait(0.2):
                continue
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                while not self.stop.is_set() and self.up.is_set():
                    t0 = time.monotonic()
                    s.sendall(b"PING\r\n")
                    if s.recv(64) != b"+PONG\r\n":
                        break
                    dt = time.monotonic() - t0
                    if self.up.is_set():
                        self.longest_pause = max(self.longest_pause, dt)
                    time.sleep(0.01)
                s.close()
            except OSError:
                time.sleep(0.05)

    # -- checks ------------------------------------------------------------------------------------

    def check(self):
        r = self.redis_client()
        with self.ledger.lock:
            locks = dict(self.ledger.locks)
            released = set(self.ledger.released)
            counters = dict(self.ledger.counters)
            confirmed, acked, settled = set(self.ledger.confirmed), set(self.ledger.acked), set(self.ledger.settled)
        # One pipeline for all the reads, and the deadline judged after it: a lock whose expiry falls
        # while the reads are under way may rightly be gone.
        keys = list(locks)
        p = r.pipeline(transaction=False)
        for key in keys:
            p.get(key)
        got_all = p.execute()
        after = time.time()
        for key, got in zip(keys, got_all):
            token, expires = locks[key]
            if expires - after > 0.5 and got != token.encode():
                self.violations.append("restart %d: lock %s lost (%.1f s left): expected %s got %r"
                                       % (self.restarts, key, expires - after, token, got))
        p = r.pipeline(transaction=False)
        for key in released:
            p.exists(key)
        for key, back in zip(released, p.execute()):
            if back:
                self.violations.append("restart %d: released lock %s came back" % (self.restarts, key))
        for key, v in counters.items():
            got = int(r.get(key) or 0)
            if got < v:
                self.violations.append("counter %s went back: %d < %d" % (key, got, v))
        present = self.queue_contents()
        lost = confirmed - acked - present
        back = settled & present
        if lost:
            self.violations.append("%d confirmed messages lost, e.g. %s" % (len(lost), sorted(lost)[:3]))
        if back:
            self.violations.append("%d settled acks came back, e.g. %s" % (len(back), sorted(back)[:3]))
        r.close()

    def queue_contents(self):
        """Ids in the durable queue: fetched unacked, then requeued by closing the connection."""
        conn, ch = self.amqp_channel()
        ids = set()
        try:
            while True:
                m, props, body = ch.basic_get(QUEUE, auto_ack=False)
                if m is None:
                    break
                ids.add(body.decode())
        finally:
            _close(conn)
        return ids

    # -- run ---------------------------------------------------------------------------------------

    def run(self):
        self.start_server()
        threads = [threading.Thread(target=self.rss_sampler, daemon=True),
                   threading.Thread(target=self.probe, daemon=True)]
        workers = [(self.lock_worker, 4), (self.counter_worker, 2), (self.pipeline_worker, 2),
                   (self.producer, 2), (self.consumer, 2), (self.big_messages, 1), (self.slow_reader, 1)]
        only = os.environ.get("SOAK_ONLY")  # debugging: a comma-separated subset of worker names
        for body, n in workers:
            if only and body.__name__ not in only.split(","):
                continue
            for w in range(n):
                threads.append(threading.Thread(target=self.run_worker, args=(body, w), daemon=True))
        self.up.set()
        for t in threads:
            t.start()
        lo, hi = (float(x) for x in self.args.kill_every.split(":"))
        deadline = time.monotonic() + self.args.seconds
        while time.monotonic() < deadline:
            time.sleep(min(random.uniform(lo, hi), max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= deadline:
                break
            self.up.clear()
            self.server.kill()
            self.restarts += 1
            self.start_server()
            self.check()
            self.up.set()
        self.up.clear()
        self.stop.set()
        time.sleep(0.5)
        self.check()
        self.server.stop()
        return self.summary()

    def summary(self):
        rss = [b for _, b in self.rss]
        out = {
            "seconds": self.args.seconds,
            "restarts": self.restarts,
            "violations": self.violations,
            "counts": self.ledger.counts,
            "rss_mb_first_10s_max": round(max([b for t, b in self.rss if t < 10] or [0]) / 2**20, 1),
            "rss_mb_max": round(max(rss or [0]) / 2**20, 1),
            "rss_mb_last": round((rss[-1] if rss else 0) / 2**20, 1),
            "longest_ping_ms": round(self.longest_pause * 1000, 1),
            "restart_to_ready_ms_max": round(max(self.start_times) * 1000, 1),
            "log_bytes": os.path.getsize(os.path.join(self.dir, "latchkey.aof"))
            if os.path.exists(os.path.join(self.dir, "latchkey.aof")) else None,
        }
        return out


def _close(conn):
    try:
        conn.close()
    except Exception:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--kill-every", default="3:8", help="seconds between SIGKILLs, as MIN:MAX")
    ap.add_argument("--json", help="write the summary here too")
    args = ap.parse_args()
    out = Soak(args).run()
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    sys.exit(1 if out["violations"] else 0)


if __name__ == "__main__":
    main()
