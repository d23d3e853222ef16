"""kombu (py-amqp transport) with exchanges: Producer/Consumer over direct, topic and fanout, requeue,
SimpleQueue, and heartbeats driven by kombu's own heartbeat_check.

kombu picks its QoS flag from the server's product string; the consumer here uses a prefetch so both
meanings are exercised depending on what the server advertises.
"""
import socket
import time

import pytest
from kombu import Connection, Consumer, Exchange, Producer, Queue

from amqp_helpers import wait_ready


@pytest.fixture
def kconn(amqp_server):
    with Connection(amqp_server.url, connect_timeout=10) as conn:
        conn.connect()
        yield conn


def drain_until(conn, done, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out waiting for messages"
        try:
            conn.drain_events(timeout=0.2)
        except socket.timeout:
            pass


def test_direct_exchange_producer_consumer(kconn, uniq):
    ex = Exchange(uniq("kex"), type="direct", durable=False, auto_delete=False)
    q = Queue(uniq("kq"), ex, routing_key="jobs", durable=False)
    producer = Producer(kconn.channel(), exchange=ex, serializer="json")
    for i in range(25):
        producer.publish({"n": i, "text": "é"}, routing_key="jobs", declare=[q],
                         headers={"attempt": 1}, priority=3)
    received = []

    def on_message(body, message):
        assert message.headers == {"attempt": 1}
        assert message.content_type == "application/json"
        received.append(body["n"])
        message.ack()
    with Consumer(kconn, queues=[q], callbacks=[on_message], accept=["json"], prefetch_count=5):
        drain_until(kconn, lambda: len(received) == 25)
    assert received == list(range(25))
    q(kconn.default_channel).delete()
    ex(kconn.default_channel).delete()


def test_topic_and_fanout_exchanges(kconn, uniq):
    topic = Exchange(uniq("ktopic"), type="topic", auto_delete=True)
    fan = Exchange(uniq("kfan"), type="fanout", auto_delete=True)
    q_orange = Queue(uniq("orange"), topic, routing_key="*.orange.*", auto_delete=True)
    q_lazy = Queue(uniq("lazy"), topic, routing_key="lazy.#", auto_delete=True)
    q_fan1 = Queue(uniq("fan1"), fan, auto_delete=True)
    q_fan2 = Queue(uniq("fan2"), fan, auto_delete=True)
    got = {}

    def collect(name):
        def cb(body, message):
            got.setdefault(name, []).append(body)
            message.ack()
        return cb
    consumers = [Consumer(kconn, queues=[q], callbacks=[collect(q.name)], accept=["json"])
                 for q in (q_orange, q_lazy, q_fan1, q_fan2)]
    for c in consumers:
        c.consume()
    producer = Producer(kconn.channel(), serializer="json")
    for rk in ("quick.orange.rabbit", "lazy.brown.fox", "lazy.orange.elephant", "quick.brown.fox"):
        producer.publish(rk, exchange=topic, routing_key=rk)
    producer.publish("broadcast", exchange=fan, routing_key="whatever")
    drain_until(kconn, lambda: len(got.get(q_orange.name, [])) == 2 and len(got.get(q_lazy.name, [])) == 2
                and len(got.get(q_fan1.name, [])) == 1 and len(got.get(q_fan2.name, [])) == 1)
    assert got[q_orange.name] == ["quick.orange.rabbit", "lazy.orange.elephant"]
    assert got[q_lazy.name] == ["lazy.brown.fox", "lazy.orange.elephant"]
    assert got[q_fan1.name] == got[q_fan2.name] == ["broadcast"]
    for c in consumers:
        c.cancel()


def test_requeue_and_reject(kconn, uniq):
    q = Queue(uniq("kreq"), auto_delete=False)
    q(kconn.default_channel).declare()
    producer = Producer(kconn.channel(), serializer="json")
    for i in range(3):
        producer.publish(i, exchange="", routing_key=q.name)
    seen = []

    def cb(body, message):
        seen.append((body, message.delivery_info["redelivered"]))
        if body == 0 and not message.delivery_info["redelivered"]:
            message.requeue()
        elif body == 1:
            message.reject()
        else:
            message.ack()
    with Consumer(kconn, queues=[q], callbacks=[cb], accept=["json"], prefetch_count=1):
        drain_until(kconn, lambda: len(seen) == 4)
    assert seen == [(0, False), (0, True), (1, False), (2, False)]
    wait_ready(kconn.default_channel, q.name, 0)
    q(kconn.default_channel).delete()


def test_simple_queue(kconn, uniq):
    name = uniq("simple")
    sq = kconn.SimpleQueue(name)
    try:
        for i in range(5):
            sq.put({"i": i})
        wait_ready(kconn.default_channel, name, 5)
        assert sq.qsize() == 5
        out = []
        for _ in range(5):
            m = sq.get(block=True, timeout=5)
            out.append(m.payload["i"])
            m.ack()
        assert out == list(range(5))
        with pytest.raises(sq.Empty):
            sq.get(block=False)
    finally:
        sq.close()  # cancels its consumer first: deleting a consumed queue would cancel it under us
        sq.queue(kconn.default_channel).delete()


@pytest.mark.timeout(30)
def test_heartbeats(amqp_server, uniq):
    with Connection(amqp_server.url, heartbeat=2) as conn:
        conn.connect()
        assert conn.connection.heartbeat == 2
        q = Queue(uniq("khb"), auto_delete=False)
        q(conn.default_channel).declare()
        deadline = time.monotonic() + 7
        while time.monotonic() < deadline:
            try:
                conn.drain_events(timeout=0.25)
            except socket.timeout:
                pass
            conn.heartbeat_check(rate=2)
        producer = Producer(conn.channel(), serializer="json")
        producer.publish("alive", exchange="", routing_key=q.name)
        got = []
        with Consumer(conn, queues=[q], callbacks=[lambda body, m: (got.append(body), m.ack())], accept=["json"]):
            drain_until(conn, lambda: got == ["alive"])
        q(conn.default_channel).delete()
