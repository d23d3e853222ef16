"""pottery 3 `Redlock` (unmodified, default settings apart from short lease times) against three
independent servers, including one stopped mid-test: a majority (2 of 3) still grants, extends
and releases the lock; with two of three down it is refused.
"""
import time

import pytest
from pottery import Redlock
from pottery.exceptions import ExtendUnlockedLock, ReleaseUnlockedLock, TooManyExtensions

from redis.backoff import NoBackoff
from redis.retry import Retry

from redis_support import make_client


def majority(flags):
    """pottery stops talking to the remaining masters once a quorum answered, so only a
    majority of them is guaranteed to reflect each operation."""
    return sum(1 for f in flags if f) >= 2


@pytest.fixture
def masters(server_factory):
    servers = [server_factory() for _ in range(3)]
    # No client-side retries: a stopped master should fail fast, not back off for seconds.
    clients = [make_client(s, socket_timeout=1, retry=Retry(NoBackoff(), 0)) for s in servers]
    yield servers, clients
    for c in clients:
        c.close()


def test_acquire_release_on_all_three(masters):
    servers, clients = masters
    lock = Redlock(key="printer", masters=set(clients), auto_release_time=10)
    assert lock.acquire(blocking=False) is True
    assert lock.locked() > 0
    assert majority(9000 < c.pttl("redlock:printer") <= 10000 for c in clients)
    other = Redlock(key="printer", masters=set(clients), auto_release_time=10)
    assert other.acquire(blocking=False) is False
    lock.release()
    assert majority(c.exists("redlock:printer") == 0 for c in clients)
    with pytest.raises(ReleaseUnlockedLock):
        lock.release()


def test_auto_release(masters):
    _, clients = masters
    lock = Redlock(key="short", masters=set(clients), auto_release_time=0.3)
    assert lock.acquire(blocking=False)
    time.sleep(0.5)
    assert lock.locked() == 0
    other = Redlock(key="short", masters=set(clients), auto_release_time=10)
    assert other.acquire(blocking=False)
    other.release()


def test_extend(masters):
    _, clients = masters
    lock = Redlock(key="ext", masters=set(clients), auto_release_time=2, num_extensions=2)
    assert lock.acquire(blocking=False)
    clients[0].pexpire("redlock:ext", 500)
    lock.extend()
    assert majority(1500 < c.pttl("redlock:ext") <= 2000 for c in clients)
    lock.extend()
    with pytest.raises(TooManyExtensions):
        lock.extend()
    lock.release()
    unlocked = Redlock(key="ext", masters=set(clients), auto_release_time=2)
    with pytest.raises(ExtendUnlockedLock):
        unlocked.extend()


def test_majority_survives_one_server_stopped_mid_test(masters):
    servers, clients = masters
    lock = Redlock(key="quorum", masters=set(clients), auto_release_time=10)
    assert lock.acquire(blocking=False)
    servers[2].stop()  # one of three masters goes away while the lock is held
    assert lock.locked() > 0  # still held on 2 of 3
    contender = Redlock(key="quorum", masters=set(clients), auto_release_time=10)
    assert contender.acquire(blocking=False) is False
    lock.extend()
    lock.release()
    assert majority([clients[0].exists("redlock:quorum") == 0, clients[1].exists("redlock:quorum") == 0])
    # With one master down a fresh lock is still granted by the majority.
    again = Redlock(key="quorum", masters=set(clients), auto_release_time=10)
    assert again.acquire(blocking=False) is True
    again.release()
    # Two of three down: no quorum, no lock.
    servers[1].stop()
    lonely = Redlock(key="quorum2", masters=set(clients), auto_release_time=10)
    assert lonely.acquire(blocking=False) is False


def test_context_manager_blocking(masters):
    _, clients = masters
    holder = Redlock(key="ctx", masters=set(clients), auto_release_time=0.4)
    assert holder.acquire(blocking=False)
    t0 = time.monotonic()
    waiter = Redlock(key="ctx", masters=set(clients), auto_release_time=5, context_manager_timeout=5)
    with waiter:
        assert waiter.locked() > 0
    assert time.monotonic() - t0 >= 0.2
    assert majority(c.exists("redlock:ctx") == 0 for c in clients)
