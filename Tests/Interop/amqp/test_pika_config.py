"""A server configured away from the defaults: tune proposals, channel-max, max message size, a second
user and a second virtual host (isolated from `/`).

Latchkey gets `--amqp-frame-max 4096 --amqp-heartbeat 5 --amqp-channel-max 10 --amqp-max-message-size
1000 --amqp-user "guest:guest alice:secret" --amqp-vhosts "/ dev"`; RabbitMQ the same limits in
rabbitmq.conf plus rabbitmqctl add_user/add_vhost/set_permissions. One server for the module.
"""
import os
import struct

import pika
import pika.exceptions
import pytest

import amqp_raw as R
from conftest import TARGET
from latchkey_server import LatchkeyServer
from rabbitmq_server import RabbitMQServer

pytestmark = pytest.mark.skipif(bool(os.environ.get("LATCHKEY_AMQP_ADDR")),
                                reason="needs a server of its own with a custom configuration")


@pytest.fixture(scope="module")
def configured():
    if TARGET == "rabbitmq":
        s = RabbitMQServer(name="lkcfg%d" % os.getpid(), extra_conf=[
            "frame_max = 4096", "heartbeat = 5", "channel_max = 10", "max_message_size = 1000"]).start()
        try:
            for args in (["add_user", "alice", "secret"], ["add_vhost", "dev"],
                         ["set_permissions", "-p", "dev", "alice", ".*", ".*", ".*"],
                         ["set_permissions", "-p", "dev", "guest", ".*", ".*", ".*"],
                         ["set_permissions", "-p", "/", "alice", ".*", ".*", ".*"]):
                assert s.ctl(*args).returncode == 0, args
            yield s.host, s.port
        finally:
            s.stop()
    else:
        s = LatchkeyServer("--amqp-frame-max", "4096", "--amqp-heartbeat", "5", "--amqp-channel-max", "10",
                           "--amqp-max-message-size", "1000", "--amqp-user", "guest:guest alice:secret",
                           "--amqp-vhosts", "/ dev").start()
        try:
            yield s.host, s.amqp_port
        finally:
            s.stop()


def connect(addr, user="guest", password="guest", vhost="/"):
    host, port = addr
    return pika.BlockingConnection(pika.ConnectionParameters(
        host=host, port=port, virtual_host=vhost, credentials=pika.PlainCredentials(user, password)))


def test_tune_proposes_configured_values(configured):
    with R.RawClient(*configured) as c:
        c.send(R.PROTOCOL_HEADER)
        c.expect_method(10, 10)
        c.send(R.method(0, 10, 11, R.table({}) + R.shortstr("PLAIN") + R.longstr(b"\x00guest\x00guest")
                        + R.shortstr("en_US")))
        m = c.expect_method(10, 30)
        assert struct.unpack_from(">HIH", m[3], 4) == (10, 4096, 5)
    conn = connect(configured)
    try:
        p = conn._impl.params
        assert (p.frame_max, p.heartbeat, p.channel_max) == (4096, 5, 10)
    finally:
        conn.close()


def test_channel_max_is_enforced(configured):
    with R.RawClient(*configured) as c:
        c.open()
        for ch in range(1, 11):
            c.send(R.channel_open(ch))
            c.expect_method(20, 11)
        c.send(R.channel_open(11))
        close = c.expect_connection_close()
        assert (close.code, close.text, close.class_id, close.method_id) == (
            530, "NOT_ALLOWED - number of channels opened (10) has reached the negotiated channel_max (10)", 0, 0)


def test_max_message_size(configured):
    conn = connect(configured)
    try:
        ch = conn.channel()
        q = ch.queue_declare("", exclusive=True).method.queue
        ch.basic_publish("", q, b"x" * 1000)
        assert ch.basic_get(q, auto_ack=True)[2] == b"x" * 1000
        ch.basic_publish("", q, b"x" * 1001)
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
            ch.queue_declare(q, passive=True)
        assert (e.value.reply_code, e.value.reply_text) == (
            406, "PRECONDITION_FAILED - message size 1001 is larger than configured max size 1000")
        assert conn.is_open
    finally:
        conn.close()


def test_second_user_and_vhost(configured):
    for user, password, vhost in (("alice", "secret", "dev"), ("alice", "secret", "/"), ("guest", "guest", "dev")):
        connect(configured, user, password, vhost).close()
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        connect(configured, "alice", "wrong", "dev")
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as e:
        connect(configured, "alice", "secret", "prod")
    assert "NOT_ALLOWED - vhost prod not found" in str(e.value)


def test_vhosts_are_isolated(configured):
    root, dev = connect(configured), connect(configured, "alice", "secret", "dev")
    try:
        a, b = root.channel(), dev.channel()
        a.queue_declare("shared-name", auto_delete=False)
        b.queue_declare("shared-name", auto_delete=False)
        a.basic_publish("", "shared-name", b"in root")
        b.basic_publish("", "shared-name", b"in dev")
        assert a.basic_get("shared-name", auto_ack=True)[2] == b"in root"
        assert b.basic_get("shared-name", auto_ack=True)[2] == b"in dev"
        assert a.basic_get("shared-name", auto_ack=True) == (None, None, None)
        b.exchange_declare("dev-only", exchange_type="fanout")
        c = root.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
            c.exchange_declare("dev-only", passive=True)
        assert e.value.reply_text == "NOT_FOUND - no exchange 'dev-only' in vhost '/'"
        c = dev.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
            c.queue_declare("missing", passive=True)
        assert e.value.reply_text == "NOT_FOUND - no queue 'missing' in vhost 'dev'"
        a.queue_delete("shared-name")
        dev.channel().queue_delete("shared-name")
        dev.channel().exchange_delete("dev-only")
    finally:
        root.close()
        dev.close()
