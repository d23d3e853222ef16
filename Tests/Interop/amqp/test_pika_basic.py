"""pika BlockingConnection against the server: queue declare/delete/purge, publish/get/ack, requeue rules.

Issue 4's core: every assertion here is what RabbitMQ 3.10 does (the suite is validated against it with
LATCHKEY_TARGET=rabbitmq). Consumers, exchanges and confirms are in test_pika_consume.py.
"""
import datetime
import decimal
import os
import signal
import subprocess
import sys
import textwrap
import time

import pika
import pika.exceptions
import pytest

from amqp_helpers import wait_ready

ALL_HEADERS = {
    "str": "text é",
    "bytes": b"\x00\x01\xfe\xff",
    "true": True,
    "false": False,
    "small": 7,
    "negative": -123456,
    "int32max": 2**31 - 1,
    "big": 2**40 + 3,
    "bigneg": -(2**40),
    "decimal": decimal.Decimal("3.14"),
    "decimal0": decimal.Decimal("42"),
    "time": datetime.datetime(2024, 5, 17, 12, 30, 45, tzinfo=datetime.timezone.utc),
    "nested": {"a": 1, "b": "two", "c": {"deep": True}},
    "list": [1, "two", b"three", True, {"x": 1}, [2, 3]],
    "empty_list": [],
    "empty_table": {},
    "void": None,
}


def all_properties(i=0):
    return pika.BasicProperties(
        content_type="application/x-test",
        content_encoding="identity",
        headers=ALL_HEADERS,
        delivery_mode=2,
        priority=5,
        correlation_id="corr-%d" % i,
        reply_to="reply-queue",
        expiration="600000",
        message_id="msg-%d" % i,
        timestamp=1715949045,
        type="test.type",
        user_id="guest",  # RabbitMQ checks user-id against the login
        app_id="latchkey-interop",
        cluster_id="cluster-x",
    )


def assert_same_properties(got, want):
    for name in ("content_type", "content_encoding", "delivery_mode", "priority", "correlation_id", "reply_to",
                 "expiration", "message_id", "timestamp", "type", "user_id", "app_id", "cluster_id"):
        assert getattr(got, name) == getattr(want, name), name
    assert got.headers == want.headers


def publish(ch, queue, body, **props):
    ch.basic_publish(exchange="", routing_key=queue, body=body, properties=pika.BasicProperties(**props))


def get_all(ch, queue, auto_ack=False, limit=1000):
    out = []
    for _ in range(limit):
        method, props, body = ch.basic_get(queue, auto_ack=auto_ack)
        if method is None:
            return out
        out.append((method, props, body))
    raise AssertionError("queue never drained")


def channel_error(excinfo):
    e = excinfo.value
    return e.reply_code, e.reply_text


# --- the README's pika example ----------------------------------------------------------------------

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def readme_pika_example():
    """The first ```python block of README.md that imports pika, verbatim."""
    text = open(os.path.join(REPO, "README.md")).read()
    for block in text.split("```python")[1:]:
        code = block.split("```", 1)[0]
        if "import pika" in code:
            return code
    return None


def test_readme_pika_example_runs_unmodified(amqp_server, pika_channel):
    code = readme_pika_example()
    if code is None:
        pytest.skip("README.md has no pika example")
    # Only the address changes: the example targets 127.0.0.1:5672.
    assert '"127.0.0.1", 5672' in code
    code = code.replace('"127.0.0.1", 5672', '"%s", %d' % (amqp_server.host, amqp_server.port))
    pika_channel.queue_declare("reports", durable=True)
    pika_channel.queue_purge("reports")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "b'build report 42'\n"
    assert pika_channel.queue_declare("reports", passive=True).method.message_count == 0  # acked
    pika_channel.queue_delete("reports")


def test_hello_example(amqp_server, uniq):
    queue = uniq("hello")
    connection = pika.BlockingConnection(pika.ConnectionParameters(host=amqp_server.host, port=amqp_server.port))
    channel = connection.channel()
    channel.queue_declare(queue=queue)
    channel.basic_publish(exchange="", routing_key=queue, body=b"Hello World!")
    method, properties, body = channel.basic_get(queue=queue, auto_ack=True)
    assert body == b"Hello World!"
    assert method.routing_key == queue and method.exchange == "" and method.redelivered is False
    assert channel.basic_get(queue=queue, auto_ack=True) == (None, None, None)
    channel.queue_delete(queue=queue)
    connection.close()


# --- queue.declare ----------------------------------------------------------------------------------

def test_declare_flags_and_counts(pika_channel, uniq):
    ch = pika_channel
    q = uniq()
    ok = ch.queue_declare(q, durable=True, arguments={"x-message-ttl": 600000, "x-expires": 600000})
    assert ok.method.queue == q and ok.method.message_count == 0 and ok.method.consumer_count == 0
    # Equivalent redeclare; integer arguments compare by value, whatever the field type.
    ch.queue_declare(q, durable=True, arguments={"x-message-ttl": 600000, "x-expires": 600000})
    for i in range(3):
        publish(ch, q, b"m%d" % i)
    wait_ready(ch, q, 3)
    ok = ch.queue_declare(q, passive=True)
    assert ok.method.message_count == 3 and ok.method.consumer_count == 0
    # message_count counts ready messages only, not unacked ones.
    ch.basic_get(q, auto_ack=False)
    assert ch.queue_declare(q, passive=True).method.message_count == 2
    ch.queue_delete(q)

    ex = uniq("ex")
    ok = ch.queue_declare(ex, exclusive=True, auto_delete=True)
    assert ok.method.queue == ex
    ch.queue_delete(ex)


def test_declare_inequivalent_is_406(connect, uniq):
    conn = connect()
    ch = conn.channel()
    q = uniq()
    ch.queue_declare(q, durable=False)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, durable=True)
    code, text = channel_error(e)
    assert code == 406
    assert text == ("PRECONDITION_FAILED - inequivalent arg 'durable' for queue '%s' in vhost '/': "
                    "received 'true' but current is 'false'" % q)
    # A channel error leaves the connection usable.
    ch2 = conn.channel()
    assert ch2.queue_declare(q, passive=True).method.queue == q
    ch2.queue_delete(q)


def test_declare_nowait_via_raw_frames(amqp_server, pika_channel, uniq):
    import amqp_raw as R
    q = uniq()
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.open()
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        bits = 1 << 4  # nowait
        c.send(R.method(1, 50, 10, b"\x00\x00" + R.shortstr(q) + bytes([bits]) + R.table({})))
        # No declare-ok for nowait: the next reply is the get-empty of this basic.get.
        c.send(R.basic_get(1, q))
        m = c.read_method()
        assert (m[1], m[2]) == (60, 72)
    assert pika_channel.queue_declare(q, passive=True).method.queue == q
    pika_channel.queue_delete(q)


def test_passive_declare_of_missing_queue_is_404(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq("missing")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, passive=True)
    assert channel_error(e) == (404, "NOT_FOUND - no queue '%s' in vhost '/'" % q)
    assert ch.is_closed and pika_conn.is_open
    assert pika_conn.channel().is_open


def test_reserved_amq_prefix_is_403(pika_conn):
    ch = pika_conn.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare("amq.latchkey-test")
    assert channel_error(e) == (
        403, "ACCESS_REFUSED - queue name 'amq.latchkey-test' contains reserved prefix 'amq.*'")


def test_server_named_queue(pika_channel):
    ok = pika_channel.queue_declare("", exclusive=True)
    name = ok.method.queue
    assert name.startswith("amq.gen-") and len(name) == len("amq.gen-") + 22
    assert all(c.isalnum() or c in "-_" for c in name[len("amq.gen-"):])
    other = pika_channel.queue_declare("", exclusive=True).method.queue
    assert other != name
    publish(pika_channel, name, b"to generated")
    assert pika_channel.basic_get(name, auto_ack=True)[2] == b"to generated"


def test_exclusive_queue_of_another_connection_is_405(connect, uniq):
    owner = connect().channel()
    q = uniq("excl")
    owner.queue_declare(q, exclusive=True)
    publish(owner, q, b"mine")
    other = connect()
    locked = "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '%s' in vhost '/'" % q
    for action in (lambda ch: ch.queue_declare(q, passive=True),
                   lambda ch: ch.queue_declare(q, exclusive=True),
                   lambda ch: ch.basic_get(q),
                   lambda ch: ch.queue_delete(q),
                   lambda ch: ch.queue_purge(q)):
        ch = other.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
            action(ch)
        assert e.value.reply_code == 405
        assert e.value.reply_text.startswith(locked)
    # The owner is unaffected.
    assert owner.basic_get(q, auto_ack=True)[2] == b"mine"


def test_exclusive_queue_vanishes_with_its_connection(connect, uniq):
    conn = connect()
    q = uniq("excl")
    conn.channel().queue_declare(q, exclusive=True)
    conn.close()
    ch = connect().channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, passive=True)
    assert e.value.reply_code == 404


# --- publish / get / ack ----------------------------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, 4096, 131064, 131065, 131072, 300 * 1024], ids=lambda s: "%dB" % s)
def test_publish_get_ack_with_all_properties(pika_channel, uniq, size):
    ch = pika_channel
    q = uniq()
    ch.queue_declare(q)
    body = bytes((i * 7 + 3) % 256 for i in range(size))
    props = all_properties(size)
    ch.basic_publish(exchange="", routing_key=q, body=body, properties=props)
    method, got, got_body = ch.basic_get(q, auto_ack=False)
    assert got_body == body
    assert method.redelivered is False and method.exchange == "" and method.routing_key == q
    assert method.message_count == 0
    assert_same_properties(got, props)
    ch.basic_ack(method.delivery_tag)
    assert ch.basic_get(q) == (None, None, None)
    ch.queue_delete(q)


def test_no_properties_round_trip(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    pika_channel.basic_publish("", q, b"bare")
    method, props, body = pika_channel.basic_get(q, auto_ack=True)
    assert body == b"bare"
    for name in ("content_type", "headers", "delivery_mode", "priority", "message_id", "timestamp", "user_id"):
        assert getattr(props, name) is None, name


def test_basic_get_message_count_and_fifo(pika_channel, uniq):
    ch = pika_channel
    q = uniq()
    ch.queue_declare(q)
    for i in range(4):
        publish(ch, q, b"m%d" % i)
    counts, bodies, tags = [], [], []
    for _ in range(4):
        method, _, body = ch.basic_get(q)
        counts.append(method.message_count)
        bodies.append(body)
        tags.append(method.delivery_tag)
    assert counts == [3, 2, 1, 0]
    assert bodies == [b"m0", b"m1", b"m2", b"m3"]
    assert tags == sorted(tags) and len(set(tags)) == 4 and tags[0] >= 1
    assert all(b - a == 1 for a, b in zip(tags, tags[1:]))
    ch.basic_ack(0, multiple=True)  # tag 0 + multiple = everything outstanding
    assert ch.queue_declare(q, passive=True).method.message_count == 0


def test_ack_multiple(connect, uniq):
    conn = connect()
    ch = conn.channel()
    q = uniq()
    ch.queue_declare(q)
    for i in range(5):
        publish(ch, q, b"m%d" % i)
    tags = [ch.basic_get(q)[0].delivery_tag for _ in range(5)]
    ch.basic_ack(tags[2], multiple=True)  # acks m0..m2
    ch.close()
    # m3, m4 were unacked: back in the queue, redelivered, in order.
    ch = conn.channel()
    wait_ready(ch, q, 2)
    rest = get_all(ch, q, auto_ack=True)
    assert [b for _, _, b in rest] == [b"m3", b"m4"]
    assert all(m.redelivered for m, _, _ in rest)


def test_unknown_delivery_tag_is_406(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    publish(ch, q, b"x")
    method = ch.basic_get(q)[0]
    ch.basic_ack(method.delivery_tag)
    ch.basic_ack(method.delivery_tag)  # already acked: the broker closes the channel
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, passive=True)
    assert channel_error(e) == (406, "PRECONDITION_FAILED - unknown delivery tag %d" % method.delivery_tag)
    ch = pika_conn.channel()
    ch.basic_ack(99)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, passive=True)
    assert channel_error(e) == (406, "PRECONDITION_FAILED - unknown delivery tag 99")


def test_reject_and_nack_requeue_keep_original_order(pika_channel, uniq):
    ch = pika_channel
    q = uniq()
    ch.queue_declare(q)
    for i in range(4):
        publish(ch, q, b"m%d" % i)
    got = [ch.basic_get(q) for _ in range(3)]  # m0, m1, m2 unacked; m3 ready
    # Requeue in scrambled order with every method: positions are the original ones.
    ch.basic_reject(got[2][0].delivery_tag, requeue=True)
    ch.basic_nack(got[0][0].delivery_tag, multiple=False, requeue=True)
    ch.basic_reject(got[1][0].delivery_tag, requeue=True)
    again = get_all(ch, q)
    assert [b for _, _, b in again] == [b"m0", b"m1", b"m2", b"m3"]
    assert [m.redelivered for m, _, _ in again] == [True, True, True, False]
    # Redelivered messages get fresh delivery tags.
    assert again[0][0].delivery_tag > got[2][0].delivery_tag
    # nack multiple requeue puts them all back; requeue=False drops.
    ch.basic_nack(again[1][0].delivery_tag, multiple=True, requeue=True)  # m0, m1 back
    ch.basic_reject(again[2][0].delivery_tag, requeue=False)  # m2 gone
    ch.basic_nack(again[3][0].delivery_tag, requeue=False)  # m3 gone
    final = get_all(ch, q, auto_ack=True)
    assert [b for _, _, b in final] == [b"m0", b"m1"]
    assert all(m.redelivered for m, _, _ in final)


def test_unacked_requeued_on_channel_close(connect, uniq):
    conn = connect()
    ch = conn.channel()
    q = uniq()
    ch.queue_declare(q)
    for i in range(3):
        publish(ch, q, b"m%d" % i)
    assert [ch.basic_get(q)[2] for _ in range(3)] == [b"m0", b"m1", b"m2"]
    publish(ch, q, b"m3")
    wait_ready(ch, q, 1)
    ch.close()
    ch = conn.channel()
    wait_ready(ch, q, 4)
    rest = get_all(ch, q, auto_ack=True)
    assert [b for _, _, b in rest] == [b"m0", b"m1", b"m2", b"m3"]
    assert [m.redelivered for m, _, _ in rest] == [True, True, True, False]


def test_unacked_requeued_on_connection_close(connect, uniq):
    conn = connect()
    ch = conn.channel()
    q = uniq()
    ch.queue_declare(q)
    for i in range(3):
        publish(ch, q, b"m%d" % i)
    ch.basic_get(q)
    ch.basic_get(q)
    conn.close()
    ch = connect().channel()
    wait_ready(ch, q, 3)
    rest = get_all(ch, q, auto_ack=True)
    assert [(b, m.redelivered) for m, _, b in rest] == [(b"m0", True), (b"m1", True), (b"m2", False)]


CLIENT_THEN_HANG = textwrap.dedent("""
    import sys, time, pika
    host, port, queue, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    conn = pika.BlockingConnection(pika.ConnectionParameters(host=host, port=port))
    ch = conn.channel()
    for _ in range(n):
        method, _, body = ch.basic_get(queue, auto_ack=False)
        assert method is not None
    print("holding", flush=True)
    time.sleep(600)
""")


def test_unacked_requeued_when_client_process_is_killed(amqp_server, pika_channel, uniq):
    ch = pika_channel
    q = uniq()
    ch.queue_declare(q)
    for i in range(4):
        publish(ch, q, b"m%d" % i)
    wait_ready(ch, q, 4)
    proc = subprocess.Popen([sys.executable, "-c", CLIENT_THEN_HANG, amqp_server.host, str(amqp_server.port), q, "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline()
        assert line == b"holding\n", proc.stderr.read()
        wait_ready(ch, q, 1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The kernel closes the socket; the server notices and requeues m0..m2 ahead of m3.
    deadline = time.monotonic() + 10
    while ch.queue_declare(q, passive=True).method.message_count < 4:
        assert time.monotonic() < deadline, "messages of the killed client were not requeued"
        time.sleep(0.05)
    rest = get_all(ch, q, auto_ack=True)
    assert [(b, m.redelivered) for m, _, b in rest] == [
        (b"m0", True), (b"m1", True), (b"m2", True), (b"m3", False)]


def test_auto_ack_get_is_removed_immediately(connect, uniq):
    conn = connect()
    ch = conn.channel()
    q = uniq()
    ch.queue_declare(q)
    publish(ch, q, b"once")
    assert ch.basic_get(q, auto_ack=True)[2] == b"once"
    conn.close()
    assert connect().channel().basic_get(q) == (None, None, None)


def test_delivery_tags_are_per_channel(pika_conn, uniq):
    a, b = pika_conn.channel(), pika_conn.channel()
    q = uniq()
    a.queue_declare(q)
    for i in range(4):
        publish(a, q, b"m%d" % i)
    ta = [a.basic_get(q)[0].delivery_tag for _ in range(2)]
    tb = [b.basic_get(q)[0].delivery_tag for _ in range(2)]
    assert ta == [1, 2] and tb == [1, 2]
    a.basic_ack(2, multiple=True)
    b.basic_ack(2, multiple=True)


# --- purge / delete ---------------------------------------------------------------------------------

def test_purge(pika_channel, uniq):
    ch = pika_channel
    q = uniq()
    ch.queue_declare(q)
    for i in range(5):
        publish(ch, q, b"m%d" % i)
    wait_ready(ch, q, 5)
    ch.basic_get(q)  # one unacked: purge leaves it alone
    assert ch.queue_purge(q).method.message_count == 4
    assert ch.queue_declare(q, passive=True).method.message_count == 0
    ch.basic_recover(requeue=True)
    m = ch.basic_get(q, auto_ack=True)
    assert m[2] == b"m0" and m[0].redelivered


def test_purge_missing_queue_is_404(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq("missing")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_purge(q)
    assert channel_error(e) == (404, "NOT_FOUND - no queue '%s' in vhost '/'" % q)


def test_delete_if_empty_and_if_unused(pika_conn, uniq):
    ch = pika_conn.channel()
    q = uniq()
    ch.queue_declare(q)
    publish(ch, q, b"x")
    wait_ready(ch, q, 1)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_delete(q, if_empty=True)
    assert channel_error(e) == (406, "PRECONDITION_FAILED - queue '%s' in vhost '/' not empty" % q)

    ch = pika_conn.channel()
    tag = ch.basic_consume(q, lambda *a: None, auto_ack=False)
    other = pika_conn.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        other.queue_delete(q, if_unused=True)
    assert channel_error(e) == (406, "PRECONDITION_FAILED - queue '%s' in vhost '/' in use" % q)
    ch.basic_cancel(tag)
    ch.close()  # the consumed message goes back

    ch = pika_conn.channel()
    wait_ready(ch, q, 1)
    ok = ch.queue_delete(q, if_unused=True, if_empty=False)
    assert ok.method.message_count == 1
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        ch.queue_declare(q, passive=True)
    assert e.value.reply_code == 404


def test_delete_missing_queue_succeeds(pika_channel, uniq):
    ok = pika_channel.queue_delete(uniq("never-declared"))
    assert ok.method.message_count == 0
    ok = pika_channel.queue_delete(uniq("never-declared"), if_unused=True, if_empty=True)
    assert ok.method.message_count == 0


def test_delete_returns_ready_count(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    for i in range(3):
        publish(pika_channel, q, b"m")
    wait_ready(pika_channel, q, 3)
    assert pika_channel.queue_delete(q).method.message_count == 3


# --- negotiation ------------------------------------------------------------------------------------

def test_small_frame_max_splits_bodies(amqp_server, uniq):
    params = pika.ConnectionParameters(host=amqp_server.host, port=amqp_server.port, frame_max=4096)
    conn = pika.BlockingConnection(params)
    try:
        ch = conn.channel()
        q = uniq()
        ch.queue_declare(q)
        body = bytes(range(256)) * 1200  # 300 KB in ~75 body frames each way
        ch.basic_publish("", q, body, all_properties())
        method, props, got = ch.basic_get(q, auto_ack=True)
        assert got == body
        assert_same_properties(props, all_properties())
    finally:
        conn.close()


@pytest.mark.timeout(30)
def test_pika_heartbeat_keeps_idle_connection(amqp_server, uniq):
    params = pika.ConnectionParameters(host=amqp_server.host, port=amqp_server.port, heartbeat=1)
    conn = pika.BlockingConnection(params)
    try:
        ch = conn.channel()
        q = uniq()
        ch.queue_declare(q)
        conn.sleep(4)  # pika answers and sends heartbeats while it sleeps; the server must not drop us
        assert conn.is_open
        publish(ch, q, b"after idle")
        assert ch.basic_get(q, auto_ack=True)[2] == b"after idle"
    finally:
        conn.close()
