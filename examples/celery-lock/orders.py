"""An example Celery app: `process(order_id)` runs under a redis-py lock so two workers never
handle one order at once; its queue gives each task message an hour to be picked up, after which
RabbitMQ (or Latchkey) dead-letters it to `orders.dead` for a person to look at.

Configured from the environment (ORDERS_BROKER_URL, ORDERS_REDIS_URL); the tests point both at
the latchkey pytest plugin's server.
"""
import os

import redis
from celery import Celery
from kombu import Exchange, Queue

LOCK_SECONDS = 30
PICKUP_MS = 3600 * 1000

app = Celery("orders", broker=os.environ.get("ORDERS_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"))
dead_letters = Exchange("orders.dlx", type="fanout")
app.conf.update(
    task_default_queue="orders",
    task_queues=[
        Queue("orders", Exchange("orders"), routing_key="orders",
              queue_arguments={"x-message-ttl": PICKUP_MS, "x-dead-letter-exchange": dead_letters.name}),
        Queue("orders.dead", dead_letters),
    ],
    task_default_exchange="orders",
    task_default_routing_key="orders",
    broker_connection_retry_on_startup=False,
)


def redis_client():
    return redis.Redis.from_url(os.environ.get("ORDERS_REDIS_URL", "redis://127.0.0.1:6379/0"))


def declare_queues():
    """Declares both queues (a worker does this at start; publishers may not have)."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for q in app.conf.task_queues:
            q.bind(channel).declare()


@app.task
def process(order_id):
    lock = redis_client().lock("order:%s" % order_id, timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return "busy"
    try:
        return "processed %s" % order_id
    finally:
        try:
            lock.release()
        except redis.exceptions.LockNotOwnedError:
            pass  # the lock timed out while we worked: someone else may hold it now
