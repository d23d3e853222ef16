"""Small helpers shared by the AMQP interop tests.

`wait_ready` exists because RabbitMQ answers queue.declare(passive) with a prioritised `stat` call that
can overtake publishes still queued to the queue process, and requeues on channel close arrive
asynchronously. Latchkey has one loop and no such window, so against Latchkey the count is checked
once, exactly; against RabbitMQ it is polled for a bounded time.
"""
import os
import time

TARGET = os.environ.get("LATCHKEY_TARGET", "latchkey").lower()


def ready_count(channel, queue):
    """Ready-message count from a passive declare (pika BlockingChannel or py-amqp Channel)."""
    ok = channel.queue_declare(queue, passive=True)
    if hasattr(ok, "method"):  # pika
        return ok.method.message_count
    return ok.message_count  # py-amqp queue_declare_ok_t


def wait_ready(channel, queue, expected, timeout=5.0):
    """Asserts the queue holds `expected` ready messages (polled only against RabbitMQ)."""
    deadline = time.monotonic() + (timeout if TARGET == "rabbitmq" else 0)
    while True:
        n = ready_count(channel, queue)
        if n == expected or time.monotonic() >= deadline:
            assert n == expected, "queue %s has %d ready messages, expected %d" % (queue, n, expected)
            return
        time.sleep(0.02)
