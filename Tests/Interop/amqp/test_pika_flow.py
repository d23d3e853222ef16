"""connection.blocked / connection.unblocked when queued messages cross the memory limit, with pika.

Latchkey: `--amqp-queued-memory-limit 20mb`. RabbitMQ: its memory alarm, set at run time to the node's
current RSS + 50 MB (`rabbitmqctl set_vm_memory_high_watermark absolute`). 1 MB messages are published
steadily until the broker says blocked; purging the queue must bring connection.unblocked (RabbitMQ notices
within its memory-check interval, so the wait is bounded at 30 s).
"""
import os
import time

import pika
import pytest

from conftest import TARGET
from latchkey_server import LatchkeyServer
from rabbitmq_server import RabbitMQServer, rss_bytes

pytestmark = pytest.mark.skipif(bool(os.environ.get("LATCHKEY_AMQP_ADDR")),
                                reason="needs a server of its own with a memory limit")


@pytest.fixture
def limited():
    if TARGET == "rabbitmq":
        s = RabbitMQServer(name="lkflow%d" % os.getpid()).start()
        try:
            limit = rss_bytes(s.pid()) + 50 * 1024 * 1024
            assert s.ctl("set_vm_memory_high_watermark", "absolute", str(limit)).returncode == 0
            yield s.host, s.port
        finally:
            s.stop()
    else:
        s = LatchkeyServer("--amqp-queued-memory-limit", "20mb").start()
        try:
            yield s.host, s.amqp_port
        finally:
            s.stop()


@pytest.mark.timeout(90)
def test_blocked_then_unblocked(limited):
    host, port = limited
    conn = pika.BlockingConnection(pika.ConnectionParameters(host=host, port=port))
    events = []
    conn.add_on_connection_blocked_callback(lambda c, m: events.append(("blocked", m.method.reason)))
    conn.add_on_connection_unblocked_callback(lambda c, m: events.append(("unblocked",)))
    try:
        ch = conn.channel()
        ch.queue_declare("flow-big")
        body = b"x" * (1024 * 1024)
        # Keep publishing at a steady pace: RabbitMQ tells a connection it is blocked when it
        # publishes while the alarm is on (its memory check runs every ~2.5 s).
        deadline = time.monotonic() + 40
        while not events and time.monotonic() < deadline:
            ch.basic_publish("", "flow-big", body)
            conn.process_data_events(time_limit=0.02)
        assert events[:1] == [("blocked", "low on memory")], events
        # The blocked publisher's socket is no longer read (RabbitMQ, and Latchkey since issue
        # 16): the purge comes from a connection that has not published.
        other = pika.BlockingConnection(pika.ConnectionParameters(host=host, port=port))
        other.channel().queue_purge("flow-big")
        other.close()
        deadline = time.monotonic() + 30
        while len(events) < 2 and time.monotonic() < deadline:
            conn.process_data_events(time_limit=0.1)
        assert events[1:] == [("unblocked",)], events
        # Publishing works again. Publishes still in the socket while it was not read arrive
        # now, so purge them in this connection's order first.
        ch.queue_purge("flow-big")
        ch.basic_publish("", "flow-big", b"small")
        assert ch.basic_get("flow-big", auto_ack=True)[2] == b"small"
    finally:
        conn.close()


@pytest.mark.timeout(90)
@pytest.mark.skipif(TARGET != "latchkey", reason="Latchkey-only: bounds the queue by amqp-queued-memory-limit; "
                    "RabbitMQ's alarm watches node memory and pages messages out, so no fixed bound applies")
def test_publisher_ignoring_blocked_is_throttled():
    """Issue 16 item 16: a publisher that never reads (so never sees connection.blocked) may not
    push more than about one read beyond the limit: its socket is not read while the alarm is on,
    and it is read again once a consumer or a purge brings the queue down."""
    import threading
    from amqp_raw import RawClient, basic_publish, body, channel_open, content_header, queue_declare
    limit = 4 * 1024 * 1024
    s = LatchkeyServer("--amqp-queued-memory-limit", str(limit)).start()
    try:
        raw = RawClient(s.host, s.amqp_port, timeout=10).open()
        raw.send(channel_open(1))
        raw.expect_method(20, 11)
        raw.send(queue_declare(1, "flood"))
        raw.expect_method(50, 11)
        chunk = 100 * 1024  # one body frame (frame_max is 128 KiB)
        one = basic_publish(1, "", "flood") + content_header(1, chunk) + body(1, b"x" * chunk)
        sent = [0]

        def flood():
            try:
                for _ in range(1000):  # 100 MB if nothing throttled it
                    raw.sock.sendall(one)
                    sent[0] += 1
            except OSError:
                pass
        raw.sock.settimeout(None)
        t = threading.Thread(target=flood, daemon=True)
        t.start()
        watcher = pika.BlockingConnection(pika.ConnectionParameters(host=s.host, port=s.amqp_port))
        ch = watcher.channel()
        counts = []
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            counts.append(ch.queue_declare("flood", passive=True).method.message_count)
            watcher.sleep(0.2)
        assert sent[0] < 1000, "the flood was never throttled"
        # At most the limit plus what one read can carry (the shared read buffer) is queued.
        assert max(counts) * chunk <= limit + 2 * 1024 * 1024, counts
        assert counts[-1] == counts[-5], "the queue kept growing: %r" % counts
        ch.queue_purge("flood")
        before = sent[0]
        deadline = time.monotonic() + 10
        while sent[0] == before and time.monotonic() < deadline:
            watcher.sleep(0.1)
        assert sent[0] > before, "reading did not resume once the alarm cleared"
        watcher.close()
        raw.close()
    finally:
        s.stop()
