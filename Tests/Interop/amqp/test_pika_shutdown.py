"""AMQP connections at server shutdown, with pika against the built latchkey binary.

RabbitMQ closes every connection with connection.close(320, "CONNECTION_FORCED - broker forced
connection closure with reason 'shutdown'") when it stops; pika reports that as
ConnectionClosedByBroker(320, ...). Latchkey must do the same on SIGTERM and on a RESP SHUTDOWN,
and still exit 0 promptly.
"""
import os
import signal
import socket
import sys
import time

import pika
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from latchkey_server import LatchkeyServer  # noqa: E402

FORCED = "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'"


def connect(server):
    params = pika.ConnectionParameters(host="127.0.0.1", port=server.amqp_port, heartbeat=0)
    return pika.BlockingConnection(params)


def expect_forced_close(connection, timeout=10.0):
    """Pumps pika's I/O until the broker's connection.close arrives; returns the exception."""
    deadline = time.monotonic() + timeout
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as info:
        while time.monotonic() < deadline:
            connection.process_data_events(time_limit=0.2)
    return info.value


@pytest.fixture
def server():
    s = LatchkeyServer().start()
    yield s
    s.stop()


def test_sigterm_closes_connections_with_320(server):
    first = connect(server)
    second = connect(server)
    channel = first.channel()
    channel.queue_declare("shutdown-q")
    channel.basic_publish("", "shutdown-q", b"m")
    channel.basic_consume("shutdown-q", lambda *a: None)  # one unacked delivery outstanding
    first.process_data_events(time_limit=0.2)

    server.proc.send_signal(signal.SIGTERM)
    for conn in (first, second):
        err = expect_forced_close(conn)
        assert err.reply_code == 320
        assert err.reply_text == FORCED
        assert conn.is_closed
    assert server.proc.wait(10) == 0


def test_resp_shutdown_closes_amqp_connections_with_320(server):
    conn = connect(server)
    conn.channel()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n")
        assert s.recv(100) == b""  # no reply, just the close
    err = expect_forced_close(conn)
    assert (err.reply_code, err.reply_text) == (320, FORCED)
    assert server.proc.wait(10) == 0


def test_silent_client_does_not_hold_shutdown(server):
    """A client that never answers close-ok (pika not pumped) is dropped after the grace
    period; one still in the handshake is dropped at once (RabbitMQ sends it nothing)."""
    raw = socket.create_connection(("127.0.0.1", server.amqp_port), timeout=10)
    raw.sendall(b"AMQP\x00\x00\x09\x01")
    assert raw.recv(4096)[:1] == b"\x01"  # connection.start: handshake not finished
    conn = connect(server)
    conn.channel()
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    assert raw.recv(4096) == b""
    assert server.proc.wait(10) == 0
    assert time.monotonic() - started < 5
    raw.close()
