"""pika: when does a waiting consumer get a message? Requeues, freed capacity, qos changes, TTL at the
head, auto-delete on channel close, mixed get/consume tags, confirms across queues, tx with acks,
channel.flow and basic.recover variants.

Each case is a dispatch edge an event-driven broker can miss (a requeue that nobody pumps to an idle
consumer, a qos raise that does not restart delivery). Expected behaviour is RabbitMQ 3.10's.
"""
import struct
import time

import pika
import pika.exceptions
import pytest

import amqp_raw as R
from amqp_helpers import wait_ready


def pump(conns, until, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() >= deadline:
            return False
        for c in conns:
            c.process_data_events(time_limit=0.01)
    return True


def quiet(conns, seconds=0.3):
    pump(conns, lambda: False, timeout=seconds)


class Box(list):
    def __call__(self, ch, method, props, body):
        self.append((method, body))


def test_requeue_on_channel_close_reaches_waiting_consumer(connect, uniq):
    q = uniq()
    a_conn, b_conn = connect(), connect()
    a, b = a_conn.channel(), b_conn.channel()
    a.queue_declare(q)
    for i in range(3):
        a.basic_publish("", q, b"m%d" % i)
    wait_ready(a, q, 3)
    a.basic_qos(prefetch_count=10)
    held = Box()
    a.basic_consume(q, held)
    assert pump([a_conn], lambda: len(held) == 3)
    got = Box()
    b.basic_consume(q, got)  # idle: everything is unacked on a
    quiet([b_conn])
    assert got == []
    a.close()
    assert pump([b_conn], lambda: len(got) == 3)
    assert [(m.redelivered, body) for m, body in got] == [(True, b"m0"), (True, b"m1"), (True, b"m2")]


def test_reject_requeue_reaches_other_consumer(connect, uniq):
    q = uniq()
    conn = connect()
    a, b = conn.channel(), conn.channel()
    a.queue_declare(q)
    a.basic_qos(prefetch_count=1)
    b.basic_qos(prefetch_count=1)
    ga, gb = Box(), Box()
    a.basic_consume(q, ga)
    a.basic_publish("", q, b"only")
    assert pump([conn], lambda: len(ga) == 1)
    b.basic_consume(q, gb)
    a.basic_reject(ga[0][0].delivery_tag, requeue=True)
    assert pump([conn], lambda: len(ga) + len(gb) == 2)
    redelivered = (ga[1:] + gb)[0]
    assert redelivered[1] == b"only" and redelivered[0].redelivered


def test_global_qos_raise_restarts_delivery(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    for i in range(6):
        ch.basic_publish("", q, b"m%d" % i)
    wait_ready(ch, q, 6)
    ch.basic_qos(prefetch_count=2, global_qos=True)
    got = Box()
    ch.basic_consume(q, got)
    assert pump([pika_conn], lambda: len(got) == 2)
    quiet([pika_conn])
    assert len(got) == 2
    ch.basic_qos(prefetch_count=5, global_qos=True)  # applies at once to the channel's consumers
    assert pump([pika_conn], lambda: len(got) == 5)
    quiet([pika_conn])
    assert [b for _, b in got] == [b"m%d" % i for i in range(5)]


def test_per_consumer_qos_change_only_affects_later_consumers(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    for i in range(6):
        ch.basic_publish("", q, b"m%d" % i)
    wait_ready(ch, q, 6)
    ch.basic_qos(prefetch_count=1)
    got = Box()
    ch.basic_consume(q, got)
    assert pump([pika_conn], lambda: len(got) == 1)
    ch.basic_qos(prefetch_count=4)  # the existing consumer keeps its limit of 1
    quiet([pika_conn])
    assert len(got) == 1


def test_basic_get_ignores_qos(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    for i in range(5):
        ch.basic_publish("", q, b"m%d" % i)
    ch.basic_qos(prefetch_count=1)
    tags = [ch.basic_get(q)[0].delivery_tag for _ in range(5)]
    assert tags == [1, 2, 3, 4, 5]


def test_get_and_consume_share_delivery_tags(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    for i in range(4):
        ch.basic_publish("", q, b"m%d" % i)
    wait_ready(ch, q, 4)
    m, _, body = ch.basic_get(q)
    assert (m.delivery_tag, body) == (1, b"m0")
    got = Box()
    ch.basic_consume(q, got)
    assert pump([pika_conn], lambda: len(got) == 3)
    assert [(m.delivery_tag, b) for m, b in got] == [(2, b"m1"), (3, b"m2"), (4, b"m3")]
    ch.basic_ack(4, multiple=True)


def test_expired_head_is_not_delivered_to_late_consumer(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    ch.basic_publish("", q, b"stale", pika.BasicProperties(expiration="50"))
    ch.basic_publish("", q, b"fresh")
    time.sleep(0.3)
    got = Box()
    ch.basic_consume(q, got, auto_ack=True)
    assert pump([pika_conn], lambda: len(got) >= 1)
    quiet([pika_conn])
    assert [b for _, b in got] == [b"fresh"]


def test_auto_delete_queue_goes_when_consumer_channel_closes(connect, uniq):
    conn = connect()
    q = uniq()
    ch = conn.channel()
    ch.queue_declare(q, auto_delete=True)
    ch.basic_consume(q, lambda *a: None)
    ch.close()
    probe = connect().channel()
    deadline = time.monotonic() + 5
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        while time.monotonic() < deadline:
            probe.queue_declare(q, passive=True)
            time.sleep(0.02)
    assert e.value.reply_code == 404


def test_confirm_for_message_routed_to_many_queues(pika_conn, uniq):
    ch = pika_conn.channel()
    ex = uniq("fan")
    ch.exchange_declare(ex, exchange_type="fanout")
    queues = [uniq("q%d" % i) for i in range(5)]
    for q in queues:
        ch.queue_declare(q)
        ch.queue_bind(q, ex)
    ch.confirm_delivery()
    for i in range(10):
        ch.basic_publish(ex, "", b"m%d" % i, mandatory=True)
    for q in queues:
        assert ch.queue_declare(q, passive=True).method.message_count == 10
    # A fanout with no bindings is unroutable: mandatory returns it.
    empty = uniq("emptyfan")
    ch.exchange_declare(empty, exchange_type="fanout")
    with pytest.raises(pika.exceptions.UnroutableError):
        ch.basic_publish(empty, "", b"x", mandatory=True)
    ch.exchange_delete(ex)
    ch.exchange_delete(empty)


def test_confirms_on_two_channels_are_independent(pika_conn, uniq):
    a, b = pika_conn.channel(), pika_conn.channel()
    q = uniq()
    a.queue_declare(q)
    a.confirm_delivery()
    b.confirm_delivery()
    for i in range(5):
        a.basic_publish("", q, b"a%d" % i)
        b.basic_publish("", q, b"b%d" % i)
    assert a.queue_declare(q, passive=True).method.message_count == 10


def test_tx_applies_acks_on_commit_only(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    ch.basic_publish("", q, b"m0")
    ch.tx_select()
    m, _, _ = ch.basic_get(q)
    ch.basic_ack(m.delivery_tag)
    ch.tx_rollback()  # the ack is discarded: m0 is still unacked on this channel
    ch.close()
    ch = pika_conn.channel()
    wait_ready(ch, q, 1)
    ch.tx_select()
    m, _, body = ch.basic_get(q)
    assert body == b"m0" and m.redelivered
    ch.basic_ack(m.delivery_tag)
    ch.tx_commit()
    ch.close()
    ch = pika_conn.channel()
    assert ch.queue_declare(q, passive=True).method.message_count == 0


def test_channel_flow(amqp_server):
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.open()
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        c.send(R.method(1, 20, 20, b"\x01"))  # flow(active=true)
        m = c.expect_method(20, 21)
        assert m[3][4:] == b"\x01"
        c.send(R.method(1, 20, 20, b"\x00"))  # flow(active=false): RabbitMQ does not support it
        close = c.expect_connection_close()
        assert (close.code, close.class_id, close.method_id) == (540, 20, 20)
        assert close.text.startswith("NOT_IMPLEMENTED"), close


def test_recover_without_requeue_is_not_implemented(amqp_server, uniq):
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.open()
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        c.send(R.method(1, 60, 110, b"\x00"))  # basic.recover(requeue=false)
        close = c.expect_connection_close()
        assert (close.code, close.class_id, close.method_id) == (540, 60, 110), close
        assert close.text.startswith("NOT_IMPLEMENTED"), close
