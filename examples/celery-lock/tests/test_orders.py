"""The example app's tests: only the latchkey plugin's fixtures, no sleeps."""
import redis


def test_lock_held_elsewhere_times_out_after_30_seconds(orders, latchkey):
    other_worker = orders.redis_client().lock("order:7", timeout=30)
    assert other_worker.acquire(blocking=False)
    assert orders.process.apply(args=[7]).get() == "busy"
    latchkey.advance(31)  # the other worker died holding the lock; it expires
    assert orders.process.apply(args=[7]).get() == "processed 7"


def test_unclaimed_task_dead_letters_after_an_hour(orders, latchkey):
    orders.process.delay(42)  # published over AMQP; no worker is running
    with orders.app.connection_for_write() as conn:
        channel = conn.default_channel
        assert channel.queue_declare("orders", passive=True).message_count == 1
        latchkey.advance(3600)
        assert channel.queue_declare("orders", passive=True).message_count == 0
        message = channel.basic_get("orders.dead", no_ack=True)
    assert message.headers["task"] == "orders.process"
    assert message.headers["x-death"][0]["reason"] == "expired"


def test_each_test_starts_clean_a(orders, latchkey):
    orders.redis_client().set("leftover", "1")
    orders.redis_client().lock("order:1", timeout=300).acquire()
    orders.process.delay(1)


def test_each_test_starts_clean_b(orders, latchkey):
    r = orders.redis_client()
    assert r.dbsize() == 0
    with orders.app.connection_for_write() as conn:
        assert conn.default_channel.queue_declare("orders", passive=True).message_count == 0
    assert orders.process.apply(args=[1]).get() == "processed 1"
