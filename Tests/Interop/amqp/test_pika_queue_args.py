"""pika and queue arguments: TTLs, expiry, max-length/overflow, dead-lettering with x-death, priorities,
single active consumer, queue types, argument equivalence, and tx.

Issue 6 item 4. Timing-based cases use short TTLs and poll with a bound, so they fail within seconds.
"""
import time

import pika
import pika.exceptions
import pytest

from amqp_helpers import wait_ready


def poll(fn, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.02)


def drain(ch, q):
    out = []
    while True:
        m = ch.basic_get(q, auto_ack=True)
        if m[0] is None:
            return out
        out.append(m)


def test_queue_message_ttl(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q, arguments={"x-message-ttl": 100})
    pika_channel.basic_publish("", q, b"short-lived")
    time.sleep(0.4)
    assert pika_channel.basic_get(q) == (None, None, None)
    assert pika_channel.queue_declare(q, passive=True).method.message_count == 0


def test_per_message_expiration(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    pika_channel.basic_publish("", q, b"short", pika.BasicProperties(expiration="100"))
    pika_channel.basic_publish("", q, b"long", pika.BasicProperties(expiration="60000"))
    time.sleep(0.3)
    got = drain(pika_channel, q)
    assert [b for _, _, b in got] == [b"long"]
    assert got[0][1].expiration == "60000"


def test_queue_expires_when_unused(pika_conn, uniq):
    q = uniq()
    ch = pika_conn.channel()
    ch.queue_declare(q, arguments={"x-expires": 200})
    deadline = time.monotonic() + 5
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        while time.monotonic() < deadline:
            time.sleep(0.5)  # longer than x-expires: a declare (even passive) renews the lease
            ch.queue_declare(q, passive=True)
    assert e.value.reply_code == 404


def test_max_length_drop_head(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q, arguments={"x-max-length": 3})
    for i in range(5):
        pika_channel.basic_publish("", q, b"m%d" % i)
    wait_ready(pika_channel, q, 3)
    assert [b for _, _, b in drain(pika_channel, q)] == [b"m2", b"m3", b"m4"]


def test_max_length_reject_publish_nacks(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q, arguments={"x-max-length": 2, "x-overflow": "reject-publish"})
    pika_channel.confirm_delivery()
    pika_channel.basic_publish("", q, b"m0")
    pika_channel.basic_publish("", q, b"m1")
    with pytest.raises(pika.exceptions.NackError):
        pika_channel.basic_publish("", q, b"m2")
    assert [b for _, _, b in drain(pika_channel, q)] == [b"m0", b"m1"]


def test_dead_letter_on_reject_with_x_death(pika_channel, uniq):
    src, dlq = uniq("src"), uniq("dlq")
    pika_channel.queue_declare(dlq)
    pika_channel.queue_declare(src, arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq})
    pika_channel.basic_publish("", src, b"doomed", pika.BasicProperties(message_id="d1", headers={"k": "v"}))
    m, _, _ = pika_channel.basic_get(src)
    pika_channel.basic_reject(m.delivery_tag, requeue=False)
    wait_ready(pika_channel, dlq, 1)
    method, props, body = pika_channel.basic_get(dlq, auto_ack=True)
    assert body == b"doomed" and props.message_id == "d1"
    assert method.routing_key == dlq and method.exchange == ""
    assert props.headers["k"] == "v"
    deaths = props.headers["x-death"]
    assert len(deaths) == 1
    d = deaths[0]
    assert d["reason"] == "rejected" and d["queue"] == src and d["count"] == 1
    assert d["exchange"] == "" and d["routing-keys"] == [src]
    assert props.headers["x-first-death-reason"] == "rejected"
    assert props.headers["x-first-death-queue"] == src


def test_dead_letter_on_expiry(pika_channel, uniq):
    src, dlx, dlq = uniq("src"), uniq("dlx"), uniq("dlq")
    pika_channel.exchange_declare(dlx, exchange_type="fanout")
    pika_channel.queue_declare(dlq)
    pika_channel.queue_bind(dlq, dlx)
    pika_channel.queue_declare(src, arguments={"x-message-ttl": 50, "x-dead-letter-exchange": dlx})
    pika_channel.basic_publish("", src, b"expired")
    assert poll(lambda: pika_channel.queue_declare(dlq, passive=True).method.message_count == 1, 5)
    method, props, body = pika_channel.basic_get(dlq, auto_ack=True)
    assert body == b"expired"
    assert props.headers["x-death"][0]["reason"] == "expired"
    assert method.exchange == dlx and method.routing_key == src  # original routing key kept
    pika_channel.exchange_delete(dlx)


def test_max_priority(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q, arguments={"x-max-priority": 10})
    for p in (1, 5, 9, 5, 0):
        pika_channel.basic_publish("", q, b"p%d" % p, pika.BasicProperties(priority=p))
    wait_ready(pika_channel, q, 5)
    assert [b for _, _, b in drain(pika_channel, q)] == [b"p9", b"p5", b"p5", b"p1", b"p0"]


def test_single_active_consumer(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q, arguments={"x-single-active-consumer": True})
    first, second = [], []
    t1 = ch.basic_consume(q, lambda c, m, p, b: first.append(b), auto_ack=True)
    ch.basic_consume(q, lambda c, m, p, b: second.append(b), auto_ack=True)
    for i in range(4):
        ch.basic_publish("", q, b"m%d" % i)
    deadline = time.monotonic() + 5
    while len(first) < 4 and time.monotonic() < deadline:
        pika_conn.process_data_events(time_limit=0.02)
    assert (first, second) == ([b"m0", b"m1", b"m2", b"m3"], [])
    ch.basic_cancel(t1)
    ch.basic_publish("", q, b"m4")
    deadline = time.monotonic() + 5
    while not second and time.monotonic() < deadline:
        pika_conn.process_data_events(time_limit=0.02)
    assert second == [b"m4"]


@pytest.mark.parametrize("queue_type", ["classic", "quorum"])
def test_queue_types_accepted(pika_channel, uniq, queue_type):
    q = uniq()
    pika_channel.queue_declare(q, durable=True, arguments={"x-queue-type": queue_type})
    pika_channel.basic_publish("", q, b"typed")
    wait_ready(pika_channel, q, 1)
    m = pika_channel.basic_get(q)
    assert m[2] == b"typed"
    pika_channel.basic_ack(m[0].delivery_tag)
    pika_channel.queue_delete(q)


def test_inequivalent_argument_is_406(pika_conn, uniq):
    q = uniq()
    ch = pika_conn.channel()
    ch.queue_declare(q, arguments={"x-max-length": 10})
    ch.queue_declare(q, arguments={"x-max-length": 10})
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, arguments={"x-max-length": 20})
    assert e.value.reply_code == 406
    assert e.value.reply_text.startswith(
        "PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue '%s' in vhost '/'" % q)


def test_tx_commit_and_rollback(pika_channel, uniq):
    q = uniq()
    ch = pika_channel
    ch.queue_declare(q)
    ch.tx_select()
    ch.basic_publish("", q, b"rolled back")
    ch.tx_rollback()
    ch.basic_publish("", q, b"committed")
    assert ch.queue_declare(q, passive=True).method.message_count == 0  # not before commit
    ch.tx_commit()
    assert [b for _, _, b in drain(ch, q)] == [b"committed"]
