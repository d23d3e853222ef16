"""redis-py 8 locks, unmodified, with the default protocol (RESP3) and with protocol=2.

Covers raw `SET NX PX` acquisition and expiry, the `Lock` class (acquire, blocking acquire with
a timeout, release, extend, reacquire, LockNotOwnedError after expiry and takeover) and the
README's seed example. Expiry waits are short real sleeps (the server's clock is real here).
"""
import threading
import time
import uuid

import pytest
import redis
from redis.exceptions import LockError, LockNotOwnedError


def test_set_nx_px_acquire_and_contend(client):
    assert client.set("lock:a", "owner-1", nx=True, px=30000) is True
    # A second owner does not get it; the reply is nil (None) in both protocols.
    assert client.set("lock:a", "owner-2", nx=True, px=30000) is None
    assert client.get("lock:a") == b"owner-1"
    assert 29000 < client.pttl("lock:a") <= 30000


def test_set_nx_px_expires(client):
    assert client.set("lock:e", "t", nx=True, px=150) is True
    time.sleep(0.3)
    assert client.get("lock:e") is None
    assert client.exists("lock:e") == 0
    assert client.pttl("lock:e") == -2
    # Free again: another owner acquires.
    assert client.set("lock:e", "t2", nx=True, px=30000) is True


def test_set_nx_px_many_contenders_one_winner(server, client):
    winners = []
    barrier = threading.Barrier(8)

    def contend(i):
        c = redis.Redis(host=server.host, port=server.port, protocol=client.test_protocol,
                        socket_timeout=5)
        barrier.wait(5)
        if c.set("lock:race", "owner-%d" % i, nx=True, px=30000):
            winners.append(i)
        c.close()

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(winners) == 1
    assert client.get("lock:race") == b"owner-%d" % winners[0]


def test_lock_acquire_release(client):
    lock = client.lock("lock:res", timeout=10)
    assert lock.acquire(blocking=False) is True
    assert lock.locked() is True
    assert lock.owned() is True
    token = client.get("lock:res")
    assert token == lock.local.token
    assert 9000 < client.pttl("lock:res") <= 10000
    lock.release()
    assert client.exists("lock:res") == 0
    assert lock.locked() is False


def test_lock_without_timeout_has_no_ttl(client):
    lock = client.lock("lock:forever")
    assert lock.acquire(blocking=False)
    assert client.ttl("lock:forever") == -1
    lock.release()
    assert client.exists("lock:forever") == 0


def test_lock_contention_nonblocking(client):
    first = client.lock("lock:c", timeout=10)
    second = client.lock("lock:c", timeout=10)
    assert first.acquire(blocking=False)
    assert second.acquire(blocking=False) is False
    assert second.owned() is False
    first.release()
    assert second.acquire(blocking=False)
    second.release()


def test_lock_blocking_acquire_times_out(client):
    holder = client.lock("lock:b", timeout=10)
    assert holder.acquire(blocking=False)
    waiter = client.lock("lock:b", timeout=10, sleep=0.02)
    t0 = time.monotonic()
    assert waiter.acquire(blocking=True, blocking_timeout=0.3) is False
    elapsed = time.monotonic() - t0
    assert 0.25 <= elapsed < 3
    holder.release()


def test_lock_blocking_acquire_succeeds_when_released(server, client):
    # thread_local=False: the token is released from the timer thread.
    holder = client.lock("lock:w", timeout=10, thread_local=False)
    assert holder.acquire(blocking=False)
    other = redis.Redis(host=server.host, port=server.port, protocol=client.test_protocol,
                        socket_timeout=5)
    waiter = other.lock("lock:w", timeout=10, sleep=0.02)
    timer = threading.Timer(0.2, holder.release)
    timer.start()
    try:
        assert waiter.acquire(blocking=True, blocking_timeout=5) is True
        assert other.get("lock:w") == waiter.local.token
        waiter.release()
    finally:
        timer.cancel()
        other.close()


def test_lock_blocking_acquire_succeeds_after_expiry(client):
    holder = client.lock("lock:x", timeout=0.2)
    assert holder.acquire(blocking=False)
    waiter = client.lock("lock:x", timeout=10, sleep=0.02)
    assert waiter.acquire(blocking=True, blocking_timeout=5) is True
    waiter.release()


def test_lock_context_manager(client):
    with client.lock("lock:cm", timeout=5, blocking_timeout=1) as lock:
        assert client.get("lock:cm") == lock.local.token
    assert client.exists("lock:cm") == 0


def test_lock_extend_adds_time(client):
    lock = client.lock("lock:ext", timeout=2)
    assert lock.acquire(blocking=False)
    assert lock.extend(10) is True  # Lua: ARGV[2] + pttl (string + number coercion)
    pttl = client.pttl("lock:ext")
    assert 11000 < pttl <= 12000
    assert lock.extend(5, replace_ttl=True) is True
    assert 4000 < client.pttl("lock:ext") <= 5000
    lock.release()


def test_lock_extend_not_owned_raises(client):
    lock = client.lock("lock:ext2", timeout=0.2)
    assert lock.acquire(blocking=False)
    time.sleep(0.35)
    with pytest.raises(LockNotOwnedError):
        lock.extend(5)


def test_lock_extend_requires_timeout(client):
    lock = client.lock("lock:ext3")
    assert lock.acquire(blocking=False)
    with pytest.raises(LockError):
        lock.extend(5)
    lock.release()


def test_lock_reacquire_resets_ttl(client):
    lock = client.lock("lock:re", timeout=10)
    assert lock.acquire(blocking=False)
    client.pexpire("lock:re", 1000)
    assert client.pttl("lock:re") <= 1000
    assert lock.reacquire() is True
    assert 9000 < client.pttl("lock:re") <= 10000
    lock.release()


def test_lock_reacquire_after_expiry_raises(client):
    lock = client.lock("lock:re2", timeout=0.2)
    assert lock.acquire(blocking=False)
    time.sleep(0.35)
    with pytest.raises(LockNotOwnedError):
        lock.reacquire()


def test_release_after_expiry_and_takeover_raises_and_keeps_new_owner(server, client):
    lock = client.lock("lock:t", timeout=0.2)
    assert lock.acquire(blocking=False)
    time.sleep(0.35)
    other = client.lock("lock:t", timeout=10)
    assert other.acquire(blocking=False)
    with pytest.raises(LockNotOwnedError):
        lock.release()
    # The non-owner's release must not have deleted the new owner's key.
    assert client.get("lock:t") == other.local.token
    other.release()
    assert client.exists("lock:t") == 0


def test_release_of_unlocked_lock_raises(client):
    lock = client.lock("lock:none", timeout=5)
    with pytest.raises(LockError):
        lock.release()


def test_release_after_plain_expiry_raises(client):
    lock = client.lock("lock:gone", timeout=0.15)
    assert lock.acquire(blocking=False)
    time.sleep(0.3)
    with pytest.raises(LockNotOwnedError):
        lock.release()


def test_lock_in_db_15(server):
    c = redis.Redis(host=server.host, port=server.port, db=15, socket_timeout=5)
    c0 = redis.Redis(host=server.host, port=server.port, db=0, socket_timeout=5)
    lock = c.lock("lock:db", timeout=5)
    assert lock.acquire(blocking=False)
    assert c0.exists("lock:db") == 0
    assert c0.lock("lock:db", timeout=5).acquire(blocking=False)
    lock.release()
    c.close()
    c0.close()


def test_readme_seed_example(server):
    """The README's seed example: acquire with SET NX PX, do the work, release only if ours."""
    r = redis.Redis(host=server.host, port=server.port, socket_timeout=5)
    token = uuid.uuid4().hex
    if not r.set("lock:report", token, nx=True, px=30_000):
        raise AssertionError("lock should be free")
    assert r.set("lock:report", "someone-else", nx=True, px=30_000) is None
    # ... critical section ...
    release = r.register_script(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
        "else return 0 end")
    assert release(keys=["lock:report"], args=["not-the-owner"]) == 0
    assert r.get("lock:report") == token.encode()
    assert release(keys=["lock:report"], args=[token]) == 1
    assert r.get("lock:report") is None
    # And the same through redis-py's Lock class.
    with r.lock("lock:report", timeout=30, blocking_timeout=1):
        assert r.exists("lock:report") == 1
    assert r.exists("lock:report") == 0
    r.close()


def _readme_python_blocks():
    import os
    import re
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md")
    if not os.path.exists(path):
        return []
    text = open(path).read()
    section = text.split("## A lock with redis-py", 1)
    if len(section) < 2:
        return []
    section = section[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_lock_section_runs_verbatim(server):
    """The README's redis-py lock code blocks, executed as written (only the port changed)."""
    blocks = _readme_python_blocks()
    if not blocks:
        pytest.skip("README.md has no 'A lock with redis-py' section with python blocks")
    ns = {}
    for block in blocks:
        assert "port=6379" in block or "r." in block
        code = block.replace("port=6379", "port=%d, socket_timeout=5" % server.port)
        if "    ..." in code:  # the critical section placeholder: check the lock is held there
            code = code.replace("    ...", "    assert r.exists('lock:report') == 1")
            ns["checked"] = ns.get("checked", 0) + 1
        exec(compile(code, "README.md", "exec"), ns)
    assert ns.get("checked", 0) >= 1
    r = ns["r"]
    assert r.exists("lock:report") == 0  # released by both examples
    r.close()
