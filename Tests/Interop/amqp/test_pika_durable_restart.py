"""Crash tests for durable queues with pika (appendfsync always).

Persistent messages published with confirms to a durable queue are confirmed only once their
record is fsynced; an ack followed by a synchronous round trip is durable too. After SIGKILL at
random moments, every confirmed and not durably-acked message must be back exactly once (with
redelivered set if it had been delivered), and no durably-acked message may come back.
"""
import os
import random
import shutil
import sys
import tempfile
import threading
import time

import pika
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from latchkey_server import LatchkeyServer  # noqa: E402

# These tests are about Latchkey's own log: they always start the built binary.
pytestmark = pytest.mark.skipif(
    os.environ.get("LATCHKEY_TARGET", "latchkey").lower() != "latchkey", reason="Latchkey's append-only log")

ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")
EVERYSEC = ("--appendonly", "yes", "--appendfsync", "everysec")
QUEUE = "crash-jobs"


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="latchkey-amqp-crash-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def connect(srv):
    params = pika.ConnectionParameters(host=srv.host, port=srv.amqp_port, connection_attempts=1, socket_timeout=5)
    return pika.BlockingConnection(params)


def drain(srv):
    """Every message in the queue: (body, redelivered). Leaves them unacked (they return)."""
    conn = connect(srv)
    ch = conn.channel()
    ch.queue_declare(QUEUE, durable=True)
    seen = []
    while True:
        method, _props, body = ch.basic_get(QUEUE, auto_ack=False)
        if method is None:
            break
        seen.append((body.decode(), method.redelivered))
    conn.close()
    return seen


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.confirmed = set()
        self.acked = set()  # acked and followed by a completed round trip
        self.maybe_acked = set()

    def worker(self, srv, tag, rng):
        n = 0
        try:
            conn = connect(srv)
            ch = conn.channel()
            ch.queue_declare(QUEUE, durable=True)
            ch.confirm_delivery()
            while True:
                n += 1
                body = "%s-%d" % (tag, n)
                ch.basic_publish(
                    "", QUEUE, body.encode(), pika.BasicProperties(delivery_mode=2), mandatory=False)
                with self.lock:
                    self.confirmed.add(body)
                if rng.random() < 0.3:
                    method, _p, got = ch.basic_get(QUEUE, auto_ack=False)
                    if method is not None:
                        with self.lock:
                            self.maybe_acked.add(got.decode())
                        ch.basic_ack(method.delivery_tag)
                        ch.queue_declare(QUEUE, durable=True, passive=True)  # round trip: ack is durable
                        with self.lock:
                            self.acked.add(got.decode())
        except Exception:
            pass

    def check(self, srv, acks_durable=True):
        seen = drain(srv)
        bodies = [b for b, _ in seen]
        assert len(bodies) == len(set(bodies)), "a message came back twice"
        with self.lock:
            expected = self.confirmed - self.maybe_acked
            acked = set(self.acked)
        missing = expected - set(bodies)
        assert not missing, "confirmed messages lost: %r" % sorted(missing)[:5]
        back = acked & set(bodies)
        assert not back or not acks_durable, "acked messages came back: %r" % sorted(back)[:5]
        return len(bodies)


@pytest.mark.parametrize("policy", ["always", "everysec"])
def test_confirmed_persistent_messages_survive_sigkill(data_dir, policy):
    """Under everysec too. SIGKILL keeps the page cache, so this checks that records are written
    before their confirms go out. That a confirm also waits for its fsync (what a power cut would
    test) is covered by the unit tests of Journal.replyAfterFsync and OutputHold."""
    options = ALWAYS if policy == "always" else EVERYSEC
    acks_durable = policy == "always"
    rng = random.Random(int(os.environ.get("LATCHKEY_CRASH_SEED", time.time())))
    ledger = Ledger()
    deadline = time.monotonic() + 10
    rounds = 0
    while rounds < 12 and time.monotonic() < deadline:
        srv = LatchkeyServer(*options, data_dir=data_dir).start()
        try:
            if rounds:
                ledger.check(srv, acks_durable)
            workers = [
                threading.Thread(target=ledger.worker, args=(srv, "r%dw%d" % (rounds, t), random.Random(rng.random())))
                for t in range(3)
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
    with LatchkeyServer(*options, data_dir=data_dir) as srv:
        remaining = ledger.check(srv, acks_durable)
        # Everything drained above was delivered once, so all of it now comes back redelivered.
        assert all(redelivered for _, redelivered in drain(srv))
    assert rounds >= 3 and len(ledger.confirmed) > 0 and remaining > 0
