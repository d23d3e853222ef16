"""RabbitMQ's classic tutorial patterns with pika: hello world, work queues, pub/sub, routing, topics, RPC.

Each pattern is the tutorial's program shape (several connections in one thread, pumped in turn), with
unique exchange/queue names because the server is shared by the session.
"""
import time
import uuid

import pika
import pika.exceptions
import pytest

from amqp_helpers import wait_ready


def pump(conns, until, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() >= deadline:
            return False
        for c in conns:
            c.process_data_events(time_limit=0.01)
    return True


def test_hello_world(connect, uniq):
    q = uniq("hello")
    sender = connect().channel()
    sender.queue_declare(q)
    sender.basic_publish(exchange="", routing_key=q, body=b"Hello World!")
    conn = connect()
    receiver = conn.channel()
    receiver.queue_declare(q)
    got = []
    receiver.basic_consume(q, lambda ch, m, p, body: got.append(body), auto_ack=True)
    assert pump([conn], lambda: got == [b"Hello World!"])


def test_work_queue_fair_dispatch(connect, uniq):
    q = uniq("task_queue")
    producer = connect().channel()
    producer.queue_declare(q, durable=True)
    n = 20
    for i in range(n):
        producer.basic_publish("", q, b"task %d" % i,
                               properties=pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent))
    wait_ready(producer, q, n)

    # Worker A is stuck on its first task; worker B acks at once. With prefetch 1 B gets all the rest.
    conn_a, conn_b = connect(), connect()
    a, b = conn_a.channel(), conn_b.channel()
    held, done = [], []
    a.basic_qos(prefetch_count=1)
    b.basic_qos(prefetch_count=1)
    a.basic_consume(q, lambda ch, m, p, body: held.append((m.delivery_tag, body)))
    assert pump([conn_a], lambda: len(held) == 1)

    def work(ch, m, p, body):
        done.append(body)
        ch.basic_ack(m.delivery_tag)
    b.basic_consume(q, work)
    assert pump([conn_a, conn_b], lambda: len(done) == n - 1, timeout=10)
    pump([conn_a, conn_b], lambda: False, timeout=0.3)
    assert len(held) == 1 and len(done) == n - 1
    assert sorted([held[0][1]] + done) == sorted(b"task %d" % i for i in range(n))
    a.basic_ack(held[0][0])
    wait_ready(producer, q, 0)


def test_work_queue_round_robin_without_prefetch(connect, uniq):
    q = uniq("rr")
    conn = connect()
    ch = conn.channel()
    ch.queue_declare(q)
    w1, w2 = [], []
    ch.basic_consume(q, lambda c, m, p, body: w1.append(body), auto_ack=True)
    ch.basic_consume(q, lambda c, m, p, body: w2.append(body), auto_ack=True)
    for i in range(6):
        ch.basic_publish("", q, b"%d" % i)
    assert pump([conn], lambda: len(w1) + len(w2) == 6)
    assert (w1, w2) == ([b"0", b"2", b"4"], [b"1", b"3", b"5"])


def test_publish_subscribe_fanout(connect, uniq):
    logs = uniq("logs")
    emit = connect().channel()
    emit.exchange_declare(logs, exchange_type="fanout")
    conn = connect()
    ch = conn.channel()
    received = {}
    for i in range(2):
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.queue_bind(exchange=logs, queue=q)
        received[q] = []
        ch.basic_consume(q, lambda c, m, p, body, q=q: received[q].append((m.routing_key, body)), auto_ack=True)
    emit.basic_publish(logs, "ignored-key", b"info: hello")
    emit.basic_publish(logs, "", b"info: again")
    assert pump([conn], lambda: all(len(v) == 2 for v in received.values()))
    for v in received.values():
        assert v == [("ignored-key", b"info: hello"), ("", b"info: again")]
    emit.exchange_delete(logs)


def test_routing_direct(connect, uniq):
    ex = uniq("direct_logs")
    emit = connect().channel()
    emit.exchange_declare(ex, exchange_type="direct")
    conn = connect()
    ch = conn.channel()
    errors_only = ch.queue_declare("", exclusive=True).method.queue
    everything = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(errors_only, ex, routing_key="error")
    for severity in ("info", "warning", "error"):
        ch.queue_bind(everything, ex, routing_key=severity)
    got = {errors_only: [], everything: []}
    for q in got:
        ch.basic_consume(q, lambda c, m, p, body, q=q: got[q].append(body), auto_ack=True)
    for severity in ("info", "warning", "error", "debug"):
        emit.basic_publish(ex, severity, severity.encode())
    assert pump([conn], lambda: len(got[errors_only]) == 1 and len(got[everything]) == 3)
    pump([conn], lambda: False, timeout=0.2)
    assert got[errors_only] == [b"error"]
    assert got[everything] == [b"info", b"warning", b"error"]
    # Unbinding stops the flow.
    ch.queue_unbind(everything, ex, routing_key="info")
    emit.basic_publish(ex, "info", b"info2")
    emit.basic_publish(ex, "warning", b"warning2")
    assert pump([conn], lambda: len(got[everything]) == 4)
    pump([conn], lambda: False, timeout=0.2)
    assert got[everything][-1] == b"warning2" and b"info2" not in got[everything]
    emit.exchange_delete(ex)


TOPIC_CASES = [
    ("quick.orange.rabbit", {"Q1", "Q2"}),
    ("lazy.orange.elephant", {"Q1", "Q2"}),
    ("quick.orange.fox", {"Q1"}),
    ("lazy.brown.fox", {"Q2"}),
    ("lazy.pink.rabbit", {"Q2"}),  # matches two of Q2's bindings, delivered once
    ("quick.brown.fox", set()),
    ("orange", set()),
    ("quick.orange.new.rabbit", set()),
    ("lazy.orange.new.rabbit", {"Q2"}),
    ("lazy", {"Q2"}),  # '#' matches zero words
    ("a..b", set()),
    ("", set()),
]


def test_topics(connect, uniq):
    ex = uniq("topic_logs")
    emit = connect().channel()
    emit.exchange_declare(ex, exchange_type="topic")
    conn = connect()
    ch = conn.channel()
    names = {}
    bindings = {"Q1": ["*.orange.*"], "Q2": ["*.*.rabbit", "lazy.#"], "ALL": ["#"], "EMPTY": [""],
                "DOUBLE": ["a.*.b", "a.#.b"]}
    got = {}
    for label, keys in bindings.items():
        q = ch.queue_declare("", exclusive=True).method.queue
        names[label] = q
        for key in keys:
            ch.queue_bind(q, ex, routing_key=key)
        got[label] = []
        ch.basic_consume(q, lambda c, m, p, body, label=label: got[label].append(body.decode()), auto_ack=True)
    for rk, _ in TOPIC_CASES:
        emit.basic_publish(ex, rk, rk.encode())
    emit.basic_publish(ex, "a.x.b", b"a.x.b")
    emit.basic_publish(ex, "a.b", b"a.b")
    emit.basic_publish(ex, "a.x.y.b", b"a.x.y.b")
    total = len(TOPIC_CASES) + 3
    assert pump([conn], lambda: len(got["ALL"]) == total)
    pump([conn], lambda: False, timeout=0.3)
    for label in ("Q1", "Q2"):
        want = [rk for rk, targets in TOPIC_CASES if label in targets]
        assert got[label] == want, label
    assert got["EMPTY"] == [""]
    assert got["DOUBLE"] == ["a..b", "a.x.b", "a.b", "a.x.y.b"]
    emit.exchange_delete(ex)


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def rpc_server(conn, queue):
    ch = conn.channel()
    ch.queue_declare(queue)
    ch.basic_qos(prefetch_count=1)

    def on_request(c, method, props, body):
        response = str(fib(int(body)))
        c.basic_publish("", props.reply_to, response.encode(),
                        properties=pika.BasicProperties(correlation_id=props.correlation_id))
        c.basic_ack(method.delivery_tag)
    ch.basic_consume(queue, on_request)
    return ch


def test_rpc_with_exclusive_callback_queue(connect, uniq):
    rpc_queue = uniq("rpc_queue")
    server_conn = connect()
    rpc_server(server_conn, rpc_queue)
    client_conn = connect()
    ch = client_conn.channel()
    callback_queue = ch.queue_declare("", exclusive=True).method.queue
    responses = {}
    ch.basic_consume(callback_queue, lambda c, m, p, body: responses.__setitem__(p.correlation_id, body),
                     auto_ack=True)
    calls = {}
    for n in (0, 1, 10, 30):
        corr = str(uuid.uuid4())
        calls[corr] = n
        ch.basic_publish("", rpc_queue, str(n).encode(),
                         properties=pika.BasicProperties(reply_to=callback_queue, correlation_id=corr))
    assert pump([server_conn, client_conn], lambda: len(responses) == len(calls))
    for corr, n in calls.items():
        assert responses[corr] == str(fib(n)).encode()


def test_rpc_with_direct_reply_to(connect, uniq):
    rpc_queue = uniq("rpc_queue")
    server_conn = connect()
    rpc_server(server_conn, rpc_queue)
    client_conn = connect()
    ch = client_conn.channel()
    responses = {}
    seen_reply_to = []

    def on_reply(c, m, p, body):
        responses[p.correlation_id] = body
        seen_reply_to.append(m.routing_key)
    # Direct reply-to: consume (no-ack) from the pseudo-queue before publishing the request.
    ch.basic_consume("amq.rabbitmq.reply-to", on_reply, auto_ack=True)
    calls = {}
    for n in (5, 20):
        corr = str(uuid.uuid4())
        calls[corr] = n
        ch.basic_publish("", rpc_queue, str(n).encode(),
                         properties=pika.BasicProperties(reply_to="amq.rabbitmq.reply-to", correlation_id=corr))
    assert pump([server_conn, client_conn], lambda: len(responses) == len(calls))
    for corr, n in calls.items():
        assert responses[corr] == str(fib(n)).encode()
    # The server saw (and replied to) a generated name under amq.rabbitmq.reply-to.
    assert all(rk.startswith("amq.rabbitmq.reply-to.") for rk in seen_reply_to)


def test_direct_reply_to_requires_consumer(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    ch.basic_publish("", q, b"req", properties=pika.BasicProperties(reply_to="amq.rabbitmq.reply-to"))
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, passive=True)
        ch.queue_declare(q, passive=True)
    assert (e.value.reply_code, e.value.reply_text) == (406, "PRECONDITION_FAILED - fast reply consumer does not exist")
