"""Many connections, many channels, and a consumer that stops reading: the server keeps serving all.

Small, bounded versions of what production does to a broker: 100 connections publishing at once,
200 channels on one connection, and a no-ack consumer whose socket is full while other clients
carry on (backpressure must stay on that one connection).
"""
import socket
import threading
import time

import pika
import pytest

from amqp_helpers import wait_ready


def test_hundred_connections_publish_concurrently(pika_params, pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    errors = []

    def client(i):
        try:
            conn = pika.BlockingConnection(pika_params)
            ch = conn.channel()
            for j in range(10):
                ch.basic_publish("", q, b"%d-%d" % (i, j))
            conn.close()
        except Exception as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors[:3]
    wait_ready(pika_channel, q, 1000)
    bodies = []
    while True:
        m = pika_channel.basic_get(q, auto_ack=True)
        if m[0] is None:
            break
        bodies.append(m[2])
    assert len(bodies) == 1000
    # Per-connection FIFO: each client's messages arrive in the order it sent them.
    for i in range(100):
        mine = [b for b in bodies if b.startswith(b"%d-" % i)]
        assert mine == [b"%d-%d" % (i, j) for j in range(10)]


def test_two_hundred_channels_on_one_connection(pika_conn):
    channels = [pika_conn.channel() for _ in range(200)]
    assert len({ch.channel_number for ch in channels}) == 200
    for ch in channels:
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.basic_publish("", q, b"ch%d" % ch.channel_number)
        assert ch.basic_get(q, auto_ack=True)[2] == b"ch%d" % ch.channel_number
    for ch in channels[::2]:
        ch.close()
    for ch in channels[1::2]:
        assert ch.queue_declare("", exclusive=True).method.queue


@pytest.mark.timeout(90)
def test_stalled_consumer_does_not_stall_others(amqp_server, pika_params, uniq):
    q, other = uniq("big"), uniq("other")
    n, size = 400, 100 * 1024  # 40 MB: far more than socket buffers hold
    setup = pika.BlockingConnection(pika_params)
    sch = setup.channel()
    sch.queue_declare(q)
    sch.queue_declare(other)
    payload = bytes(range(256)) * (size // 256)
    for i in range(n):
        sch.basic_publish("", q, payload[:-4] + i.to_bytes(4, "big"))
    wait_ready(sch, q, n)

    # A raw no-ack consumer that then stops reading its socket.
    import amqp_raw as R
    import struct
    stalled = R.RawClient(amqp_server.host, amqp_server.port, timeout=30)
    stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    stalled.open()
    stalled.send(R.channel_open(1))
    stalled.expect_method(20, 11)
    stalled.send(R.method(1, 60, 20, struct.pack(">H", 0) + R.shortstr(q) + R.shortstr("stall")
                          + bytes([0b10]) + R.table({})))  # no-ack
    time.sleep(1.0)  # the server fills the socket and must stop there for this connection only

    t0 = time.monotonic()
    for i in range(50):
        sch.basic_publish("", other, b"ping%d" % i)
        assert sch.basic_get(other, auto_ack=True)[2] == b"ping%d" % i
    assert time.monotonic() - t0 < 10, "other clients were starved by a stalled consumer"

    # Now drain the stalled consumer: every delivery arrives intact and in order.
    stalled.expect_method(60, 21)
    seen = 0
    while seen < n:
        m = stalled.read_method(timeout=30)
        assert m is not None and m[0] != "frame" and (m[1], m[2]) == (60, 60), m
        ftype, ch, header = stalled.read_frame(timeout=30)
        assert ftype == R.FRAME_HEADER
        body_size = struct.unpack_from(">Q", header, 4)[0]
        body = b""
        while len(body) < body_size:
            ftype, ch, chunk = stalled.read_frame(timeout=30)
            body += chunk
        assert body_size == len(payload) and int.from_bytes(body[-4:], "big") == seen
        seen += 1
    stalled.close()
    setup.close()
