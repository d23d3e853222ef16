"""amqp-tools (rabbitmq-c 0.11): declare, publish, get, consume and delete from the command line.

These tools send heartbeat 0 and rely on server-generated consumer tags; amqp-get uses no-ack
basic.get. Each command runs with a timeout so a hung server fails the test instead of the session.
"""
import shutil
import subprocess
import time

import pika
import pytest

from amqp_helpers import wait_ready

pytestmark = pytest.mark.skipif(shutil.which("amqp-publish") is None, reason="amqp-tools not installed")


def tool(server, name, *args, stdin=None, timeout=20):
    cmd = [name, "--server", server.host, "--port", str(server.port)] + list(args)
    p = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test_declare_publish_get_round_trip(amqp_server, uniq):
    q = uniq()
    rc, out, err = tool(amqp_server, "amqp-declare-queue", "-q", q)
    assert rc == 0, err
    assert out.strip() == q.encode()
    for body in (b"first", b"second line\nwith newline", b""):
        rc, out, err = tool(amqp_server, "amqp-publish", "-r", q, "-C", "text/plain", "-H", "x-test: yes",
                            stdin=body)
        assert rc == 0, err
    for body in (b"first", b"second line\nwith newline", b""):
        rc, out, err = tool(amqp_server, "amqp-get", "-q", q)
        assert rc == 0, err
        assert out == body
    rc, out, err = tool(amqp_server, "amqp-get", "-q", q)
    assert rc != 0  # empty queue: amqp-get reports get-empty with a failing status
    rc, out, err = tool(amqp_server, "amqp-delete-queue", "-q", q)
    assert rc == 0, err


def test_declare_server_named_and_durable(amqp_server, uniq):
    rc, out, err = tool(amqp_server, "amqp-declare-queue", "-q", "")
    assert rc == 0, err
    assert out.strip().startswith(b"amq.gen-")
    q = uniq("durable")
    rc, out, err = tool(amqp_server, "amqp-declare-queue", "-d", "-q", q)
    assert rc == 0, err
    # Redeclaring non-durable now fails with 406 (the tool exits non-zero).
    rc, out, err = tool(amqp_server, "amqp-declare-queue", "-q", q)
    assert rc != 0
    assert b"PRECONDITION_FAILED" in err
    rc, out, err = tool(amqp_server, "amqp-delete-queue", "-q", q)
    assert rc == 0, err


def test_publish_with_properties_seen_by_pika(amqp_server, pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    rc, out, err = tool(amqp_server, "amqp-publish", "-r", q, "-p", "-C", "application/json", "-E", "utf-8",
                        "-t", "reply-here", "-H", "k1: v1", "-H", "k2: v2", "-b", '{"a": 1}')
    assert rc == 0, err
    method, props, body = pika_channel.basic_get(q, auto_ack=True)
    assert body == b'{"a": 1}'
    assert props.content_type == "application/json" and props.content_encoding == "utf-8"
    assert props.delivery_mode == 2 and props.reply_to == "reply-here"
    assert props.headers == {"k1": "v1", "k2": "v2"}


def test_consume_one(amqp_server, pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    for i in range(3):
        pika_channel.basic_publish("", q, b"msg-%d" % i)
    wait_ready(pika_channel, q, 3)
    rc, out, err = tool(amqp_server, "amqp-consume", "-q", q, "-c", "1", "cat")
    assert rc == 0, err
    assert out == b"msg-0"
    rc, out, err = tool(amqp_server, "amqp-consume", "-q", q, "-c", "2", "-p", "1", "cat")
    assert rc == 0, err
    assert out == b"msg-1msg-2"
    # amqp-consume acked what it consumed.
    wait_ready(pika_channel, q, 0)


def test_consume_with_exchange_binding(amqp_server, pika_channel, uniq):
    # amqp-consume -e declares a server-named queue and binds it to the exchange; publish with
    # mandatory + confirms until the binding exists (unroutable -> UnroutableError -> retry).
    ex = uniq("ex")
    pika_channel.exchange_declare(ex, exchange_type="direct")
    proc = subprocess.Popen(["amqp-consume", "--server", amqp_server.host, "--port", str(amqp_server.port),
                             "-e", ex, "-r", "rk", "-c", "1", "cat"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        pika_channel.confirm_delivery()
        deadline = time.monotonic() + 15
        while True:
            try:
                pika_channel.basic_publish(ex, "rk", b"routed", mandatory=True)
                break
            except pika.exceptions.UnroutableError:
                assert time.monotonic() < deadline, "amqp-consume never bound its queue"
                time.sleep(0.05)
        out, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err
        assert out == b"routed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        pika_channel.exchange_delete(ex)


def test_delete_queue_reports_count(amqp_server, pika_channel, uniq):
    q = uniq()
    pika_channel.queue_declare(q)
    pika_channel.basic_publish("", q, b"x")
    wait_ready(pika_channel, q, 1)
    rc, out, err = tool(amqp_server, "amqp-delete-queue", "-q", q, "--if-empty")
    assert rc != 0
    assert b"PRECONDITION_FAILED" in err
    rc, out, err = tool(amqp_server, "amqp-delete-queue", "-q", q)
    assert rc == 0, err
    assert out.strip() == b"1"
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        pika_channel.queue_declare(q, passive=True)
    assert e.value.reply_code == 404
