"""Disk trouble seen by AMQP clients (pika): while the append-only log cannot be written (a full
1 MB tmpfs made by the test), a persistent message published with confirms to a durable queue is
nacked, a publisher without confirms gets connection.blocked("disk write failed") and then
connection.unblocked once the disk has room again; transient messages and reads keep working.
"""
import os
import sys
import threading
import time

import pika
import pytest
import redis

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from latchkey_server import LatchkeyServer  # noqa: E402
from small_disk import fill, small_disk  # noqa: E402,F401 (small_disk is a fixture)

pytestmark = pytest.mark.skipif(
    os.environ.get("LATCHKEY_TARGET", "latchkey").lower() != "latchkey", reason="Latchkey's append-only log")




def break_the_log(srv, big):
    """Fills the disk and makes a RESP write hit it, until MISCONF is reported."""
    give_up = time.monotonic() + 10
    while time.monotonic() < give_up:
        probe = redis.Redis(host=srv.host, port=srv.port, socket_timeout=1, decode_responses=True)
        try:
            probe.set("probe", big)
        except redis.ResponseError as e:
            if str(e).startswith("MISCONF"):
                return
        except redis.TimeoutError:
            pass  # held until the disk recovers
        time.sleep(0.02)
    raise AssertionError("the log never reported a write error")


def test_persistent_publishes_refused_while_the_log_fails(small_disk):
    srv = LatchkeyServer("--appendonly", "yes", "--appendfsync", "always", data_dir=small_disk).start()
    params = pika.ConnectionParameters(host=srv.host, port=srv.amqp_port, heartbeat=0,
                                       client_properties={"capabilities": {"connection.blocked": True}})
    try:
        confirmed = pika.BlockingConnection(params)
        ch = confirmed.channel()
        ch.queue_declare("disk-q", durable=True)
        ch.confirm_delivery()
        persistent = pika.BasicProperties(delivery_mode=2)
        ch.basic_publish("", "disk-q", b"stored", properties=persistent)

        plain = pika.BlockingConnection(params)
        events = []
        plain.add_on_connection_blocked_callback(lambda _c, m: events.append(("blocked", m.method.reason)))
        plain.add_on_connection_unblocked_callback(lambda _c, _m: events.append(("unblocked", None)))
        pch = plain.channel()

        filler = os.path.join(small_disk, "filler")
        fill(filler)
        big = "x" * 16384
        def hit_the_full_disk():
            try:  # held until the disk recovers, or refused with MISCONF if it lost the race
                redis.Redis(host=srv.host, port=srv.port).set("during", big)
            except redis.RedisError:
                pass
        held = threading.Thread(target=hit_the_full_disk, daemon=True)
        held.start()
        break_the_log(srv, big)

        with pytest.raises(pika.exceptions.NackError):
            ch.basic_publish("", "disk-q", b"refused", properties=persistent)
        ch.basic_publish("", "disk-q", b"transient")  # nothing to log: accepted
        method, _, body = ch.basic_get("disk-q", auto_ack=True)  # reads keep working
        assert body == b"stored"

        pch.basic_publish("", "disk-q", b"dropped", properties=persistent)
        deadline = time.monotonic() + 5
        while not events and time.monotonic() < deadline:
            plain.process_data_events(time_limit=0.1)
        assert events == [("blocked", "disk write failed")]

        os.unlink(filler)
        held.join(10)
        deadline = time.monotonic() + 10
        while len(events) < 2 and time.monotonic() < deadline:
            plain.process_data_events(time_limit=0.1)
        assert events[-1] == ("unblocked", None)
        ch.basic_publish("", "disk-q", b"after", properties=persistent)
        bodies = []
        while True:
            method, _, body = ch.basic_get("disk-q", auto_ack=True)
            if method is None:
                break
            bodies.append(body)
        assert bodies == [b"transient", b"after"]
        plain.close()
        confirmed.close()
    finally:
        srv.kill()


def test_publish_in_flight_when_the_disk_fills_is_nacked_and_output_keeps_flowing(small_disk):
    """Issue 16 item 12 (Latchkey-only: RabbitMQ has no append-only log). The disk is full before the
    publish, so the write of its own record is the one that fails: under `appendfsync always` the
    confirm must be a nack (not an ack, not silence), within seconds, and the connection's other
    output - heartbeats included - must keep flowing, so pika (heartbeat=1) stays connected."""
    srv = LatchkeyServer("--appendonly", "yes", "--appendfsync", "always", data_dir=small_disk).start()
    params = pika.ConnectionParameters(host=srv.host, port=srv.amqp_port, heartbeat=1, blocked_connection_timeout=30)
    try:
        conn = pika.BlockingConnection(params)
        ch = conn.channel()
        ch.queue_declare("inflight-q", durable=True)
        ch.confirm_delivery()
        persistent = pika.BasicProperties(delivery_mode=2)
        ch.basic_publish("", "inflight-q", b"stored", properties=persistent)

        fill(os.path.join(small_disk, "filler"))
        t0 = time.monotonic()
        with pytest.raises(pika.exceptions.NackError):
            ch.basic_publish("", "inflight-q", b"x" * 65536, properties=persistent)
        assert time.monotonic() - t0 < 5
        # Three heartbeat intervals with the log down: pika closes a connection whose server
        # stops sending heartbeats, so still being open proves they were not held.
        conn.sleep(3.5)
        assert conn.is_open
        ch.basic_publish("", "inflight-q", b"transient")  # nothing to log: accepted
        method, _, body = ch.basic_get("inflight-q", auto_ack=True)
        assert body == b"stored"
        # Durable declares that would need a record are refused rather than answered OK;
        # redeclaring what exists and non-durable declares still work (docs/amqp.md).
        ch.queue_declare("inflight-q", durable=True)
        ch.queue_declare("transient-q")
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
            ch.queue_declare("new-durable-q", durable=True)
        assert e.value.reply_code == 406
        assert e.value.reply_text == ("PRECONDITION_FAILED - cannot declare durable queue 'new-durable-q' in vhost '/': "
                                      "the append-only log cannot be written")
        ch = conn.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
            ch.exchange_declare("new-durable-x", "direct", durable=True)
        assert e.value.reply_code == 406
        conn.close()
    finally:
        srv.kill()
