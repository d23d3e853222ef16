"""A consumer whose socket stopped taking data gets its deliveries again as soon as it reads (issue 13).

Latchkey stops delivering to a channel while its connection has more than 4 MiB of unsent output, and
resumes when the socket has drained. It used to resume only from cron, `hz` times a second; this server
runs with `hz 1`, so a resume that waited for cron would cost about a second per 4 MiB, and the 32 MiB
below would take 6 s or more. RabbitMQ (credit flow, no cron) passes the same test against its own node.
"""
import os
import time

import pika
import pytest

from conftest import TARGET
from latchkey_server import LatchkeyServer

pytestmark = pytest.mark.skipif(bool(os.environ.get("LATCHKEY_AMQP_ADDR")),
                                reason="needs a server of its own (hz 1)")

MESSAGES = 128
BODY = b"b" * (256 * 1024)  # 32 MiB in all: eight times the 4 MiB pause threshold


@pytest.fixture
def server(request):
    if TARGET == "rabbitmq":
        s = request.getfixturevalue("amqp_server")
        yield s.host, s.port
        return
    s = LatchkeyServer("--hz", "1").start()
    try:
        yield s.host, s.amqp_port
    finally:
        s.stop()


def ready(ch, q):
    return ch.queue_declare(q, passive=True).method.message_count


@pytest.mark.timeout(90)
def test_paused_consumer_resumes_when_it_reads_again(server, uniq):
    host, port = server
    params = pika.ConnectionParameters(host=host, port=port, socket_timeout=30)
    q = uniq("backpressure")
    admin = pika.BlockingConnection(params)
    consumer = pika.BlockingConnection(params)
    try:
        ach = admin.channel()
        ach.queue_declare(q, auto_delete=False)
        for _ in range(MESSAGES):
            ach.basic_publish("", q, BODY)
        deadline = time.monotonic() + 30
        while ready(ach, q) < MESSAGES:
            assert time.monotonic() < deadline, "the queue never held every message"
        got = []
        cch = consumer.channel()
        cch.basic_consume(q, lambda ch, m, p, body: got.append(len(body)), auto_ack=True)
        # The consumer does not read now: the server hands it what its socket takes and holds
        # the rest back. Another connection watches the queue until delivering has begun.
        deadline = time.monotonic() + 30
        while ready(ach, q) == MESSAGES:
            assert time.monotonic() < deadline, "no delivery started"
        if TARGET == "latchkey":
            # Latchkey-only: it delivers about 4 MiB and pauses. RabbitMQ's credit (400 messages
            # per queue and channel) may take all of them into its own buffers at once.
            assert ready(ach, q) > 0, "everything left at once: the pause was never reached"
        # Now it reads again: the rest must follow at socket speed, not at one batch per cron.
        start = time.monotonic()
        while len(got) < MESSAGES and time.monotonic() - start < 30:
            consumer.process_data_events(time_limit=0.05)
        elapsed = time.monotonic() - start
        assert len(got) == MESSAGES and set(got) == {len(BODY)}
        assert elapsed < 3.0, "deliveries took %.2f s to resume and finish" % elapsed
        ach.queue_delete(q)
    finally:
        for c in (consumer, admin):
            if c.is_open:
                c.close()
