"""Crash tests for the append-only log with redis-py (appendfsync always).

Locks acquired with SET NX PX are acknowledged only once their record is fsynced, so after any
SIGKILL every acknowledged lock must come back with its token and a TTL no longer than granted,
and every acknowledged release must stay released. Also: a torn last record is cut and reported,
corruption in the middle refuses to start until `latchkey --check-log --fix`, and a rewrite
interrupted by SIGKILL replays correctly. Bounded: the whole file runs in well under a minute.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from latchkey_server import LatchkeyServer, binary_path  # noqa: E402
from small_disk import fill, small_disk  # noqa: E402,F401 (small_disk is a fixture)

try:
    from redis_support import target_is_redis
except ImportError:  # run without the suite's conftest
    def target_is_redis():
        return False

# These tests are about Latchkey's own log file: they always start the built binary.
pytestmark = pytest.mark.skipif(target_is_redis(), reason="Latchkey's append-only log, not a Redis behaviour")

ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="latchkey-crash-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def aof(data_dir):
    return os.path.join(data_dir, "latchkey.aof")


def client(srv, timeout=5):
    # No retries: a request cut by SIGKILL must surface as an error (not acknowledged).
    return redis.Redis(
        host=srv.host, port=srv.port, socket_timeout=timeout, decode_responses=True, retry=Retry(NoBackoff(), 0)
    )


def get_many(c, keys):
    pipe = c.pipeline(transaction=False)
    for k in keys:
        pipe.get(k)
    return pipe.execute()


class LockLedger:
    """What clients were told: acknowledged locks, acknowledged releases, and uncertain keys."""

    def __init__(self):
        self.lock = threading.Lock()
        self.held = {}  # key -> (token, granted_ms)
        self.released = set()
        self.uncertain = set()

    def worker(self, srv, tid, rng):
        c = client(srv)
        n = 0
        try:
            while True:
                n += 1
                key = "lock:%s:%d:%d" % (srv.port, tid, n)
                token = uuid.uuid4().hex
                ttl = rng.randint(60_000, 120_000)
                with self.lock:
                    self.uncertain.add(key)
                if c.set(key, token, nx=True, px=ttl):
                    with self.lock:
                        self.uncertain.discard(key)
                        self.held[key] = (token, ttl)
                if n % 4 == 0:
                    with self.lock:
                        self.uncertain.add(key)
                        self.held.pop(key, None)
                    if c.delete(key) == 1:
                        with self.lock:
                            self.uncertain.discard(key)
                            self.released.add(key)
        except (redis.ConnectionError, redis.TimeoutError):
            pass

    def check(self, srv):
        c = client(srv)
        with self.lock:
            held = dict(self.held)
            released = set(self.released) - self.uncertain
        pipe = c.pipeline(transaction=False)
        keys = list(held)
        for k in keys:
            pipe.get(k)
            pipe.pttl(k)
        results = pipe.execute()
        for i, k in enumerate(keys):
            token, granted = held[k]
            value, pttl = results[2 * i], results[2 * i + 1]
            assert value == token, "acknowledged lock %s lost or changed after restart" % k
            assert 0 < pttl <= granted, "lock %s has TTL %d, granted %d" % (k, pttl, granted)
        if released:
            assert c.exists(*released) == 0, "an acknowledged release came back"
        return len(keys)


@pytest.fixture(params=["inline-fsync", "group-commit"])
def fsync_mode(request, monkeypatch):
    """Cheap fsyncs run on the loop; "group-commit" forces every fsync onto the helper thread,
    so replies are held until the fsync covering them returns."""
    if request.param == "group-commit":
        monkeypatch.setenv("LATCHKEY_INLINE_FSYNC_MAX_US", "0")
    return request.param


def test_acknowledged_locks_survive_sigkill(data_dir, fsync_mode):
    rng = random.Random(int(os.environ.get("LATCHKEY_CRASH_SEED", time.time())))
    ledger = LockLedger()
    deadline = time.monotonic() + 10
    rounds = 0
    while rounds < 20 and time.monotonic() < deadline:
        srv = LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False).start()
        try:
            if rounds:
                ledger.check(srv)
            workers = [
                threading.Thread(target=ledger.worker, args=(srv, t, random.Random(rng.random())))
                for t in range(4)
            ]
            for w in workers:
                w.start()
            time.sleep(rng.uniform(0.05, 0.4))
            srv.kill()
            for w in workers:
                w.join(10)
        finally:
            srv.kill()
        rounds += 1
    with LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False) as srv:
        checked = ledger.check(srv)
    assert checked > 0 and rounds >= 3


def test_torn_last_record_is_cut_and_reported(data_dir):
    with LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False) as srv:
        c = client(srv)
        for i in range(20):
            assert c.set("k%d" % i, "v%d" % i)
    size = os.path.getsize(aof(data_dir))
    with open(aof(data_dir), "r+b") as f:
        f.truncate(size - 3)
    check = subprocess.run([binary_path(), "--check-log", aof(data_dir)], capture_output=True, text=True)
    assert check.returncode == 1 and "torn last record" in check.stdout
    with LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False) as srv:
        c = client(srv)
        assert [c.get("k%d" % i) for i in range(19)] == ["v%d" % i for i in range(19)]
        assert c.get("k19") is None
        log = srv.log_text()
        assert "torn last record at offset" in log
    assert subprocess.run([binary_path(), "--check-log", aof(data_dir)], capture_output=True).returncode == 0


def test_corruption_in_the_middle_refuses_until_fixed(data_dir):
    with LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False) as srv:
        c = client(srv)
        for i in range(50):
            c.set("k%d" % i, "value-%d" % i)
    with open(aof(data_dir), "r+b") as f:
        data = bytearray(f.read())
        middle = len(data) // 2
        data[middle] ^= 0x40
        f.seek(0)
        f.write(data)
    with pytest.raises(RuntimeError) as refused:
        LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False).start()
    assert "offset" in str(refused.value) and "latchkey.aof" in str(refused.value)
    fix = subprocess.run([binary_path(), "--check-log", aof(data_dir), "--fix"], capture_output=True, text=True)
    assert fix.returncode == 0, fix.stdout + fix.stderr
    with LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False) as srv:
        c = client(srv)
        survivors = [c.get("k%d" % i) for i in range(50)]
        kept = [v for v in survivors if v is not None]
        assert 0 < len(kept) < 50
        assert kept == ["value-%d" % i for i in range(len(kept))]


def test_rewrite_interrupted_by_sigkill_replays(data_dir, fsync_mode):
    rng = random.Random(int(os.environ.get("LATCHKEY_CRASH_SEED", time.time())))
    expected = {}
    for round_ in range(5):
        srv = LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False).start()
        try:
            c = client(srv)
            if expected:
                keys = sorted(expected)
                assert get_many(c, keys) == [expected[k] for k in keys], "state differs after restart"
            pipe = c.pipeline(transaction=False)
            for i in range(2000):
                key = "key:%d" % (i % 500)
                value = "r%d-%d" % (round_, i)
                pipe.set(key, value)
            assert all(pipe.execute())
            for i in range(2000):
                expected["key:%d" % (i % 500)] = "r%d-%d" % (round_, 1500 + i % 500)
            size_before = os.path.getsize(aof(data_dir))
            assert c.bgrewriteaof()
            if round_ == 0:
                # One rewrite runs to completion: the log shrinks to the live keys.
                give_up = time.monotonic() + 10
                while c.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < give_up:
                    time.sleep(0.01)
                assert c.info("persistence")["aof_last_bgrewrite_status"] == "ok"
                assert os.path.getsize(aof(data_dir)) < size_before / 2
            # Keep writing while the rewrite runs, then die at a random point of it.
            stop = time.monotonic() + rng.uniform(0.0, 0.08)
            n = 0
            while time.monotonic() < stop:
                key = "live:%d" % (n % 50)
                if c.set(key, "x%d-%d" % (round_, n)):
                    expected[key] = "x%d-%d" % (round_, n)
                n += 1
            srv.kill()
        finally:
            srv.kill()
    with LatchkeyServer(*ALWAYS, data_dir=data_dir, amqp=False) as srv:
        c = client(srv)
        keys = sorted(expected)
        assert get_many(c, keys) == [expected[k] for k in keys]
    assert not any(name.startswith("temp-rewrite-") for name in os.listdir(data_dir))




def test_full_disk_refuses_writes_keeps_reads_and_recovers(small_disk, fsync_mode):
    srv = LatchkeyServer(*ALWAYS, data_dir=small_disk, amqp=False).start()
    try:
        a, b = client(srv), client(srv)
        assert a.set("before", "1")
        filler = os.path.join(small_disk, "filler")
        fill(filler)
        big = "x" * 16384  # needs fresh pages, whatever slack the log's last page has
        # The write that hits the full disk is not acknowledged until the disk recovers.
        pending = {}
        t = threading.Thread(target=lambda: pending.update(ok=a.set("during", big)))
        t.start()
        give_up = time.monotonic() + 10
        refused = None
        while time.monotonic() < give_up:
            probe = client(srv, timeout=1)
            try:
                probe.set("probe", big)
            except redis.ResponseError as e:
                refused = str(e)
                break
            except redis.TimeoutError:
                pass  # passed the gate just before the failure: held until the disk recovers
            time.sleep(0.02)
        assert refused and refused.startswith("MISCONF Errors writing to the AOF file"), refused
        assert "ok" not in pending
        assert b.get("before") == "1"  # reads keep working
        assert b.info("persistence")["aof_last_write_status"] == "err"
        os.unlink(filler)
        t.join(10)
        assert pending.get("ok") is True
        give_up = time.monotonic() + 10
        while time.monotonic() < give_up:
            try:
                assert b.set("after", "3")
                break
            except redis.ResponseError:
                time.sleep(0.05)
        assert b.info("persistence")["aof_last_write_status"] == "ok"
        srv.kill()
        srv = LatchkeyServer(*ALWAYS, data_dir=small_disk, amqp=False).start()
        c = client(srv)
        assert c.get("before") == "1" and c.get("during") == big and c.get("after") == "3"
    finally:
        srv.kill()
