"""redis-py 8's pub/sub against the server, in RESP2 and RESP3: PubSub objects (get_message,
patterns, shard channels, ping and health checks in subscribed mode, run_in_thread), the PUBSUB
introspection helpers, keyspace notifications, and a lock whose release wakes waiters by a
PUBLISH from Lua (the pattern Redisson uses on `redisson_lock__channel:{name}`).
"""
import threading

import pytest

from redis_support import make_client

PROTOCOLS = pytest.mark.parametrize("protocol", [2, 3], ids=["resp2", "resp3"])


def next_message(p, timeout=5.0):
    m = p.get_message(ignore_subscribe_messages=True, timeout=timeout)
    assert m is not None, "no message within %ss" % timeout
    return m


@PROTOCOLS
def test_subscribe_publish_roundtrip(server, protocol):
    r = make_client(server, protocol=protocol)
    p = r.pubsub()
    p.subscribe("news")
    assert p.get_message(timeout=5) == {"type": "subscribe", "pattern": None, "channel": b"news", "data": 1}
    assert r.publish("news", "hello") == 1
    assert next_message(p) == {"type": "message", "pattern": None, "channel": b"news", "data": b"hello"}
    p.psubscribe("n*")
    p.get_message(timeout=5)
    assert r.publish("news", "both") == 2
    got = [next_message(p)["type"] for _ in range(2)]
    assert got == ["message", "pmessage"]
    assert r.pubsub_numsub("news", "none") == [(b"news", 1), (b"none", 0)]
    assert r.pubsub_numpat() == 1
    assert r.pubsub_channels() == [b"news"]
    p.unsubscribe()
    p.punsubscribe()
    p.close()
    assert r.publish("news", "gone") == 0


@PROTOCOLS
def test_ping_and_health_check_while_subscribed(server, protocol):
    r = make_client(server, protocol=protocol, health_check_interval=1)
    p = r.pubsub()
    p.subscribe("c")
    p.get_message(timeout=5)
    p.ping("hi")
    m = p.get_message(timeout=5)
    if protocol == 2:
        assert m == {"type": "pong", "pattern": None, "channel": None, "data": b"hi"}
    else:
        assert m is None or m["data"] in (b"hi", "hi")
    p.check_health()  # sends PING redis-py-health-check in subscribed mode and reads the reply
    assert r.publish("c", "after-ping") == 1
    assert next_message(p)["data"] == b"after-ping"
    p.close()


@PROTOCOLS
def test_run_in_thread_handlers(server, protocol):
    r = make_client(server, protocol=protocol)
    p = r.pubsub()
    got, done = [], threading.Event()

    def handler(message):
        got.append(message["data"])
        if len(got) == 3:
            done.set()

    p.subscribe(**{"jobs": handler})
    p.psubscribe(**{"jobs.*": handler})
    worker = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        for _ in range(200):
            if r.pubsub_numsub("jobs")[0][1] == 1 and r.pubsub_numpat() == 1:
                break
        r.publish("jobs", "1")
        r.publish("jobs.a", "2")
        r.publish("jobs.b", "3")
        assert done.wait(5)
        assert sorted(got) == [b"1", b"2", b"3"]
    finally:
        worker.stop()
        worker.join(5)
        p.close()


@PROTOCOLS
def test_shard_channels(server, protocol):
    r = make_client(server, protocol=protocol)
    p = r.pubsub()
    p.ssubscribe("orders")
    assert p.get_sharded_message(timeout=5)["type"] == "ssubscribe"
    assert r.spublish("orders", "o1") == 1
    assert r.publish("orders", "not-shard") == 0
    m = p.get_sharded_message(ignore_subscribe_messages=True, timeout=5)
    assert m["type"] == "smessage" and m["data"] == b"o1"
    assert r.pubsub_shardnumsub("orders") == [(b"orders", 1)]
    assert r.pubsub_shardchannels() == [b"orders"]
    p.sunsubscribe()
    p.close()


@PROTOCOLS
def test_keyspace_notifications(server, protocol):
    r = make_client(server, protocol=protocol)
    r.config_set("notify-keyspace-events", "KEA")
    assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}
    p = r.pubsub()
    p.psubscribe("__keyevent@0__:*")
    p.get_message(timeout=5)
    r.set("lock:a", "t", px=30000)
    r.delete("lock:a")
    events = [next_message(p) for _ in range(3)]
    assert [(e["channel"], e["data"]) for e in events] == [
        (b"__keyevent@0__:set", b"lock:a"), (b"__keyevent@0__:expire", b"lock:a"), (b"__keyevent@0__:del", b"lock:a")]
    r.set("lock:b", "t", px=20)
    events = [next_message(p) for _ in range(3)]  # set, expire, then expired once it is due
    assert [e["channel"] for e in events] == [b"__keyevent@0__:set", b"__keyevent@0__:expire",
                                               b"__keyevent@0__:expired"]
    p.close()
    r.config_set("notify-keyspace-events", "")


UNLOCK = """
if redis.call('get', KEYS[1]) ~= ARGV[2] then return nil end
redis.call('del', KEYS[1])
redis.call('publish', KEYS[2], ARGV[1])
return 1
"""


@PROTOCOLS
def test_lock_release_wakes_waiter_through_lua_publish(server, protocol):
    """Redisson's protocol, on a string lock: the unlock script deletes the lock and publishes the
    unlock message on the lock's channel; the waiter, subscribed there, retries and wins."""
    owner = make_client(server, protocol=protocol)
    waiter = make_client(server, protocol=protocol)
    channel = "redisson_lock__channel:{job}"
    assert owner.set("job", "owner-token", nx=True, px=30000)
    assert not waiter.set("job", "waiter-token", nx=True, px=30000)
    p = waiter.pubsub()
    p.subscribe(channel)
    p.get_message(timeout=5)
    assert owner.eval(UNLOCK, 2, "job", channel, 0, "wrong-token") is None
    assert owner.eval(UNLOCK, 2, "job", channel, 0, "owner-token") == 1
    m = next_message(p)
    assert m["channel"] == channel.encode() and m["data"] == b"0"
    assert waiter.set("job", "waiter-token", nx=True, px=30000)
    p.close()


@pytest.mark.skipif(__import__("redis_support").target_is_redis(), reason="Latchkey-only: LATCHKEY CLOCK")
def test_expired_event_follows_the_test_clock(server_factory):
    """Latchkey-only: a lock with an hour's TTL expires when a test moves the server clock, and
    its `expired` notification arrives without waiting an hour."""
    server = server_factory("--enable-test-commands", "yes")
    r = make_client(server)
    r.config_set("notify-keyspace-events", "Ex")
    p = r.pubsub()
    p.subscribe("__keyevent@0__:expired")
    p.get_message(timeout=5)
    r.set("lock:hour", "t", ex=3600)
    r.execute_command("LATCHKEY", "CLOCK", "ADVANCE", 3600 * 1000 + 1)
    m = next_message(p)
    assert (m["channel"], m["data"]) == (b"__keyevent@0__:expired", b"lock:hour")
    p.close()
