"""Pub/sub and keyspace notifications, differential: each scenario drives several raw-socket
clients against Latchkey and against a real redis-server 7.0 and the two transcripts (exact reply
bytes, in order) must be equal. Every scenario runs in RESP2 and in RESP3 (`HELLO 3` first).

Where Redis's order is a hash order (UNSUBSCRIBE without arguments, PUBSUB CHANNELS) the
scenario sorts what it records. With LATCHKEY_TARGET=redis both sides are redis-servers, which
checks the scenarios themselves.
"""
import socket
import time

import pytest

from redis_support import differential_pair
from resp_wire import Closed, RawConn, encode


@pytest.fixture(scope="module")
def pair():
    a, b = differential_pair()
    yield a, b
    a.stop()
    b.stop()


class Session:
    """Opens clients on one server and records what they read."""

    def __init__(self, server, resp3):
        self.server, self.resp3 = server, resp3
        self.conns = []
        self.log = []

    def client(self, rcvbuf=None):
        if rcvbuf is None:
            c = RawConn(self.server.port)
        else:
            # A small receive buffer set before connecting, so a listener that never reads
            # fills its socket quickly (the output-limit scenario).
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            s.settimeout(5)
            s.connect(("127.0.0.1", self.server.port))
            c = RawConn.__new__(RawConn)
            c.sock, c.buf, c.pos = s, bytearray(), 0
        self.conns.append(c)
        if self.resp3:
            c.cmd("HELLO", "3")
        return c

    def cmd(self, c, *args, replies=1):
        """Send one command and record `replies` frames."""
        c.send(encode(*args))
        for _ in range(replies):
            self.log.append(c.read().raw)

    def read(self, c, n=1):
        """Record the next `n` frames `c` receives."""
        for _ in range(n):
            self.log.append(c.read().raw)

    def sorted_replies(self, c, *args, replies):
        c.send(encode(*args))
        self.log.append(sorted(c.read().raw for _ in range(replies)))

    def sorted_array(self, c, *args):
        """An array reply whose element order is Redis's hash order: kind and sorted elements."""
        r = c.cmd(*args)
        self.log.append((r.kind, sorted(r.value) if isinstance(r.value, list) else r.value))

    def close(self):
        for c in self.conns:
            c.close()


def run(pair, scenario, resp3):
    logs = []
    for server in pair:
        with RawConn(server.port) as admin:
            admin.cmd("FLUSHALL")
            admin.cmd("CONFIG", "SET", "notify-keyspace-events", "")
            admin.cmd("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60")
        s = Session(server, resp3)
        try:
            scenario(s)
        finally:
            s.close()
        logs.append(s.log)
    a, b = logs
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, "step %d differs:\nlatchkey: %r\nredis:    %r" % (i, x, y)
    assert len(a) == len(b)


# ------------------------------------------------------------------ scenarios

def channels_and_counts(s):
    a, b = s.client(), s.client()
    s.cmd(a, "SUBSCRIBE", "news", "sport", "news", replies=3)
    s.cmd(b, "PUBLISH", "news", "hello")
    s.read(a)
    s.cmd(b, "PUBLISH", "nobody", "x")
    s.cmd(b, "PUBLISH", "sport", b"\x00binary\r\n")
    s.read(a)
    s.cmd(a, "UNSUBSCRIBE", "news", "never", replies=2)
    s.cmd(b, "PUBLISH", "news", "gone")
    s.sorted_replies(a, "UNSUBSCRIBE", replies=1)
    s.cmd(a, "UNSUBSCRIBE")
    s.cmd(a, "PUNSUBSCRIBE")
    s.cmd(a, "SUNSUBSCRIBE")


def patterns(s):
    a, b = s.client(), s.client()
    s.cmd(a, "PSUBSCRIBE", "n.*", "n.[ab]", replies=2)
    s.cmd(a, "SUBSCRIBE", "n.a")
    s.cmd(b, "PUBLISH", "n.a", "m1")
    s.read(a)  # the channel's own listeners first
    s.log.append(sorted(a.read().raw for _ in range(2)))  # then patterns, in Redis's hash order
    s.cmd(b, "PUBLISH", "n.zz", "m2")
    s.read(a)
    s.cmd(b, "PUBSUB", "NUMPAT")
    s.cmd(a, "PUNSUBSCRIBE", "n.*")
    s.cmd(b, "PUBSUB", "NUMPAT")
    s.cmd(b, "PUBLISH", "n.zz", "m3")
    s.sorted_replies(a, "PUNSUBSCRIBE", replies=1)
    s.cmd(a, "UNSUBSCRIBE")


def subscribed_mode(s):
    a = s.client()
    s.cmd(a, "SUBSCRIBE", "c")
    s.cmd(a, "GET", "x")  # RESP2: refused with Redis's text; RESP3: allowed
    s.cmd(a, "PING")
    s.cmd(a, "PING", "hi")
    s.cmd(a, "PUBLISH", "c", "self")  # RESP2 refused; RESP3: own push, then the count
    if s.resp3:
        s.read(a)
    s.cmd(a, "PSUBSCRIBE", "p*")
    s.cmd(a, "SSUBSCRIBE", "sh")
    s.cmd(a, "UNSUBSCRIBE", "c")
    s.cmd(a, "PUNSUBSCRIBE", "p*")
    s.cmd(a, "SET", "k", "v")  # still subscribed (a shard channel)
    s.cmd(a, "SUNSUBSCRIBE", "sh")
    s.cmd(a, "SET", "k", "v")
    s.cmd(a, "PING")


def reset_leaves_subscribed_mode(s):
    a, b = s.client(), s.client()
    s.cmd(a, "SUBSCRIBE", "c1", "c2", replies=2)
    s.cmd(a, "PSUBSCRIBE", "x*")
    s.cmd(a, "RESET")
    s.cmd(a, "GET", "k")
    s.cmd(b, "PUBLISH", "c1", "after-reset")
    s.cmd(b, "PUBSUB", "NUMSUB", "c1", "c2")
    s.cmd(b, "PUBSUB", "NUMPAT")


def introspection(s):
    a, b = s.client(), s.client()
    s.cmd(a, "SUBSCRIBE", "alpha", "beta", "gamma", replies=3)
    s.cmd(a, "SSUBSCRIBE", "s1", "s2", replies=2)
    s.sorted_array(b, "PUBSUB", "CHANNELS")
    s.sorted_array(b, "PUBSUB", "CHANNELS", "[ab]*")
    s.cmd(b, "PUBSUB", "CHANNELS", "zzz")
    s.cmd(b, "PUBSUB", "NUMSUB", "alpha", "nope")
    s.cmd(b, "PUBSUB", "NUMSUB")
    s.cmd(b, "PUBSUB", "SHARDCHANNELS", "s1")
    s.cmd(b, "PUBSUB", "SHARDNUMSUB", "s1", "alpha")
    s.cmd(b, "PUBSUB", "CHANNELS", "a", "b")
    s.cmd(b, "PUBSUB", "NUMPAT", "x")
    s.cmd(b, "PUBSUB", "FOO")
    s.cmd(b, "PUBSUB")
    s.cmd(b, "PUBSUB", "HELP")
    s.cmd(b, "SUBSCRIBE")
    s.cmd(b, "PUBLISH", "a")
    s.cmd(b, "SPUBLISH", "s1")


def shard_channels(s):
    a, b = s.client(), s.client()
    s.cmd(a, "SSUBSCRIBE", "orders", "orders", replies=2)
    s.cmd(a, "SUBSCRIBE", "orders")  # a different namespace: counts are separate
    s.cmd(b, "SPUBLISH", "orders", "o1")
    s.read(a)
    s.cmd(b, "PUBLISH", "orders", "o2")
    s.read(a)
    s.cmd(b, "SPUBLISH", "none", "x")
    s.cmd(a, "SUNSUBSCRIBE", "orders")
    s.cmd(a, "SUNSUBSCRIBE")


def publish_from_multi_and_lua(s):
    a, b = s.client(), s.client()
    s.cmd(a, "SUBSCRIBE", "q")
    s.cmd(b, "MULTI")
    s.cmd(b, "PUBLISH", "q", "in-multi")
    s.cmd(b, "SET", "k", "v")
    s.cmd(b, "EXEC")
    s.read(a)
    s.cmd(b, "EVAL", "return redis.call('publish', KEYS[1], ARGV[1])", "1", "q", "from-lua")
    s.read(a)
    s.cmd(b, "EVAL", "redis.call('publish', 'q', 'one'); redis.call('publish', 'q', 'two'); return 7", "0")
    s.read(a, 2)
    s.cmd(b, "EVAL", "return redis.call('subscribe', 'q')", "0")


def resp3_self_publish_in_multi(s):
    if not s.resp3:
        return
    a = s.client()
    s.cmd(a, "SUBSCRIBE", "me")
    s.cmd(a, "MULTI")
    s.cmd(a, "PUBLISH", "me", "x")
    s.cmd(a, "EXEC")  # Redis puts the push inside the EXEC array, before PUBLISH's count


def keyspace_events(s):
    a, b = s.client(), s.client()
    s.cmd(b, "CONFIG", "SET", "notify-keyspace-events", "KEA")
    s.cmd(a, "PSUBSCRIBE", "__key*__:*")
    steps = [
        (("SET", "k", "v"), 2), (("SET", "k", "v2", "EX", "100"), 4), (("SET", "k", "v3", "KEEPTTL"), 2),
        (("SET", "k", "v", "NX"), 0), (("SETNX", "k", "v"), 0), (("SETEX", "k2", "100", "v"), 4),
        (("PSETEX", "k2", "100000", "v"), 4), (("GETSET", "k2", "w"), 2), (("EXPIRE", "k", "500"), 2),
        (("PEXPIRE", "k", "900000"), 2), (("EXPIREAT", "k", "99999999999"), 2), (("PERSIST", "k"), 2),
        (("PERSIST", "k"), 0), (("DEL", "k", "k2", "missing"), 4), (("INCR", "n"), 2), (("INCRBY", "n", "5"), 2),
        (("DECR", "n"), 2), (("DECRBY", "n", "2"), 2), (("GETDEL", "n"), 2), (("GETDEL", "n"), 0),
        (("SET", "e", "v"), 2), (("PEXPIRE", "e", "0"), 2), (("EXPIRE", "e", "10"), 0), (("UNLINK", "zz"), 0),
        (("SET", "ctx", "v", "PX", "100000"), 4), (("SET", "past", "v", "EXAT", "1"), 6),
        (("SET", "past", "v", "PXAT", "1"), 6),
    ]
    for args, events in steps:
        s.cmd(b, *args)
        s.read(a, events)
    # From a script and from a transaction: the same events, as the commands run.
    s.cmd(b, "EVAL", "redis.call('set', KEYS[1], 'x'); return redis.call('del', KEYS[1])", "1", "ctx")
    s.read(a, 4)
    s.cmd(b, "MULTI")
    s.cmd(b, "SET", "tx", "1")
    s.cmd(b, "INCR", "tx")
    s.cmd(b, "EXEC")
    s.read(a, 4)
    s.cmd(b, "SELECT", "3")
    s.cmd(b, "SET", "in3", "v")
    s.read(a, 2)
    s.cmd(b, "CONFIG", "SET", "notify-keyspace-events", "Eg")
    s.cmd(b, "SET", "quiet", "v")  # string class off: nothing
    s.cmd(b, "DEL", "quiet")
    s.read(a, 1)  # only the keyevent channel
    s.cmd(b, "CONFIG", "SET", "notify-keyspace-events", "Km")
    s.cmd(b, "GET", "nothing-here")
    s.read(a, 1)
    s.cmd(b, "CONFIG", "SET", "notify-keyspace-events", "Kn$")
    s.cmd(b, "SET", "fresh", "1")
    s.read(a, 2)  # new, then set
    s.cmd(b, "SET", "fresh", "2")
    s.read(a, 1)


def expired_event(s):
    a, b = s.client(), s.client()
    s.cmd(b, "CONFIG", "SET", "notify-keyspace-events", "Ex")
    s.cmd(a, "SUBSCRIBE", "__keyevent@0__:expired")
    s.cmd(b, "SET", "soon", "v", "PX", "30")
    s.read(a)  # active or lazy expiry: the event arrives exactly once either way
    s.cmd(b, "GET", "soon")
    s.cmd(b, "PUBLISH", "__keyevent@0__:expired", "manual")
    s.read(a)


def config_forms(s):
    b = s.client()
    for value in ["KEA", "AKE", "gx$Kmn", "Ex", "A", "zzz", "Kgxg", "", "lshzxetd", "KE$lshzxetdg", "Kq", "K E"]:
        s.cmd(b, "CONFIG", "SET", "notify-keyspace-events", value)
        s.cmd(b, "CONFIG", "GET", "notify-keyspace-events")
    for value in ["pubsub 1mb 2k 5", "normal 1 2 3 pubsub 32mb 8mb 60", "replica 0 0 0", "", "foo 1 2 3",
                  "pubsub 1mb 2k", "pubsub x 2k 5", "pubsub 1mb 2k -1", "PUBSUB 1MB 2KB 5"]:
        s.cmd(b, "CONFIG", "SET", "client-output-buffer-limit", value)
        s.cmd(b, "CONFIG", "GET", "client-output-buffer-limit")


def slow_listener_is_closed(s):
    # 64kb hard limit: a listener that reads nothing is disconnected once its pending output
    # (beyond what the kernel's buffers took) passes it; publishers are unaffected.
    b = s.client()
    s.cmd(b, "CONFIG", "SET", "client-output-buffer-limit", "pubsub 64kb 0 0")
    a = s.client(rcvbuf=4096)
    s.cmd(a, "SUBSCRIBE", "firehose")
    payload = "x" * 16384
    for _ in range(600):  # ~10 MB, far beyond socket buffers
        b.send(encode("PUBLISH", "firehose", payload))
    ok = all(b.read().kind == ":" for _ in range(600))
    s.log.append(ok)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if b.cmd("PUBSUB", "NUMSUB", "firehose").value[1] == 0:
            break
    s.log.append(b.cmd("PUBSUB", "NUMSUB", "firehose").raw)
    try:
        a.read_all_until_close(timeout=10)
        s.log.append("closed")
    except TimeoutError:
        s.log.append("still open")


def client_list_fields(s):
    a, b = s.client(), s.client()
    my_id = b.cmd("CLIENT", "ID").value
    s.cmd(b, "SUBSCRIBE", "c1", "c2", replies=2)
    s.cmd(b, "PSUBSCRIBE", "p*")
    s.cmd(b, "SSUBSCRIBE", "s1")
    line = [l for l in a.cmd("CLIENT", "LIST").value.split(b"\n") if l.startswith(b"id=%d " % my_id)][0]
    fields = dict(f.split(b"=", 1) for f in line.split(b" "))
    s.log.append([fields[k] for k in (b"flags", b"sub", b"psub", b"ssub", b"multi")])
    s.cmd(a, "MULTI")
    s.cmd(a, "PING")
    line = a.cmd("CLIENT", "INFO")  # queued
    s.log.append(line.raw)
    s.cmd(a, "DISCARD")
    info = a.cmd("CLIENT", "INFO").value
    text = info[4:] if info.startswith(b"txt:") else info
    fields = dict(f.split(b"=", 1) for f in text.strip().split(b" "))
    s.log.append([fields[k] for k in (b"flags", b"sub", b"psub", b"ssub", b"multi")])


def client_type_filters(s):
    a, b, c = s.client(), s.client(), s.client()
    s.cmd(a, "SUBSCRIBE", "c1")
    s.cmd(b, "SSUBSCRIBE", "s1")
    listed = c.cmd("CLIENT", "LIST", "TYPE", "pubsub").value
    text = listed[4:] if listed.startswith(b"txt:") else listed
    s.log.append(len([l for l in text.split(b"\n") if l]))
    s.cmd(c, "CLIENT", "KILL", "TYPE", "pubsub")
    s.log.append([a.is_closed(), b.is_closed()])
    s.cmd(c, "PUBSUB", "NUMSUB", "c1")
    s.cmd(c, "PING")


SCENARIOS = [channels_and_counts, patterns, subscribed_mode, reset_leaves_subscribed_mode, introspection,
             shard_channels, publish_from_multi_and_lua, resp3_self_publish_in_multi, keyspace_events,
             expired_event, config_forms, slow_listener_is_closed, client_list_fields, client_type_filters]


@pytest.mark.parametrize("resp3", [False, True], ids=["resp2", "resp3"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f.__name__ for f in SCENARIOS])
def test_pubsub_matches_redis(pair, scenario, resp3):
    run(pair, scenario, resp3)
