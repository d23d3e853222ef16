"""Crash test for lists and hashes in the append-only log (appendfsync always), with redis-py.

Each worker owns two lists and a hash and applies a random stream of list/hash commands (pushes,
pops, LSET, LREM, LTRIM, LINSERT, LMOVE, HSET, HDEL, HINCRBY), mirrored in a Python model
once acknowledged. The server is SIGKILLed at a random moment (sometimes during a log rewrite, so
the snapshot records are replayed too); after a restart every worker's keys must equal its model,
or the model with the one command that was in flight applied. Latchkey-only (its log file).
"""
import os
import random
import shutil
import sys
import tempfile
import threading
import time

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from latchkey_server import LatchkeyServer  # noqa: E402

try:
    from redis_support import target_is_redis
except ImportError:
    def target_is_redis():
        return False

pytestmark = pytest.mark.skipif(target_is_redis(), reason="Latchkey's append-only log, not a Redis behaviour")

ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")


def client(srv):
    return redis.Redis(host=srv.host, port=srv.port, socket_timeout=5, decode_responses=True,
                       retry=Retry(NoBackoff(), 0))


class Model:
    """Two lists and a hash, named per worker; `apply` mirrors one command."""

    def __init__(self, tid):
        self.a, self.b, self.h = "la:%d" % tid, "lb:%d" % tid, "h:%d" % tid
        self.lists = {self.a: [], self.b: []}
        self.hash = {}

    def copy(self):
        m = Model.__new__(Model)
        m.a, m.b, m.h = self.a, self.b, self.h
        m.lists = {k: list(v) for k, v in self.lists.items()}
        m.hash = dict(self.hash)
        return m

    def step(self, c, rng, n):
        """Sends one random command; returns the model it leads to (before sending: the caller
        keeps the old one until the reply arrives)."""
        m = self.copy()
        la, lb = m.lists[m.a], m.lists[m.b]
        op = rng.randrange(12)
        v = "v%d" % n
        if op == 0:
            m.lists[m.a] = [v, v + "'"][::-1] + la
            return m, lambda: c.lpush(m.a, v, v + "'")
        if op == 1:
            la.append(v)
            return m, lambda: c.rpush(m.a, v)
        if op == 2:
            if la:
                la.pop(0)
            return m, lambda: c.lpop(m.a)
        if op == 3:
            del la[-2:]
            return m, lambda: c.rpop(m.a, 2)
        if op == 4 and la:
            i = rng.randrange(len(la))
            la[i] = v
            return m, lambda: c.lset(m.a, i, v)
        if op == 5 and la:
            target = rng.choice(la)
            m.lists[m.a] = [x for x in la if x != target]
            return m, lambda: c.lrem(m.a, 0, target)
        if op == 6 and len(la) > 4:
            m.lists[m.a] = la[1:-1]
            return m, lambda: c.ltrim(m.a, 1, -2)
        if op == 7 and la:
            pivot = la[0]
            la.insert(1, v)
            return m, lambda: c.linsert(m.a, "AFTER", pivot, v)
        if op == 8 and la:
            x = la.pop()
            lb.insert(0, x)
            return m, lambda: c.lmove(m.a, m.b, "RIGHT", "LEFT")
        if op == 9:
            m.hash["f%d" % (n % 7)] = v
            return m, lambda: c.hset(m.h, "f%d" % (n % 7), v)
        if op == 10:
            m.hash.pop("f%d" % (n % 7), None)
            return m, lambda: c.hdel(m.h, "f%d" % (n % 7))
        m.hash["count"] = str(int(m.hash.get("count", "0")) + 3)
        return m, lambda: c.hincrby(m.h, "count", 3)

    def read(self, c):
        lists = {k: c.lrange(k, 0, -1) for k in self.lists}
        return lists, c.hgetall(self.h)

    def view(self):
        return {k: list(v) for k, v in self.lists.items()}, dict(self.hash)


class Worker:
    def __init__(self, tid):
        self.model = Model(tid)
        self.pending = None  # the model if the in-flight command was applied

    def run(self, srv, rng, n0):
        c = client(srv)
        n = n0
        try:
            while True:
                n += 1
                after, send = self.model.step(c, rng, n)
                self.pending = after
                send()
                self.model, self.pending = after, None
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            return

    def check(self, srv):
        got = self.model.read(client(srv))
        ok = got == self.model.view() or (self.pending is not None and got == self.pending.view())
        assert ok, "after restart %r, acknowledged %r" % (got, self.model.view())
        if self.pending is not None and got == self.pending.view():
            self.model = self.pending
        self.pending = None


def test_lists_and_hashes_survive_sigkill_and_rewrite():
    data_dir = tempfile.mkdtemp(prefix="latchkey-lists-crash-")
    rng = random.Random(int(os.environ.get("LATCHKEY_CRASH_SEED", time.time())))
    workers = [Worker(t) for t in range(4)]
    try:
        for round_ in range(6):
            srv = LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False).start()
            try:
                for w in workers:
                    w.check(srv)
                if round_ == 0:  # a TTL'd list and hash come back with their deadline
                    c = client(srv)
                    c.rpush("ttl:l", "x")
                    c.pexpire("ttl:l", 600_000)
                    c.hset("ttl:h", "f", "v")
                    c.expire("ttl:h", 600)
                threads = [threading.Thread(target=w.run, args=(srv, random.Random(rng.random()), round_ * 100_000))
                           for w in workers]
                for t in threads:
                    t.start()
                time.sleep(rng.uniform(0.1, 0.3))
                if round_ % 2 == 1:
                    client(srv).bgrewriteaof()
                    time.sleep(rng.uniform(0.0, 0.05))
                srv.kill()
                for t in threads:
                    t.join(10)
            finally:
                srv.kill()
        with LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False) as srv:
            for w in workers:
                w.check(srv)
            c = client(srv)
            assert c.lrange("ttl:l", 0, -1) == ["x"] and 0 < c.pttl("ttl:l") <= 600_000
            assert c.hgetall("ttl:h") == {"f": "v"} and 0 < c.ttl("ttl:h") <= 600
            assert sum(len(w.model.lists[w.model.a]) + len(w.model.hash) for w in workers) > 0
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
