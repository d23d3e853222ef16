"""pika and exchanges: declare (types, flags, equivalence), predeclared amq.*, delete, bindings, headers
routing, internal and auto-delete exchanges, exchange-to-exchange bindings.

Issue 6 item 2. Texts are RabbitMQ 3.10's.
"""
import time

import pika
import pika.exceptions
import pytest

from amqp_helpers import wait_ready


def closed_by_broker(fn):
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        fn()
    return e.value.reply_code, e.value.reply_text


@pytest.mark.parametrize("kind", ["direct", "fanout", "topic", "headers"])
def test_declare_each_type_and_passive(pika_channel, uniq, kind):
    ex = uniq("ex")
    pika_channel.exchange_declare(ex, exchange_type=kind, durable=True)
    pika_channel.exchange_declare(ex, exchange_type=kind, durable=True)  # equivalent: fine
    pika_channel.exchange_declare(ex, passive=True)
    pika_channel.exchange_delete(ex)


def test_passive_missing_exchange_is_404(pika_conn, uniq):
    ex = uniq("noex")
    assert closed_by_broker(lambda: pika_conn.channel().exchange_declare(ex, passive=True)) == (
        404, "NOT_FOUND - no exchange '%s' in vhost '/'" % ex)


def test_inequivalent_redeclare_is_406(pika_conn, uniq):
    ex = uniq("ex")
    ch = pika_conn.channel()
    ch.exchange_declare(ex, exchange_type="direct")
    assert closed_by_broker(lambda: ch.exchange_declare(ex, exchange_type="fanout")) == (
        406, "PRECONDITION_FAILED - inequivalent arg 'type' for exchange '%s' in vhost '/': "
             "received 'fanout' but current is 'direct'" % ex)
    ch = pika_conn.channel()
    assert closed_by_broker(lambda: ch.exchange_declare(ex, exchange_type="direct", durable=True)) == (
        406, "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange '%s' in vhost '/': "
             "received 'true' but current is 'false'" % ex)
    pika_conn.channel().exchange_delete(ex)


def test_unknown_exchange_type_is_connection_503(connect, uniq):
    conn = connect()
    ch = conn.channel()
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as e:
        ch.exchange_declare(uniq("ex"), exchange_type="bogus")
    assert (e.value.reply_code, e.value.reply_text) == (503, "COMMAND_INVALID - unknown exchange type 'bogus'")


def test_reserved_names(pika_conn):
    assert closed_by_broker(lambda: pika_conn.channel().exchange_declare("amq.latchkey", exchange_type="direct")) == (
        403, "ACCESS_REFUSED - exchange name 'amq.latchkey' contains reserved prefix 'amq.*'")
    assert closed_by_broker(lambda: pika_conn.channel().exchange_delete("amq.direct")) == (
        403, "ACCESS_REFUSED - deletion of system exchange 'amq.direct' in vhost '/' not allowed")


def test_predeclared_exchanges(pika_channel):
    for name, kind in (("amq.direct", "direct"), ("amq.fanout", "fanout"), ("amq.topic", "topic"),
                       ("amq.headers", "headers"), ("amq.match", "headers")):
        pika_channel.exchange_declare(name, passive=True)
        pika_channel.exchange_declare(name, exchange_type=kind, durable=True)  # equivalent redeclare is allowed


def test_default_exchange_bindings_refused(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    assert closed_by_broker(lambda: ch.queue_bind(q, "", routing_key="x")) == (
        403, "ACCESS_REFUSED - operation not permitted on the default exchange")


def test_bind_missing_things_is_404(pika_conn, uniq):
    ch = pika_conn.channel()
    q, ex = uniq(), uniq("ex")
    ch.queue_declare(q)
    ch.exchange_declare(ex, exchange_type="direct")
    missing_q, missing_ex = uniq("missingq"), uniq("missingex")
    assert closed_by_broker(lambda: pika_conn.channel().queue_bind(missing_q, ex, "k")) == (
        404, "NOT_FOUND - no queue '%s' in vhost '/'" % missing_q)
    assert closed_by_broker(lambda: pika_conn.channel().queue_bind(q, missing_ex, "k")) == (
        404, "NOT_FOUND - no exchange '%s' in vhost '/'" % missing_ex)
    pika_conn.channel().exchange_delete(ex)


def test_exchange_delete_if_unused_and_missing(pika_conn, uniq):
    ch = pika_conn.channel()
    q, ex = uniq(), uniq("ex")
    ch.queue_declare(q)
    ch.exchange_declare(ex, exchange_type="fanout")
    ch.queue_bind(q, ex)
    assert closed_by_broker(lambda: ch.exchange_delete(ex, if_unused=True)) == (
        406, "PRECONDITION_FAILED - exchange '%s' in vhost '/' in use" % ex)
    ch = pika_conn.channel()
    ch.queue_unbind(q, ex)
    ch.exchange_delete(ex, if_unused=True)
    ch.exchange_delete(uniq("never-declared"))  # deleting a missing exchange succeeds
    assert closed_by_broker(lambda: pika_conn.channel().exchange_declare(ex, passive=True))[0] == 404


def test_duplicate_binding_and_unbind_missing_are_noops(pika_conn, uniq):
    ch = pika_conn.channel()
    q, ex = uniq(), uniq("ex")
    ch.queue_declare(q)
    ch.exchange_declare(ex, exchange_type="direct")
    ch.queue_bind(q, ex, "k")
    ch.queue_bind(q, ex, "k")
    ch.queue_unbind(q, ex, "not-bound")
    ch.basic_publish(ex, "k", b"once")
    wait_ready(ch, q, 1)
    ch.queue_unbind(q, ex, "k")
    ch.basic_publish(ex, "k", b"unrouted")
    assert ch.basic_get(q, auto_ack=True)[2] == b"once"
    time.sleep(0.1)
    assert ch.basic_get(q, auto_ack=True) == (None, None, None)
    ch.exchange_delete(ex)


def test_headers_exchange(pika_conn, uniq):
    ch = pika_conn.channel()
    ex = uniq("hdr")
    ch.exchange_declare(ex, exchange_type="headers")
    q_all, q_any, q_empty = uniq("all"), uniq("any"), uniq("empty")
    for q in (q_all, q_any, q_empty):
        ch.queue_declare(q)
    ch.queue_bind(q_all, ex, arguments={"x-match": "all", "format": "pdf", "type": "report"})
    ch.queue_bind(q_any, ex, arguments={"x-match": "any", "format": "pdf", "type": "log"})
    ch.queue_bind(q_empty, ex, arguments={})  # x-match all with no conditions: matches everything
    cases = [
        ({"format": "pdf", "type": "report"}, {q_all, q_any, q_empty}),
        ({"format": "pdf"}, {q_any, q_empty}),
        ({"type": "log", "extra": 1}, {q_any, q_empty}),
        ({"format": "zip", "type": "report"}, {q_empty}),
        (None, {q_empty}),
    ]
    ch.confirm_delivery()
    for i, (headers, _) in enumerate(cases):
        ch.basic_publish(ex, "ignored", b"%d" % i, pika.BasicProperties(headers=headers))
    for q in (q_all, q_any, q_empty):
        want = [b"%d" % i for i, (_, targets) in enumerate(cases) if q in targets]
        got = []
        while True:
            m = ch.basic_get(q, auto_ack=True)
            if m[0] is None:
                break
            got.append(m[2])
        assert got == want, q
    ch.exchange_delete(ex)


def test_internal_exchange_refuses_publish(pika_conn, uniq):
    ex = uniq("internal")
    ch = pika_conn.channel()
    ch.exchange_declare(ex, exchange_type="fanout", internal=True)
    ch.confirm_delivery()
    assert closed_by_broker(lambda: ch.basic_publish(ex, "", b"x")) == (
        403, "ACCESS_REFUSED - cannot publish to internal exchange '%s' in vhost '/'" % ex)
    pika_conn.channel().exchange_delete(ex)


def test_auto_delete_exchange_goes_with_last_binding(pika_conn, uniq):
    ch = pika_conn.channel()
    ex, q1, q2 = uniq("autoex"), uniq(), uniq()
    ch.exchange_declare(ex, exchange_type="fanout", auto_delete=True)
    ch.queue_declare(q1)
    ch.queue_declare(q2)
    ch.queue_bind(q1, ex)
    ch.queue_bind(q2, ex)
    ch.queue_unbind(q1, ex)
    ch.exchange_declare(ex, passive=True)
    ch.queue_unbind(q2, ex)
    assert closed_by_broker(lambda: ch.exchange_declare(ex, passive=True))[0] == 404


def test_exchange_to_exchange_binding(pika_conn, uniq):
    ch = pika_conn.channel()
    src, dst, q = uniq("src"), uniq("dst"), uniq()
    ch.exchange_declare(src, exchange_type="topic")
    ch.exchange_declare(dst, exchange_type="direct")
    ch.queue_declare(q)
    ch.exchange_bind(destination=dst, source=src, routing_key="a.*")
    ch.queue_bind(q, dst, routing_key="a.b")
    ch.confirm_delivery()
    ch.basic_publish(src, "a.b", b"through two exchanges")
    ch.basic_publish(src, "a.c", b"stops at dst")
    assert ch.basic_get(q, auto_ack=True)[2] == b"through two exchanges"
    assert ch.basic_get(q, auto_ack=True) == (None, None, None)
    ch.exchange_unbind(destination=dst, source=src, routing_key="a.*")
    with pytest.raises(pika.exceptions.UnroutableError):
        ch.basic_publish(src, "a.b", b"x", mandatory=True)
    ch.exchange_delete(src)
    ch.exchange_delete(dst)


def test_deleting_exchange_removes_its_bindings(pika_conn, uniq):
    ch = pika_conn.channel()
    ex, q = uniq("ex"), uniq()
    ch.exchange_declare(ex, exchange_type="fanout")
    ch.queue_declare(q)
    ch.queue_bind(q, ex)
    ch.exchange_delete(ex)
    ch.exchange_declare(ex, exchange_type="fanout")
    ch.confirm_delivery()
    with pytest.raises(pika.exceptions.UnroutableError):
        ch.basic_publish(ex, "", b"x", mandatory=True)
    ch.exchange_delete(ex)


def test_deleting_queue_removes_its_bindings(pika_conn, uniq):
    ch = pika_conn.channel()
    ex, q = uniq("ex"), uniq()
    ch.exchange_declare(ex, exchange_type="fanout")
    ch.queue_declare(q)
    ch.queue_bind(q, ex)
    ch.queue_delete(q)
    ch.queue_declare(q)
    ch.confirm_delivery()
    with pytest.raises(pika.exceptions.UnroutableError):
        ch.basic_publish(ex, "", b"x", mandatory=True)
    ch.exchange_delete(ex)
