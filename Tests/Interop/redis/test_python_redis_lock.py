"""python-redis-lock 4 (`redis_lock.Lock`), unmodified.

Its acquisition is `SET name id NX EX s` and its extend script uses GET/TTL/EXPIRE. Its release
script signals waiters with `LPUSH` on a list key (and `PEXPIRE`s it), and a blocking acquire on a
busy lock waits with `BLPOP` on that list: since issue 11 Latchkey has lists with blocking pops,
so every path runs against both targets with no xfail.
"""
import threading
import time

import pytest
import redis_lock

def test_nonblocking_acquire_and_contention(r):
    lock = redis_lock.Lock(r, "job", expire=30, id="worker-1")
    assert lock.acquire(blocking=False) is True
    assert lock.locked() is True
    assert lock.get_owner_id() in ("worker-1", b"worker-1")
    assert r.get("lock:job") == b"worker-1"
    assert 28 <= r.ttl("lock:job") <= 30
    other = redis_lock.Lock(r, "job", expire=30, id="worker-2")
    assert other.acquire(blocking=False) is False


def test_acquire_after_expiry(r):
    lock = redis_lock.Lock(r, "exp", expire=1, id="a")
    assert lock.acquire(blocking=False)
    time.sleep(1.2)
    assert lock.locked() is False
    other = redis_lock.Lock(r, "exp", expire=10, id="b")
    assert other.acquire(blocking=False)


def test_extend(r):
    lock = redis_lock.Lock(r, "ext", expire=5, id="me")
    assert lock.acquire(blocking=False)
    r.expire("lock:ext", 2)
    lock.extend(expire=60)
    assert 58 <= r.ttl("lock:ext") <= 60


def test_extend_not_owned(r):
    lock = redis_lock.Lock(r, "ext2", expire=5, id="me")
    assert lock.acquire(blocking=False)
    r.set("lock:ext2", "someone-else", ex=30)
    with pytest.raises(redis_lock.NotAcquired):
        lock.extend(expire=60)
    assert r.get("lock:ext2") == b"someone-else"


def test_release_by_non_owner_is_refused(r):
    """The release script's first branch (GET != id) returns before touching any list."""
    lock = redis_lock.Lock(r, "steal", expire=5, id="me")
    assert lock.acquire(blocking=False)
    r.set("lock:steal", "thief", ex=30)
    with pytest.raises(redis_lock.NotAcquired):
        lock.release()
    assert r.get("lock:steal") == b"thief"


def test_release(r):
    lock = redis_lock.Lock(r, "rel", expire=30, id="me", signal_expire=100)
    assert lock.acquire(blocking=False)
    lock.release()
    assert r.exists("lock:rel") == 0


def test_blocking_acquire_times_out(r):
    holder = redis_lock.Lock(r, "blk", expire=30, id="a")
    assert holder.acquire(blocking=False)
    waiter = redis_lock.Lock(r, "blk", expire=30, id="b")
    t0 = time.monotonic()
    assert waiter.acquire(blocking=True, timeout=1) is False
    assert time.monotonic() - t0 >= 0.9


def test_context_manager(r):
    with redis_lock.Lock(r, "cm", expire=30, id="me"):
        assert r.get("lock:cm") == b"me"
    assert r.exists("lock:cm") == 0


def test_blocking_acquire_is_woken_by_release(r):
    """The waiter sits in BLPOP (timeout 0 = forever); the release script's LPUSH wakes it."""
    holder = redis_lock.Lock(r, "wake", expire=30, id="a")
    assert holder.acquire(blocking=False)
    got = {}

    def wait():
        client = r.__class__(connection_pool=r.connection_pool)
        waiter = redis_lock.Lock(client, "wake", expire=30, id="b")
        t0 = time.monotonic()
        got["acquired"] = waiter.acquire(blocking=True)
        got["waited"] = time.monotonic() - t0
        waiter.release()
        client.close()

    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.3)
    assert "acquired" not in got  # still blocked
    holder.release()
    t.join(5)
    assert got.get("acquired") is True
    assert 0.25 <= got["waited"] < 3
    assert r.exists("lock:wake") == 0
