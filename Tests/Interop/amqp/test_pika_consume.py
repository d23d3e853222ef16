"""pika consumers and publisher confirms: prefetch, acks, requeue, cancel (both ways), tags, exclusivity.

Issue 6. Deliveries are pumped with process_data_events in short slices until a condition holds or a
deadline passes, so a missing delivery fails within seconds instead of hanging.
"""
import struct
import time

import amqp
import pika
import pika.exceptions
import pytest

import amqp_raw as R
from amqp_helpers import wait_ready


def pump(conn, until=lambda: False, timeout=5.0):
    """Processes events until `until()` is true (returns True) or `timeout` passes (returns False)."""
    deadline = time.monotonic() + timeout
    while True:
        if until():
            return True
        if time.monotonic() >= deadline:
            return False
        conn.process_data_events(time_limit=0.02)


def settle(conn, seconds=0.3):
    """Gives the server time to send deliveries it should not send (prefetch limits)."""
    pump(conn, timeout=seconds)


def fill(ch, q, n, prefix=b"m"):
    for i in range(n):
        ch.basic_publish("", q, prefix + b"%d" % i)
    wait_ready(ch, q, n)


class Collector:
    def __init__(self):
        self.items = []

    def __call__(self, ch, method, props, body):
        self.items.append((method, props, body))

    @property
    def bodies(self):
        return [b for _, _, b in self.items]

    def __len__(self):
        return len(self.items)


def test_consume_with_prefetch_and_manual_acks(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    fill(ch, q, 10)
    ch.basic_qos(prefetch_count=3)
    got = Collector()
    tag = ch.basic_consume(q, got)
    assert pump(pika_conn, lambda: len(got) == 3)
    settle(pika_conn)
    assert got.bodies == [b"m0", b"m1", b"m2"]  # no more than prefetch unacked
    ch.basic_ack(got.items[0][0].delivery_tag)
    assert pump(pika_conn, lambda: len(got) == 4)
    settle(pika_conn)
    assert len(got) == 4
    ch.basic_ack(got.items[3][0].delivery_tag, multiple=True)  # acks m1..m3 too
    assert pump(pika_conn, lambda: len(got) == 7)
    settle(pika_conn)
    assert len(got) == 7
    ch.basic_ack(got.items[-1][0].delivery_tag, multiple=True)  # 3 more fit: m7..m9
    assert pump(pika_conn, lambda: len(got) == 10)
    assert got.bodies == [b"m%d" % i for i in range(10)]
    assert [m.delivery_tag for m, _, _ in got.items] == list(range(1, 11))
    assert all(m.consumer_tag == tag and not m.redelivered and m.routing_key == q for m, _, _ in got.items)
    ch.basic_ack(got.items[-1][0].delivery_tag, multiple=True)
    ch.basic_cancel(tag)
    wait_ready(ch, q, 0)


def test_consume_counts_in_declare_ok(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    t1 = ch.basic_consume(q, lambda *a: None)
    t2 = ch.basic_consume(q, lambda *a: None)
    assert ch.queue_declare(q, passive=True).method.consumer_count == 2
    ch.basic_cancel(t1)
    ch.basic_cancel(t2)
    assert ch.queue_declare(q, passive=True).method.consumer_count == 0


def test_nack_requeue_redelivers_to_consumer(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    fill(ch, q, 3)
    ch.basic_qos(prefetch_count=1)
    got = Collector()
    ch.basic_consume(q, got)
    assert pump(pika_conn, lambda: len(got) == 1)
    ch.basic_nack(got.items[0][0].delivery_tag, requeue=True)
    assert pump(pika_conn, lambda: len(got) == 2)
    m, _, body = got.items[1]
    assert body == b"m0" and m.redelivered is True
    ch.basic_reject(m.delivery_tag, requeue=False)  # dropped
    assert pump(pika_conn, lambda: len(got) == 3)
    assert got.items[2][2] == b"m1" and got.items[2][0].redelivered is False
    ch.basic_ack(got.items[2][0].delivery_tag)
    assert pump(pika_conn, lambda: len(got) == 4)
    ch.basic_ack(got.items[3][0].delivery_tag)
    assert got.bodies == [b"m0", b"m0", b"m1", b"m2"]


def test_no_ack_consumer_ignores_prefetch(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    fill(ch, q, 20)
    ch.basic_qos(prefetch_count=2)
    got = Collector()
    ch.basic_consume(q, got, auto_ack=True)
    assert pump(pika_conn, lambda: len(got) == 20)
    assert got.bodies == [b"m%d" % i for i in range(20)]
    wait_ready(ch, q, 0)


def test_round_robin_between_consumers(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    a, b = Collector(), Collector()
    ch.basic_consume(q, a, auto_ack=True)
    ch.basic_consume(q, b, auto_ack=True)
    for i in range(10):
        ch.basic_publish("", q, b"m%d" % i)
    assert pump(pika_conn, lambda: len(a) + len(b) == 10)
    assert len(a) == 5 and len(b) == 5
    assert sorted(a.bodies + b.bodies) == sorted(b"m%d" % i for i in range(10))


def test_prefetch_per_consumer_vs_global(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    fill(ch, q, 20)
    # global=False (RabbitMQ): each consumer created afterwards gets its own limit of 2.
    ch.basic_qos(prefetch_count=2, global_qos=False)
    a, b = Collector(), Collector()
    ch.basic_consume(q, a)
    ch.basic_consume(q, b)
    assert pump(pika_conn, lambda: len(a) + len(b) == 4)
    settle(pika_conn)
    assert (len(a), len(b)) == (2, 2)
    ch.close()

    ch = pika_conn.channel()
    wait_ready(ch, q, 20)
    # global=True (RabbitMQ 3.x): 3 unacked shared by all consumers on the channel.
    ch.basic_qos(prefetch_count=3, global_qos=True)
    a, b = Collector(), Collector()
    ch.basic_consume(q, a)
    ch.basic_consume(q, b)
    assert pump(pika_conn, lambda: len(a) + len(b) == 3)
    settle(pika_conn)
    assert len(a) + len(b) == 3


def test_cancel_stops_delivery_and_keeps_unacked_ackable(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    fill(ch, q, 5)
    ch.basic_qos(prefetch_count=2)
    got = Collector()
    tag = ch.basic_consume(q, got)
    assert pump(pika_conn, lambda: len(got) == 2)
    ch.basic_cancel(tag)
    ch.basic_ack(got.items[0][0].delivery_tag)  # still ackable after cancel
    settle(pika_conn)
    assert len(got) == 2
    assert ch.queue_declare(q, passive=True).method.consumer_count == 0
    wait_ready(ch, q, 3)
    ch.close()  # the unacked m1 returns
    ch = pika_conn.channel()
    wait_ready(ch, q, 4)
    m, _, body = ch.basic_get(q, auto_ack=True)
    assert body == b"m1" and m.redelivered


def test_cancel_unknown_tag_is_ok(amqp_server):
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.open()
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        c.send(R.method(1, 60, 30, R.shortstr("no-such-tag") + b"\x00"))
        m = c.expect_method(60, 31)
        assert m[3][4:] == R.shortstr("no-such-tag")


def test_server_generated_consumer_tag(amqp_server, uniq):
    conn = amqp.Connection(host="%s:%d" % (amqp_server.host, amqp_server.port))
    conn.connect()
    try:
        ch = conn.channel()
        q = uniq()
        ch.queue_declare(q, auto_delete=False)
        tag = ch.basic_consume(q, consumer_tag="", callback=lambda m: None)
        assert tag.startswith("amq.ctag-") and len(tag) == len("amq.ctag-") + 22
        tag2 = ch.basic_consume(q, consumer_tag="", callback=lambda m: None)
        assert tag2 != tag and tag2.startswith("amq.ctag-")
        assert ch.basic_cancel(tag) == tag
        ch.basic_cancel(tag2)
        ch.queue_delete(q)
    finally:
        conn.close()


def test_reused_consumer_tag_is_530(amqp_server, uniq):
    q = uniq()
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.open()
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        c.send(R.queue_declare(1, q, auto_delete=True))
        c.expect_method(50, 11)
        consume = R.method(1, 60, 20, struct.pack(">H", 0) + R.shortstr(q) + R.shortstr("a") + b"\x00" + R.table({}))
        c.send(consume)
        c.expect_method(60, 21)
        c.send(consume)
        close = c.expect_connection_close()
        assert (close.code, close.text, close.class_id, close.method_id) == (
            530, "NOT_ALLOWED - attempt to reuse consumer tag 'a'", 60, 20)


def test_same_tag_on_two_channels_is_fine(pika_conn, uniq):
    q = uniq()
    a, b = pika_conn.channel(), pika_conn.channel()
    a.queue_declare(q)
    a.basic_consume(q, lambda *x: None, consumer_tag="shared")
    b.basic_consume(q, lambda *x: None, consumer_tag="shared")
    assert a.queue_declare(q, passive=True).method.consumer_count == 2


def test_exclusive_consumer_is_403(connect, uniq):
    conn = connect()
    ch1, ch2 = conn.channel(), conn.channel()
    q = uniq()
    ch1.queue_declare(q)
    ch1.basic_consume(q, lambda *a: None, exclusive=True)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch2.basic_consume(q, lambda *a: None)
        conn.process_data_events(time_limit=0.2)
    assert (e.value.reply_code, e.value.reply_text) == (
        403, "ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use" % q)
    # ... and the other way round: an exclusive consume on a queue that already has a consumer.
    q2 = uniq()
    ch3, ch4 = conn.channel(), conn.channel()
    ch3.queue_declare(q2)
    ch3.basic_consume(q2, lambda *a: None)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch4.basic_consume(q2, lambda *a: None, exclusive=True)
        conn.process_data_events(time_limit=0.2)
    assert (e.value.reply_code, e.value.reply_text) == (
        403, "ACCESS_REFUSED - queue '%s' in vhost '/' in exclusive use" % q2)


def test_consume_missing_queue_is_404(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq("missing")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.basic_consume(q, lambda *a: None)
    assert (e.value.reply_code, e.value.reply_text) == (404, "NOT_FOUND - no queue '%s' in vhost '/'" % q)


def test_consumer_cancel_notification_on_queue_delete(connect, uniq):
    conn = connect()
    ch = conn.channel()
    q = uniq()
    ch.queue_declare(q)
    cancelled = []
    ch.add_on_cancel_callback(lambda frame: cancelled.append(frame.method.consumer_tag))
    tag = ch.basic_consume(q, lambda *a: None)
    other = connect().channel()
    other.queue_delete(q)
    assert pump(conn, lambda: cancelled == [tag])
    assert ch.is_open  # a notification, not a channel error
    ch.queue_declare(uniq(), auto_delete=True)


def test_no_cancel_notification_without_capability(amqp_server, pika_channel, uniq):
    # A client that did not advertise consumer_cancel_notify gets no basic.cancel (RabbitMQ behaviour).
    q = uniq()
    pika_channel.queue_declare(q)
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.open(capabilities=False)
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        c.send(R.method(1, 60, 20, struct.pack(">H", 0) + R.shortstr(q) + R.shortstr("t1") + b"\x00" + R.table({})))
        c.expect_method(60, 21)
        pika_channel.queue_delete(q)
        c.send(R.queue_declare(1, "", exclusive=True))
        m = c.read_method()
        assert (m[1], m[2]) == (50, 11), m[:3]  # the declare-ok, with no basic.cancel before it


def test_auto_delete_queue_goes_with_last_consumer(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q, auto_delete=True)
    ch.basic_publish("", q, b"x")
    wait_ready(ch, q, 1)  # never consumed: not deleted merely for being unused
    t1 = ch.basic_consume(q, lambda *a: None, auto_ack=True)
    t2 = ch.basic_consume(q, lambda *a: None, auto_ack=True)
    ch.basic_cancel(t1)
    assert ch.queue_declare(q, passive=True).method.consumer_count == 1
    ch.basic_cancel(t2)
    ch2 = pika_conn.channel()
    deadline = time.monotonic() + 5
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        while time.monotonic() < deadline:
            ch2.queue_declare(q, passive=True)
            time.sleep(0.02)
    assert e.value.reply_code == 404


def test_basic_recover_requeues(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    fill(ch, q, 2)
    got = Collector()
    ch.basic_consume(q, got)
    assert pump(pika_conn, lambda: len(got) == 2)
    ch.basic_recover(requeue=True)
    assert pump(pika_conn, lambda: len(got) == 4)
    assert got.bodies == [b"m0", b"m1", b"m0", b"m1"]
    assert [m.redelivered for m, _, _ in got.items] == [False, False, True, True]
    ch.basic_ack(0, multiple=True)


# --- publisher confirms -----------------------------------------------------------------------------

def test_confirms_ack_publishes(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    ch.confirm_delivery()
    for i in range(50):
        ch.basic_publish("", q, b"c%d" % i, mandatory=True)  # raises on nack/return
    assert ch.queue_declare(q, passive=True).method.message_count == 50


def test_confirms_with_mandatory_unroutable(pika_conn, uniq):
    ch = pika_conn.channel()
    ch.confirm_delivery()
    with pytest.raises(pika.exceptions.UnroutableError) as e:
        ch.basic_publish("", uniq("nowhere"), b"lost", mandatory=True)
    returned = e.value.messages[0]
    assert returned.body == b"lost"
    assert returned.method.reply_code == 312 and returned.method.reply_text == "NO_ROUTE"
    # Unroutable without mandatory is simply confirmed.
    ch.basic_publish("", uniq("nowhere"), b"dropped")
    assert ch.is_open


def test_mandatory_return_without_confirms(pika_conn, uniq):
    ch = pika_conn.channel()
    returned = []
    ch.add_on_return_callback(lambda c, method, props, body: returned.append((method, props, body)))
    rk = uniq("nowhere")
    ch.basic_publish("amq.direct", rk, b"back", pika.BasicProperties(message_id="r1"), mandatory=True)
    assert pump(pika_conn, lambda: len(returned) == 1)
    method, props, body = returned[0]
    assert (method.reply_code, method.reply_text, method.exchange, method.routing_key) == (
        312, "NO_ROUTE", "amq.direct", rk)
    assert body == b"back" and props.message_id == "r1"


def test_publish_to_missing_exchange_is_404(pika_conn, uniq):
    ch = pika_conn.channel()
    ch.confirm_delivery()
    ex = uniq("noex")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.basic_publish(ex, "rk", b"x")
    assert (e.value.reply_code, e.value.reply_text) == (404, "NOT_FOUND - no exchange '%s' in vhost '/'" % ex)
    # Without confirms the channel is closed just the same (seen on the next call).
    ch = pika_conn.channel()
    ch.basic_publish(ex, "rk", b"x")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(uniq(), auto_delete=True)
        ch.queue_declare(uniq(), auto_delete=True)
    assert e.value.reply_code == 404
    assert pika_conn.is_open


def test_confirm_sequence_numbers_raw(amqp_server, uniq):
    # Raw view of confirms: select-ok, then acks whose tags cover publishes 1..N (multiple allowed).
    q = uniq()
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.open()
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        c.send(R.queue_declare(1, q, auto_delete=True))
        c.expect_method(50, 11)
        c.send(R.method(1, 85, 10, b"\x00"))
        c.expect_method(85, 11)
        n = 20
        for i in range(n):
            c.send(R.basic_publish(1, "", q) + R.content_header(1, 1) + R.body(1, b"x"))
        acked = set()
        while len(acked) < n:
            m = c.read_method()
            assert (m[1], m[2]) == (60, 80), m[:3]
            tag, multiple = struct.unpack_from(">QB", m[3], 4)
            assert 1 <= tag <= n
            if multiple:
                acked.update(range(1, tag + 1))
            else:
                assert tag not in acked
                acked.add(tag)
        assert acked == set(range(1, n + 1))


def test_confirm_select_on_tx_channel_is_406(pika_conn):
    ch = pika_conn.channel()
    ch.tx_select()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.confirm_delivery()
    assert e.value.reply_code == 406
