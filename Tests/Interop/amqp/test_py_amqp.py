"""py-amqp (the library under kombu and Celery): core round trip, AMQPLAIN login, heartbeats both ways.

py-amqp encodes big integers with the `L` tag and floats with `d`, which pika never sends, so the
header round trip here covers table types test_pika_basic.py cannot. The silent-peer test uses raw
frames: it negotiates heartbeat 1 and then sends nothing, and the server must drop it.
"""
import datetime
import decimal
import socket
import time

import amqp
import amqp.exceptions
import pytest

import amqp_raw as R
from amqp_helpers import wait_ready

HEADERS = {
    "s": "text",
    "big": 2**40 + 1,  # py-amqp: tag L
    "neg_big": -(2**35),
    "i": -5,  # tag I
    "f": 2.5,  # tag d
    "t": True,
    "dec": decimal.Decimal("1.25"),
    "when": datetime.datetime(2023, 1, 2, 3, 4, 5),
    "tbl": {"inner": "x", "n": 3},
    "arr": [1, "a", 2.5, {"k": "v"}],
    "none": None,
}


def connect(server, **kw):
    kw.setdefault("userid", "guest")
    kw.setdefault("password", "guest")
    conn = amqp.Connection(host="%s:%d" % (server.host, server.port), connect_timeout=10, **kw)
    conn.connect()
    return conn


@pytest.fixture
def conn(amqp_server):
    c = connect(amqp_server)
    yield c
    try:
        c.close()
    except Exception:
        pass


def test_round_trip_with_properties(conn, uniq):
    ch = conn.channel()
    q = uniq()
    name, count, consumers = ch.queue_declare(q, durable=False, auto_delete=False)
    assert (name, count, consumers) == (q, 0, 0)
    for size in (0, 1, 131072, 300 * 1024):
        body = bytes(i % 251 for i in range(size))
        msg = amqp.Message(body, content_type="application/octet-stream", content_encoding="binary",
                           application_headers=HEADERS, delivery_mode=2, priority=3, correlation_id="c1",
                           reply_to="r1", expiration="600000", message_id="m1", timestamp=1700000000,
                           type="t1", user_id="guest", app_id="a1", cluster_id="cl1")
        ch.basic_publish(msg, exchange="", routing_key=q)
        got = ch.basic_get(q, no_ack=False)
        assert got is not None
        # py-amqp hands an empty body back as '' (str); the bytes are what matter.
        assert (got.body if isinstance(got.body, bytes) else got.body.encode()) == body
        assert got.delivery_info["routing_key"] == q and got.delivery_info["exchange"] == ""
        assert got.delivery_info["redelivered"] is False and got.delivery_info["message_count"] == 0
        want = dict(msg.properties)
        want["application_headers"] = dict(HEADERS)
        got_props = dict(got.properties)
        assert got_props.pop("application_headers") == HEADERS
        want.pop("application_headers")
        assert got_props == want
        ch.basic_ack(got.delivery_tag)
    assert ch.basic_get(q) is None
    ch.queue_delete(q)


def test_amqplain_login(amqp_server, uniq):
    c = connect(amqp_server, login_method="AMQPLAIN")
    try:
        ch = c.channel()
        q = uniq()
        ch.queue_declare(q, auto_delete=False)
        ch.basic_publish(amqp.Message(b"via amqplain"), exchange="", routing_key=q)
        assert ch.basic_get(q, no_ack=True).body == b"via amqplain"
        ch.queue_delete(q)
    finally:
        c.close()


def test_bad_password_is_access_refused(amqp_server):
    for method in ("PLAIN", "AMQPLAIN"):
        with pytest.raises(amqp.exceptions.AccessRefused) as e:
            connect(amqp_server, password="wrong", login_method=method)
        assert e.value.reply_code == 403
        assert ("ACCESS_REFUSED - Login was refused using authentication mechanism %s" % method) in str(e.value)


def test_requeue_on_close_and_reject(conn, amqp_server, uniq):
    ch = conn.channel()
    q = uniq()
    ch.queue_declare(q, auto_delete=False)
    for i in range(3):
        ch.basic_publish(amqp.Message(b"m%d" % i), exchange="", routing_key=q)
    m0 = ch.basic_get(q)
    m1 = ch.basic_get(q)
    ch.basic_reject(m1.delivery_tag, requeue=True)
    ch.close()
    ch = conn.channel()
    wait_ready(ch, q, 3)
    got = [ch.basic_get(q, no_ack=True) for _ in range(3)]
    assert [(m.body, m.delivery_info["redelivered"]) for m in got] == [
        (b"m0", True), (b"m1", True), (b"m2", False)]
    assert m0.body == b"m0"


def test_passive_missing_queue_is_404(conn, uniq):
    ch = conn.channel()
    q = uniq("missing")
    with pytest.raises(amqp.exceptions.NotFound) as e:
        ch.queue_declare(q, passive=True)
    assert e.value.reply_code == 404
    assert "NOT_FOUND - no queue '%s' in vhost '/'" % q in str(e.value)
    assert conn.connected
    conn.channel().queue_declare(uniq(), auto_delete=True)


@pytest.mark.timeout(30)
def test_heartbeat_keeps_connection_alive(amqp_server, uniq):
    c = connect(amqp_server, heartbeat=2)
    try:
        assert c.heartbeat == 2  # min(server, client) as py-amqp negotiates
        ch = c.channel()
        q = uniq()
        ch.queue_declare(q, auto_delete=False)
        recv_before = c.bytes_recv
        deadline = time.monotonic() + 7  # more than 3 intervals with no application traffic
        while time.monotonic() < deadline:
            try:
                c.drain_events(timeout=0.3)
            except socket.timeout:
                pass
            c.heartbeat_tick()  # raises ConnectionForced if the server went silent
        # The server sent heartbeats while we were idle (every ~H/2 s).
        assert c.bytes_recv - recv_before >= 3
        ch.basic_publish(amqp.Message(b"still here"), exchange="", routing_key=q)
        assert ch.basic_get(q, no_ack=True).body == b"still here"
        ch.queue_delete(q)
    finally:
        c.close()


@pytest.mark.timeout(30)
def test_silent_peer_is_disconnected(amqp_server, uniq):
    with R.RawClient(amqp_server.host, amqp_server.port, timeout=10) as c:
        c.open(heartbeat=1)
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        t0 = time.monotonic()
        heartbeats = 0
        closed = False
        while time.monotonic() - t0 < 8:
            try:
                f = c.read_frame(timeout=8 - (time.monotonic() - t0))
            except TimeoutError:
                break
            if f is None:
                closed = True
                break
            if f[0] == R.FRAME_HEARTBEAT:
                heartbeats += 1
        elapsed = time.monotonic() - t0
        assert closed, "server kept a silent heartbeat-1 peer for %.1fs" % elapsed
        assert 1.0 <= elapsed <= 3.5, elapsed
        assert heartbeats >= 1  # the server heartbeats too, even to a peer it is about to drop
    # ... and keeps serving others.
    c2 = connect(amqp_server)
    c2.channel().queue_declare(uniq(), auto_delete=True)
    c2.close()


@pytest.mark.timeout(30)
def test_peer_sending_only_heartbeats_stays(amqp_server):
    with R.RawClient(amqp_server.host, amqp_server.port, timeout=10) as c:
        c.open(heartbeat=1)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 4:
            c.send(R.heartbeat())
            assert not c.wait_eof(0.4), "server dropped a peer that sends heartbeats"
        c.send(R.channel_open(1))
        c.expect_method(20, 11)


def test_py_amqp_queue_delete_with_own_consumer_does_not_raise(amqp_server, uniq):
    """Issue 9 item 2: py-amqp (kombu's transport) waits for queue.delete-ok; a server basic.cancel
    arriving before it raised ConsumerCancelled. RabbitMQ sends delete-ok first."""
    import amqp
    conn = amqp.Connection("%s:%d" % (amqp_server.host, amqp_server.port), userid="guest", password="guest")
    conn.connect()
    try:
        ch = conn.channel()
        q = uniq()
        ch.queue_declare(q, auto_delete=False)
        cancelled = []
        ch.basic_consume(q, callback=lambda m: None, on_cancel=cancelled.append)
        assert ch.queue_delete(q) == 0
        conn.drain_events(timeout=2)
        assert len(cancelled) == 1
    finally:
        conn.close()
