"""Differential scripts for channel and connection lifecycles, framing order and client numbers.

Split from differential_scripts.py (entities, consumers, confirms, tx), which imports this module so
that both register into the same SCRIPTS table: close handshakes in both directions and crossing,
methods after a close, publishes racing a close or a channel error, frames out of order,
server-only methods from a client, tune-ok and login variants, numbers at their limits.
"""
import struct

import amqp_spec as spec
from amqp_session import FRAME_BODY, FRAME_HEADER, FRAME_METHOD, frame
from differential_scripts import script


# --- channels and connection lifecycle ---------------------------------------------------------

@script
def channel_lifecycle(s):
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "channel.open", label="open an open channel")   # connection-level 504
    c = s.connect("c2")
    s.call(c, 1, "queue.declare", queue=s.name("q"), label="method on a channel never opened")
    c = s.connect("c3")
    s.open_channel(c)
    s.call(c, 1, "channel.flow", active=False)
    s.call(c, 1, "channel.flow", active=True)
    s.call(c, 1, "channel.close", reply_code=200, reply_text="bye")
    s.call(c, 1, "queue.declare", queue=s.name("q"), exclusive=True, label="method on a closed channel")


@script
def method_after_channel_close_before_close_ok(s):
    s.auto_close_ok = False
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "queue.declare", queue=s.name("nq"), passive=True)   # server: channel.close 404
    s.call(c, 1, "queue.declare", queue=s.name("q"), exclusive=True, label="ignored until close-ok")
    s.publish(c, 1, routing_key="x", label="publish ignored until close-ok")
    s.call(c, 1, "channel.close-ok")
    s.open_channel(c)
    s.call(c, 1, "channel.close", reply_code=200)


@script
def both_sides_close_channel(s):
    s.auto_close_ok = False
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "queue.declare", queue=s.name("nq"), passive=True)
    s.call(c, 1, "channel.close", reply_code=200, label="client close crossing the server close")
    s.call(c, 1, "channel.close-ok")
    s.open_channel(c)


@script
def connection_close_handshakes(s):
    c = s.connect("a")
    s.open_channel(c)
    s.call(c, 0, "connection.close", reply_code=200, reply_text="client bye")
    c = s.connect("b")
    s.open_channel(c)
    s.call(c, 1, "basic.consume", queue=s.name("nq"))     # channel error, then more
    s.call(c, 0, "connection.close", reply_code=200)
    s.auto_close_ok = False
    c = s.connect("c")
    s.call(c, 0, "connection.close-ok", label="close-ok without close")
    c = s.connect("d")
    s.open_channel(c)
    s.call(c, 1, "channel.open", label="504 on channel.open twice")
    s.call(c, 1, "queue.declare", queue=s.name("q"), label="method after server connection.close")
    s.call(c, 0, "connection.close-ok")


@script
def publish_then_close(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q)
    s.call(c, 1, "confirm.select")
    data = b""
    for i in range(20):
        data += frame(FRAME_METHOD, 1, spec.encode_method("basic.publish", routing_key=q))
        data += frame(FRAME_HEADER, 1, struct.pack(">HHQ", 60, 0, 1) + spec.encode_properties({}))
        data += frame(FRAME_BODY, 1, b"x")
    data += frame(FRAME_METHOD, 0, spec.encode_method("connection.close", reply_code=200))
    c.closing = True
    s.raw(c, data, "20 confirmed publishes then connection.close in one write")
    c = s.connect("check")
    s.open_channel(c)
    s.call(c, 1, "queue.delete", queue=q)


@script
def channel_error_during_publishes(s):
    c = s.connect()
    s.open_channel(c)
    data = b""
    for i in range(5):
        data += frame(FRAME_METHOD, 1, spec.encode_method("basic.publish", exchange=s.name("nx"), routing_key="k"))
        data += frame(FRAME_HEADER, 1, struct.pack(">HHQ", 60, 0, 1) + spec.encode_properties({}))
        data += frame(FRAME_BODY, 1, b"x")
    s.raw(c, data, "5 publishes to a missing exchange in one write")
    s.open_channel(c, 2)
    s.call(c, 2, "queue.declare", queue=s.name("q"), exclusive=True)


@script
def frames_out_of_order(s):
    c = s.connect("a")
    s.open_channel(c)
    s.raw(c, frame(FRAME_BODY, 1, b"x"), "body without publish")
    c = s.connect("b")
    s.open_channel(c)
    s.raw(c, frame(FRAME_HEADER, 1, struct.pack(">HHQ", 60, 0, 1) + spec.encode_properties({})),
          "header without publish")
    c = s.connect("c")
    s.open_channel(c)
    s.raw(c, frame(FRAME_METHOD, 1, spec.encode_method("basic.publish", routing_key="k"))
          + frame(FRAME_METHOD, 1, spec.encode_method("queue.declare", queue="x")),
          "method where a header is due")
    for m in ("queue.declare-ok", "basic.get-empty", "basic.consume-ok", "basic.cancel-ok", "tx.select-ok",
              "channel.flow-ok", "confirm.select-ok", "exchange.bind-ok"):
        c = s.connect(m)
        s.open_channel(c)
        s.call(c, 1, m, label="server-only %s from the client" % m)
    c = s.connect("deliver")
    s.open_channel(c)
    s.raw(c, frame(FRAME_METHOD, 1, spec.encode_method("basic.deliver", consumer_tag="x"))
          + frame(FRAME_HEADER, 1, struct.pack(">HHQ", 60, 0, 1) + spec.encode_properties({}))
          + frame(FRAME_BODY, 1, b"x"), "basic.deliver with content from the client")


@script
def qos_and_recover(s):
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "basic.qos", prefetch_count=10)
    s.call(c, 1, "basic.qos", prefetch_count=10, **{"global": True})
    s.call(c, 1, "basic.qos", prefetch_size=1000)
    s.open_channel(c, 2)
    s.call(c, 2, "basic.recover-async", requeue=False)
    s.open_channel(c, 3)
    s.call(c, 3, "basic.recover", requeue=False)
    s.call(c, 3, "basic.recover", requeue=True)
    s.call(c, 3, "access.request", realm="/data")


# --- numbers from the client at their limits (checked conversions) ------------------------------

@script
def extreme_numbers(s):
    big = (1 << 63) - 1
    c = s.connect()
    cases = [
        {"x-message-ttl": big}, {"x-message-ttl": 1 << 32}, {"x-expires": big}, {"x-expires": 1 << 32},
        {"x-max-length": big}, {"x-max-length-bytes": big}, {"x-max-priority": 255}, {"x-max-priority": 256},
        {"x-max-priority": big}, {"x-message-ttl": -(1 << 63)}, {"x-max-length": -(1 << 63)},
        {"x-message-ttl": 1.5}, {"x-expires": 1e300}, {"x-message-ttl": 315360000000},
        {"x-message-ttl": 315360000001}, {"x-expires": 315360000000}, {"x-expires": 315360000001},
    ]
    for i, args in enumerate(cases, start=1):
        s.open_channel(c, i)
        s.call(c, i, "queue.declare", queue=s.name("q%d" % i), exclusive=True, arguments=args)
    n = len(cases) + 1
    s.open_channel(c, n)
    q = s.name("p")
    s.call(c, n, "queue.declare", queue=q, exclusive=True, arguments={"x-max-priority": 10})
    for props in ({"priority": 255}, {"expiration": "99999999999999999999"}, {"expiration": "-1"},
                  {"expiration": "1e3"}, {"expiration": "18446744073709551615"}, {"timestamp": (1 << 64) - 1},
                  {"expiration": "4294967296"}, {"delivery-mode": 255}, {"expiration": "315360000000"},
                  {"expiration": "315360000001"}, {"expiration": "+5"}, {"expiration": "-0"},
                  {"expiration": "0009"}, {"expiration": ""}, {"expiration": "-x"}, {"expiration": "12 "},
                  {"expiration": "-" + "9" * 40}):
        s.publish(c, n, routing_key=q, props=props, label="publish %s" % props)
    s.open_channel(c, n + 1)
    s.call(c, n + 1, "basic.get", queue=q)
    s.call(c, n + 1, "basic.qos", prefetch_count=65535, prefetch_size=0)
    s.call(c, n + 1, "basic.consume", queue=q, arguments={"x-priority": big})
    s.open_channel(c, n + 2)
    s.call(c, n + 2, "basic.consume", queue=q, arguments={"x-priority": 1.5})


@script
def tune_ok_limits(s):
    s.connect("a", tune={"frame_max": 0xFFFFFFFF})
    s.connect("b", tune={"frame_max": 100})
    s.connect("c", tune={"channel_max": 0xFFFF})
    s.connect("d", tune={"heartbeat": 0xFFFF})
    c = s.connect("e", tune={"channel_max": 2})
    s.open_channel(c, 2)
    s.open_channel(c, 3)


@script
def login_variants(s):
    s.connect("authzid-same", response=b"guest\x00guest\x00guest")
    s.connect("authzid-other", response=b"other\x00guest\x00guest")
    s.connect("bad-password", password="nope")
    s.connect("no-nul", response=b"guestguest")
    s.connect("empty", response=b"")
    s.connect("vhost", vhost="/nosuch")


@script
def channel_close_with_consumers_and_unacked(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    for i in range(3):
        s.publish(c, 1, routing_key=q, body=b"m%d" % i)
    s.open_channel(c, 2)
    s.call(c, 2, "basic.qos", prefetch_count=2)
    s.call(c, 2, "basic.consume", queue=q, consumer_tag="a", settle=0.2)
    s.call(c, 2, "channel.close", reply_code=200, label="close a channel with a consumer and 2 unacked")
    s.call(c, 1, "basic.get", queue=q, label="requeued first, redelivered")
    s.call(c, 1, "basic.get", queue=q)
    s.call(c, 1, "basic.get", queue=q)
    s.call(c, 1, "basic.get", queue=q)


@script
def concurrent_close(s):
    """Two connection.close in one write (a client closing from two threads), and a close racing
    a channel.close."""
    c = s.connect("a")
    s.open_channel(c)
    close = frame(FRAME_METHOD, 0, spec.encode_method("connection.close", reply_code=200))
    c.closing = True
    s.raw(c, close + close, "two connection.close in one write")
    c = s.connect("b")
    s.open_channel(c)
    c.closing = True
    s.raw(c, frame(FRAME_METHOD, 1, spec.encode_method("channel.close", reply_code=200)) + close,
          "channel.close and connection.close in one write")

