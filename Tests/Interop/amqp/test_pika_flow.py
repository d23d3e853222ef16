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
        ch.queue_purge("flow-big")
        deadline = time.monotonic() + 30
        while len(events) < 2 and time.monotonic() < deadline:
            conn.process_data_events(time_limit=0.1)
        assert events[1:] == [("unblocked",)], events
        # Publishing works again.
        ch.basic_publish("", "flow-big", b"small")
        assert ch.basic_get("flow-big", auto_ack=True)[2] == b"small"
    finally:
        conn.close()
