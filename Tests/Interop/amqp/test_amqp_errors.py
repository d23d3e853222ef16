"""Error paths on raw sockets: what each malformed input gets back, and that the server keeps serving.

Expected codes, texts and class/method ids are RabbitMQ 3.10's (observed). Where RabbitMQ's text carries
Erlang internals (`{frame_too_large,10000,4088}`) only the `NAME -` prefix is compared. After every case a
fresh client must still be served.
"""
import struct

import pika
import pika.exceptions
import pytest

import amqp_raw as R
from amqp_helpers import wait_ready


def still_serving(server):
    with R.RawClient(server.host, server.port) as c:
        c.open()
        c.send(R.channel_open(1))
        c.expect_method(20, 11)
        c.send(R.queue_declare(1, "", exclusive=True))
        c.expect_method(50, 11)


def opened(server, channel=1, **kw):
    c = R.RawClient(server.host, server.port)
    c.open(**kw)
    if channel:
        c.send(R.channel_open(channel))
        c.expect_method(20, 11)
    return c


def expect_close(c, code, text, class_id, method_id, prefix=False):
    close = c.expect_connection_close()
    assert close.code == code, close
    if prefix:
        assert close.text.startswith(text), close
    else:
        assert close.text == text, close
    assert (close.class_id, close.method_id) == (class_id, method_id), close
    # close-ok was sent by expect_connection_close: the server now closes the socket.
    assert c.wait_eof(5), "server did not close the socket after close-ok"


# --- before the handshake ---------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    b"AMQP\x00\x00\x09\x02",  # another 0-9 revision
    b"AMQP\x01\x01\x00\x0a",  # 0-10
    b"AMQP\x00\x01\x00\x00",  # AMQP 1.0
    b"AMQP\x00\x00\x08\x00",  # 0-8
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
], ids=["0-9-2", "0-10", "1.0", "0-8", "http"])
def test_wrong_protocol_header_gets_ours_back(amqp_server, header):
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        c.send(header)
        assert c.read_raw(8) == R.PROTOCOL_HEADER
        assert c.wait_eof(5)
    still_serving(amqp_server)


def test_bad_credentials_close_403(amqp_server):
    for mechanism in ("PLAIN", "AMQPLAIN"):
        with R.RawClient(amqp_server.host, amqp_server.port) as c:
            m = c.handshake(password="wrong", mechanism=mechanism)
            assert m is not None and m[0] != "frame" and (m[1], m[2]) == (10, 50), m
            close = R.parse_close(m[0], m[3])
            assert close.code == 403
            assert close.text.startswith(
                "ACCESS_REFUSED - Login was refused using authentication mechanism %s" % mechanism), close
            assert (close.class_id, close.method_id) == (0, 0)
            c.send(R.method(0, 10, 51))
            assert c.wait_eof(5)
    still_serving(amqp_server)


def test_bad_credentials_without_capability_just_closes(amqp_server):
    # A client that does not advertise authentication_failure_close gets the socket closed, no close frame.
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        m = c.handshake(user="nobody", password="wrong", capabilities=False)
        assert m is None
    still_serving(amqp_server)


def test_bad_credentials_pika(amqp_server):
    params = pika.ConnectionParameters(host=amqp_server.host, port=amqp_server.port,
                                       credentials=pika.PlainCredentials("guest", "nope"), connection_attempts=1)
    with pytest.raises(pika.exceptions.ProbableAuthenticationError) as e:
        pika.BlockingConnection(params)
    assert "ACCESS_REFUSED" in str(e.value)
    still_serving(amqp_server)


def test_unknown_vhost_530(amqp_server):
    with R.RawClient(amqp_server.host, amqp_server.port) as c:
        m = c.handshake(vhost="nov")
        assert (m[1], m[2]) == (10, 50), m
        close = R.parse_close(m[0], m[3])
        assert (close.code, close.text, close.class_id, close.method_id) == (
            530, "NOT_ALLOWED - vhost nov not found", 10, 40)
        c.send(R.method(0, 10, 51))
        assert c.wait_eof(5)
    params = pika.ConnectionParameters(host=amqp_server.host, port=amqp_server.port, virtual_host="nov",
                                       connection_attempts=1)
    # pika reports a close during connection.open as a probable access denial, with the broker's words.
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as e:
        pika.BlockingConnection(params)
    assert "(530) 'NOT_ALLOWED - vhost nov not found'" in str(e.value)
    still_serving(amqp_server)


# --- framing ----------------------------------------------------------------------------------------

def test_oversized_frame_501_before_payload(amqp_server):
    # Only the 7-byte header announcing 10000 bytes is sent: the limit is checked on the length prefix.
    c = opened(amqp_server, frame_max=4096)
    c.send(R.basic_publish(1, "", "x") + R.content_header(1, 10000))
    c.send(struct.pack(">BHI", R.FRAME_BODY, 1, 10000))
    expect_close(c, 501, "FRAME_ERROR", 0, 0, prefix=True)
    still_serving(amqp_server)


def test_oversized_frame_501_default_frame_max(amqp_server):
    c = opened(amqp_server)
    c.send(struct.pack(">BHI", R.FRAME_METHOD, 1, 16 * 1024 * 1024))
    expect_close(c, 501, "FRAME_ERROR", 0, 0, prefix=True)
    still_serving(amqp_server)


def test_frame_of_exactly_frame_max_is_accepted(amqp_server):
    c = opened(amqp_server, frame_max=4096)
    size = 3 * 4088
    c.send(R.basic_publish(1, "", "nowhere") + R.content_header(1, size))
    for _ in range(3):
        c.send(R.body(1, b"z" * 4088))  # frame of exactly frame_max bytes on the wire
    c.send(R.queue_declare(1, "", exclusive=True))
    c.expect_method(50, 11)
    c.close()


def test_garbage_after_handshake_501(amqp_server):
    c = opened(amqp_server)
    c.send(b"hello world, this is not a frame at all!!")
    expect_close(c, 501, "FRAME_ERROR", 0, 0, prefix=True)
    still_serving(amqp_server)


def test_unknown_frame_type_501(amqp_server):
    c = opened(amqp_server)
    c.send(R.frame(9, 0, b""))
    expect_close(c, 501, "FRAME_ERROR", 0, 0, prefix=True)
    still_serving(amqp_server)


def test_bad_frame_end_501(amqp_server):
    c = opened(amqp_server, channel=0)
    c.send(R.channel_open(1)[:-1] + b"\x00")
    expect_close(c, 501, "FRAME_ERROR", 0, 0, prefix=True)
    still_serving(amqp_server)


# --- channels ---------------------------------------------------------------------------------------

def test_method_on_unopened_channel_504(amqp_server):
    c = opened(amqp_server, channel=0)
    c.send(R.queue_declare(5, "x"))
    expect_close(c, 504, "CHANNEL_ERROR - expected 'channel.open'", 50, 10)
    still_serving(amqp_server)


def test_method_on_closed_channel_504(amqp_server):
    c = opened(amqp_server)
    c.send(R.method(1, 20, 40, struct.pack(">H", 200) + R.shortstr("bye") + struct.pack(">HH", 0, 0)))
    c.expect_method(20, 41)
    c.send(R.queue_declare(1, "x"))
    expect_close(c, 504, "CHANNEL_ERROR - expected 'channel.open'", 50, 10)
    still_serving(amqp_server)


def test_channel_number_reusable_after_close(amqp_server):
    c = opened(amqp_server)
    c.send(R.method(1, 20, 40, struct.pack(">H", 0) + R.shortstr("") + struct.pack(">HH", 0, 0)))
    c.expect_method(20, 41)
    c.send(R.channel_open(1))
    c.expect_method(20, 11)
    c.close()


def test_second_channel_open_504(amqp_server):
    c = opened(amqp_server)
    c.send(R.channel_open(1))
    expect_close(c, 504, "CHANNEL_ERROR - second 'channel.open' seen", 20, 10)
    still_serving(amqp_server)


@pytest.mark.parametrize("frame,class_method", [
    (R.queue_declare(0, "x"), (50, 10)),
    (R.channel_open(0), (20, 10)),
    (R.basic_publish(0, "", "x"), (60, 40)),
    (R.basic_get(0, "x"), (60, 70)),
], ids=["queue.declare", "channel.open", "basic.publish", "basic.get"])
def test_non_connection_method_on_channel_zero_504(amqp_server, frame, class_method):
    c = opened(amqp_server, channel=0)
    c.send(frame)
    expect_close(c, 504, "CHANNEL_ERROR - unexpected method in connection state running", *class_method)
    still_serving(amqp_server)


def test_second_connection_open_504(amqp_server):
    c = opened(amqp_server, channel=0)
    c.send(R.method(0, 10, 40, R.shortstr("/") + R.shortstr("") + b"\x00"))
    expect_close(c, 504, "CHANNEL_ERROR - unexpected method in connection state running", 10, 40)
    still_serving(amqp_server)


# --- content sequencing -----------------------------------------------------------------------------

def test_content_header_without_method_505(amqp_server):
    c = opened(amqp_server)
    c.send(R.content_header(1, 5))
    expect_close(c, 505, "UNEXPECTED_FRAME - expected method frame, got non method frame instead", 0, 0)
    still_serving(amqp_server)


def test_content_body_without_method_505(amqp_server):
    c = opened(amqp_server)
    c.send(R.body(1, b"stray"))
    expect_close(c, 505, "UNEXPECTED_FRAME - expected method frame, got non method frame instead", 0, 0)
    still_serving(amqp_server)


def test_content_header_on_unopened_channel_505(amqp_server):
    c = opened(amqp_server, channel=0)
    c.send(R.content_header(3, 5))
    expect_close(c, 505, "UNEXPECTED_FRAME - expected method frame, got non method frame instead", 0, 0)
    still_serving(amqp_server)


def test_method_in_the_middle_of_content_505(amqp_server):
    c = opened(amqp_server)
    c.send(R.basic_publish(1, "", "x") + R.content_header(1, 5) + R.queue_declare(1, "y"))
    expect_close(c, 505, "UNEXPECTED_FRAME - expected content body, got non content body frame instead", 60, 40)
    still_serving(amqp_server)


def test_heartbeat_on_nonzero_channel_505(amqp_server):
    c = opened(amqp_server)
    c.send(R.frame(R.FRAME_HEARTBEAT, 1, b""))
    expect_close(c, 505, "UNEXPECTED_FRAME", 0, 0, prefix=True)
    still_serving(amqp_server)


def test_other_channels_may_interleave_with_content(amqp_server):
    c = opened(amqp_server)
    c.send(R.channel_open(2))
    c.expect_method(20, 11)
    c.send(R.queue_declare(2, "", exclusive=True))
    name = c.expect_method(50, 11)[3]
    qname = name[5:5 + name[4]].decode()
    # Channel 1 publishes in three frames; channel 2 sends a method between header and body.
    c.send(R.basic_publish(1, "", qname) + R.content_header(1, 6))
    c.send(R.basic_get(2, qname))
    c.expect_method(60, 72)  # get-empty: the content is not complete yet
    c.send(R.body(1, b"abc") + R.body(1, b"def"))
    # RabbitMQ routes a publish asynchronously to a get on another channel, so poll (bounded).
    for _ in range(100):
        c.send(R.basic_get(2, qname))
        m = c.read_method()
        if (m[1], m[2]) == (60, 71):
            break
        assert (m[1], m[2]) == (60, 72), m[:3]
    else:
        raise AssertionError("the interleaved publish never arrived")
    ftype, ch, payload = c.read_frame()
    assert (ftype, ch) == (R.FRAME_HEADER, 2)
    ftype, ch, payload = c.read_frame()
    assert (ftype, ch, payload) == (R.FRAME_BODY, 2, b"abcdef")
    c.close()


def test_immediate_publish_540(amqp_server):
    c = opened(amqp_server)
    c.send(R.method(1, 60, 40, struct.pack(">H", 0) + R.shortstr("") + R.shortstr("x") + b"\x02")
           + R.content_header(1, 0))
    expect_close(c, 540, "NOT_IMPLEMENTED - immediate=true", 60, 40)
    still_serving(amqp_server)


def test_prefetch_size_540(amqp_server):
    c = opened(amqp_server)
    c.send(R.method(1, 60, 10, struct.pack(">IHB", 1000, 10, 0)))
    expect_close(c, 540, "NOT_IMPLEMENTED - prefetch_size!=0 (1000)", 60, 10)
    still_serving(amqp_server)


def test_frames_after_server_close_are_ignored_until_close_ok(amqp_server):
    c = opened(amqp_server, channel=0)
    c.send(R.queue_declare(7, "x"))
    close = c.expect_connection_close(reply_close_ok=False)
    assert close.code == 504
    # Anything but close-ok is discarded: no reply to these.
    c.send(R.channel_open(1) + R.queue_declare(1, "", exclusive=True))
    c.send(R.method(0, 10, 51))
    assert c.read_frame(timeout=5) is None  # nothing more, then EOF
    still_serving(amqp_server)


def test_client_close_gets_close_ok(amqp_server):
    c = opened(amqp_server)
    c.send(R.method(0, 10, 50, struct.pack(">H", 200) + R.shortstr("Normal shutdown") + struct.pack(">HH", 0, 0)))
    c.expect_method(10, 51)
    # RabbitMQ leaves closing the TCP socket to the client after close-ok; either is fine.
    c.close()
    still_serving(amqp_server)


def test_many_bad_clients_do_not_disturb_a_good_one(amqp_server, pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    for i in range(20):
        with R.RawClient(amqp_server.host, amqp_server.port) as c:
            if i % 2:
                c.send(b"\x01\x02garbage")
                assert c.wait_eof(5)
            else:
                # A valid header, half a start-ok, then the client vanishes.
                c.send(R.PROTOCOL_HEADER + R.method(0, 10, 11, b"\x00\x00")[:9])
        pika_channel.basic_publish("", q, b"m%d" % i)
    wait_ready(pika_channel, q, 20)
