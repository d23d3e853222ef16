"""Framing under stress, on raw sockets: a whole session sent one byte per write, a pipelined burst
of methods in one write, content frames of several channels interleaved, and a large message.

These are the decoder's partial-input and reassembly paths seen from outside: the replies must be
exactly those of a well-behaved client.
"""
import socket
import struct
import time

import pika

import amqp_raw as R


def queue_name(declare_ok):
    payload = declare_ok[3]
    return payload[5:5 + payload[4]].decode()


def test_session_sent_one_byte_at_a_time(amqp_server, uniq):
    q = uniq()
    c = R.RawClient(amqp_server.host, amqp_server.port)
    try:
        stream = []

        def trickle(data):
            for i in range(len(data)):
                c.sock.sendall(data[i:i + 1])
        c.send = trickle  # every frame the handshake and the test send goes out byte by byte
        c.open()
        trickle(R.channel_open(1))
        c.expect_method(20, 11)
        trickle(R.queue_declare(1, q, auto_delete=True))
        c.expect_method(50, 11)
        trickle(R.basic_publish(1, "", q) + R.content_header(1, 11) + R.body(1, b"hello") + R.body(1, b" world"))
        for _ in range(100):
            trickle(R.basic_get(1, q))
            m = c.read_method()
            if (m[1], m[2]) == (60, 71):
                break
            assert (m[1], m[2]) == (60, 72)
        stream.append(c.read_frame())
        stream.append(c.read_frame())
        assert stream[0][0] == R.FRAME_HEADER and stream[1] == (R.FRAME_BODY, 1, b"hello world")
    finally:
        c.close()


def test_pipelined_burst(amqp_server, uniq):
    q = uniq()
    n = 200
    with R.RawClient(amqp_server.host, amqp_server.port, timeout=15) as c:
        c.open()
        burst = R.channel_open(1) + R.queue_declare(1, q, auto_delete=True)
        for i in range(n):
            body = b"m%d" % i
            burst += R.basic_publish(1, "", q) + R.content_header(1, len(body)) + R.body(1, body)
        burst += R.method(1, 85, 10, b"\x00")  # confirm.select: its select-ok comes after everything above
        c.send(burst)
        c.expect_method(20, 11)
        c.expect_method(50, 11)
        c.expect_method(85, 11)
        # RabbitMQ routes asynchronously: poll until the queue holds all n, then get them in one burst.
        deadline = time.monotonic() + 10
        while True:
            c.send(R.queue_declare(1, q, passive=True, auto_delete=True))
            m = c.expect_method(50, 11)
            count = struct.unpack_from(">I", m[3], 5 + m[3][4])[0]
            if count == n or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert count == n
        c.send(b"".join(R.basic_get(1, q) for _ in range(n)))
        bodies = []
        for i in range(n):
            m = c.expect_method(60, 71)
            tag = struct.unpack_from(">Q", m[3], 4)[0]
            assert tag == i + 1
            c.read_frame()
            bodies.append(c.read_frame()[2])
        assert bodies == [b"m%d" % i for i in range(n)]


def test_interleaved_content_on_five_channels(amqp_server, uniq):
    channels = range(1, 6)
    with R.RawClient(amqp_server.host, amqp_server.port, timeout=15) as c:
        c.open(frame_max=4096)
        names = {}
        for ch in channels:
            c.send(R.channel_open(ch))
            c.expect_method(20, 11)
            c.send(R.queue_declare(ch, uniq("q%d" % ch), auto_delete=True))
            names[ch] = queue_name(c.expect_method(50, 11))
        bodies = {ch: bytes([ch]) * (4088 * 3 + ch) for ch in channels}  # 4 body frames each
        chunks = {ch: [bodies[ch][i:i + 4088] for i in range(0, len(bodies[ch]), 4088)] for ch in channels}
        out = b""
        for ch in channels:
            out += R.basic_publish(ch, "", names[ch]) + R.content_header(ch, len(bodies[ch]))
        for k in range(4):  # round-robin: one body frame of each channel in turn
            for ch in channels:
                out += R.body(ch, chunks[ch][k])
        c.send(out)
        for ch in channels:
            for _ in range(100):
                c.send(R.basic_get(ch, names[ch]))
                m = c.read_method()
                if (m[1], m[2]) == (60, 71):
                    break
                assert (m[1], m[2]) == (60, 72)
            ftype, fch, header = c.read_frame()
            size = struct.unpack_from(">Q", header, 4)[0]
            got = b""
            while len(got) < size:
                ftype, fch, chunk = c.read_frame()
                assert ftype == R.FRAME_BODY and fch == ch and len(chunk) <= 4088
                got += chunk
            assert got == bodies[ch]


def test_eight_megabyte_message(pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    body = bytes(range(256)) * (8 * 4096)
    pika_channel.basic_publish("", q, body, pika.BasicProperties(message_id="big"))
    m, props, got = pika_channel.basic_get(q, auto_ack=True)
    assert got == body and props.message_id == "big"
