"""The scripted sessions of the AMQP differential: each one is run against RabbitMQ and Latchkey.

A script is a function of a Session (amqp_session.py); every step it takes is recorded. Scripts
touch missing / existing / exclusive / in-use entities, repeat and reorder operations, and provoke
the server-initiated frames (cancel, return, ack/nack, close) whose order clients depend on.
Names come from s.name(tag) so that runs never collide and transcripts normalise to <P>-tag.
"""
SCRIPTS = {}  # name -> function; differential_lifecycle.py adds its own on import


def script(fn):
    SCRIPTS[fn.__name__] = fn
    return fn


# --- missing entities -------------------------------------------------------------------------

@script
def unbind_missing(s):
    c = s.connect()
    s.open_channel(c)
    q, x = s.name("q"), s.name("x")
    s.call(c, 1, "queue.unbind", queue=q, exchange=x, routing_key="k")            # nothing exists
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    s.call(c, 1, "queue.unbind", queue=q, exchange=x, routing_key="k")            # exchange missing
    s.call(c, 1, "queue.unbind", queue=q, exchange="amq.direct", routing_key="k")  # binding missing
    s.call(c, 1, "exchange.declare", exchange=x, type="direct", auto_delete=True)
    s.call(c, 1, "queue.unbind", queue=s.name("nq"), exchange=x, routing_key="k")  # queue missing
    s.call(c, 1, "exchange.unbind", destination=x, source=s.name("nx"), routing_key="k")
    s.call(c, 1, "exchange.unbind", destination=s.name("nx"), source=x, routing_key="k")
    s.call(c, 1, "exchange.unbind", destination=s.name("nx"), source=s.name("ny"), routing_key="k")
    s.call(c, 1, "exchange.unbind", destination="amq.fanout", source=x, routing_key="k")
    s.call(c, 1, "exchange.delete", exchange=x)


@script
def delete_and_purge_missing(s):
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "queue.delete", queue=s.name("nq"))
    s.call(c, 1, "queue.delete", queue=s.name("nq"), if_unused=True, if_empty=True)
    s.call(c, 1, "exchange.delete", exchange=s.name("nx"))
    s.call(c, 1, "exchange.delete", exchange=s.name("nx"), if_unused=True)
    s.call(c, 1, "queue.purge", queue=s.name("nq"))       # 404 closes the channel
    s.open_channel(c, 2)
    s.call(c, 2, "queue.declare", queue=s.name("nq"), passive=True)
    s.open_channel(c, 3)
    s.call(c, 3, "exchange.declare", exchange=s.name("nx"), type="direct", passive=True)
    s.open_channel(c, 4)
    s.call(c, 4, "queue.bind", queue=s.name("nq"), exchange="amq.direct", routing_key="k")
    s.open_channel(c, 5)
    s.call(c, 5, "queue.declare", queue=s.name("q"), exclusive=True)
    s.call(c, 5, "queue.bind", queue=s.name("q"), exchange=s.name("nx"), routing_key="k")
    s.open_channel(c, 6)
    s.call(c, 6, "exchange.bind", destination=s.name("nx"), source="amq.direct", routing_key="k")
    s.open_channel(c, 7)
    s.call(c, 7, "basic.consume", queue=s.name("nq"))
    s.open_channel(c, 8)
    s.call(c, 8, "basic.get", queue=s.name("nq"))
    s.open_channel(c, 9)
    s.publish(c, 9, exchange=s.name("nx"), routing_key="k")
    s.call(c, 9, "basic.qos", prefetch_count=1)


@script
def default_exchange_and_reserved_names(s):
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "exchange.delete", exchange="")
    s.open_channel(c, 2)
    s.call(c, 2, "exchange.delete", exchange="amq.direct")
    s.open_channel(c, 3)
    s.call(c, 3, "exchange.declare", exchange="amq.%s" % s.name("x"), type="direct")
    s.open_channel(c, 4)
    s.call(c, 4, "queue.declare", queue="amq.%s" % s.name("q"))
    s.open_channel(c, 5)
    s.call(c, 5, "queue.bind", queue=s.name("q"), exchange="", routing_key="k")
    s.open_channel(c, 6)
    s.call(c, 6, "exchange.declare", exchange="amq.direct", type="direct", passive=True)
    s.call(c, 6, "exchange.declare", exchange="amq.direct", type="direct")
    s.call(c, 6, "exchange.declare", exchange=s.name("x"), type="nosuchtype")


# --- existing, exclusive, in-use ----------------------------------------------------------------

@script
def delete_conditions(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, auto_delete=False)
    s.publish(c, 1, routing_key=q, body=b"one")
    s.call(c, 1, "queue.delete", queue=q, if_empty=True)
    s.open_channel(c, 2)
    s.call(c, 2, "basic.consume", queue=q, consumer_tag="t1", no_ack=True)
    s.call(c, 2, "queue.purge", queue=q)
    s.call(c, 2, "queue.delete", queue=q, if_unused=True)
    s.open_channel(c, 3)
    s.call(c, 3, "queue.delete", queue=q)
    x = s.name("x")
    s.call(c, 3, "exchange.declare", exchange=x, type="fanout")
    s.call(c, 3, "queue.declare", queue=s.name("q2"), exclusive=True)
    s.call(c, 3, "queue.bind", queue=s.name("q2"), exchange=x)
    s.call(c, 3, "exchange.delete", exchange=x, if_unused=True)
    s.open_channel(c, 4)
    s.call(c, 4, "exchange.delete", exchange=x)
    s.call(c, 4, "exchange.delete", exchange=x)


@script
def exclusive_from_other_connection(s):
    a = s.connect("a")
    b = s.connect("b")
    s.open_channel(a)
    q = s.name("q")
    s.call(a, 1, "queue.declare", queue=q, exclusive=True)
    for i, (method, args) in enumerate([
            ("queue.declare", dict(queue=q, passive=True)),
            ("queue.declare", dict(queue=q)),
            ("queue.bind", dict(queue=q, exchange="amq.fanout")),
            ("queue.purge", dict(queue=q)),
            ("queue.delete", dict(queue=q)),
            ("basic.consume", dict(queue=q)),
            ("basic.get", dict(queue=q)),
            ("queue.unbind", dict(queue=q, exchange="amq.fanout"))], start=1):
        s.open_channel(b, i)
        s.call(b, i, method, **args)
    s.call(a, 1, "channel.close", reply_code=200)
    s.call(a, 0, "connection.close", reply_code=200)
    s.open_channel(b, 20)
    s.call(b, 20, "queue.declare", queue=q, passive=True)


@script
def declare_equivalence(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, auto_delete=True, arguments={"x-max-length": 10})
    s.call(c, 1, "queue.declare", queue=q, auto_delete=True, arguments={"x-max-length": 10})
    s.call(c, 1, "queue.declare", queue=q, auto_delete=True, passive=True, durable=True)
    s.call(c, 1, "queue.declare", queue=q, auto_delete=True, arguments={"x-max-length": 11})
    s.open_channel(c, 2)
    s.call(c, 2, "queue.declare", queue=q, auto_delete=False, arguments={"x-max-length": 10})
    s.open_channel(c, 3)
    s.call(c, 3, "queue.declare", queue=q, auto_delete=True, durable=True, arguments={"x-max-length": 10})
    s.open_channel(c, 4)
    x = s.name("x")
    s.call(c, 4, "exchange.declare", exchange=x, type="topic", auto_delete=True)
    s.call(c, 4, "exchange.declare", exchange=x, type="direct", auto_delete=True)
    s.open_channel(c, 5)
    s.call(c, 5, "exchange.declare", exchange=x, type="topic", durable=True)
    s.open_channel(c, 6)
    s.call(c, 6, "exchange.delete", exchange=x)
    s.call(c, 6, "queue.delete", queue=q)


@script
def bad_queue_arguments(s):
    c = s.connect()
    for i, args in enumerate([{"x-max-length": -1}, {"x-message-ttl": -5}, {"x-expires": 0},
                              {"x-max-priority": 300}, {"x-max-length": "ten"}, {"x-overflow": "nope"},
                              {"x-queue-type": "stream"}, {"x-dead-letter-routing-key": "k"}], start=1):
        s.open_channel(c, i)
        s.call(c, i, "queue.declare", queue=s.name("q%d" % i), exclusive=True, arguments=args)


# --- consumers and the order of server-initiated frames ----------------------------------------

@script
def delete_queue_with_consumer(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q)
    s.call(c, 1, "basic.consume", queue=q, consumer_tag="ct")
    s.call(c, 1, "queue.delete", queue=q)           # delete-ok, then basic.cancel
    s.call(c, 1, "basic.cancel", consumer_tag="ct")  # cancelling a gone consumer: cancel-ok
    s.call(c, 1, "queue.declare", queue=q)
    s.open_channel(c, 2)
    s.call(c, 2, "basic.consume", queue=q, consumer_tag="ct2")
    s.call(c, 1, "queue.delete", queue=q, label="delete from another channel")


@script
def delete_queue_with_consumer_other_connection(s):
    a = s.connect("a")
    b = s.connect("b")
    s.open_channel(a)
    s.open_channel(b)
    q = s.name("q")
    s.call(a, 1, "queue.declare", queue=q)
    s.call(b, 1, "basic.consume", queue=q, consumer_tag="ct")
    s.call(a, 1, "queue.delete", queue=q)


@script
def auto_delete_on_cancel(s):
    c = s.connect()
    s.open_channel(c)
    q, x = s.name("q"), s.name("x")
    s.call(c, 1, "exchange.declare", exchange=x, type="direct", auto_delete=True)
    s.call(c, 1, "queue.declare", queue=q, auto_delete=True)
    s.call(c, 1, "queue.bind", queue=q, exchange=x, routing_key="k")
    s.call(c, 1, "basic.consume", queue=q, consumer_tag="ct")
    s.call(c, 1, "basic.cancel", consumer_tag="ct")
    s.call(c, 1, "queue.declare", queue=q, passive=True)
    s.open_channel(c, 2)
    s.call(c, 2, "queue.unbind", queue=q, exchange=x, routing_key="k")   # aio-pika's RPC close
    s.call(c, 2, "exchange.declare", exchange=x, type="direct", passive=True)


@script
def consume_deliver_ack(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    for i in range(3):
        s.publish(c, 1, routing_key=q, body=b"m%d" % i, props={"message-id": "id%d" % i, "priority": 1,
                                                               "headers": {"h": i}})
    s.call(c, 1, "basic.qos", prefetch_count=2)
    s.call(c, 1, "basic.consume", queue=q, consumer_tag="ct", settle=0.2)
    s.call(c, 1, "basic.ack", delivery_tag=1, settle=0.2)
    s.call(c, 1, "basic.nack", delivery_tag=2, requeue=True, settle=0.2)
    s.call(c, 1, "basic.reject", delivery_tag=3, requeue=False, settle=0.2)
    s.call(c, 1, "basic.ack", delivery_tag=4, settle=0.2)
    s.call(c, 1, "basic.cancel", consumer_tag="ct")
    s.call(c, 1, "basic.recover", requeue=True, settle=0.1)
    s.call(c, 1, "basic.get", queue=q, no_ack=False)
    s.call(c, 1, "basic.get", queue=q)


@script
def ack_errors(s):
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "basic.ack", delivery_tag=99)
    s.open_channel(c, 2)
    s.call(c, 2, "basic.reject", delivery_tag=1)
    s.open_channel(c, 3)
    s.call(c, 3, "basic.nack", delivery_tag=0, multiple=True)
    q = s.name("q")
    s.call(c, 3, "queue.declare", queue=q, exclusive=True)
    s.publish(c, 3, routing_key=q)
    s.call(c, 3, "basic.get", queue=q, no_ack=False)
    s.call(c, 3, "basic.ack", delivery_tag=1)
    s.call(c, 3, "basic.ack", delivery_tag=1)      # double ack: 406 unknown delivery tag


@script
def consumer_tags(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    s.call(c, 1, "basic.consume", queue=q, consumer_tag="same")
    s.call(c, 1, "basic.consume", queue=q)
    s.call(c, 1, "basic.cancel", consumer_tag="nosuch")
    s.call(c, 1, "basic.consume", queue=q, consumer_tag="same")
    s.open_channel(c, 2)
    s.call(c, 2, "basic.consume", queue=q, consumer_tag="x", exclusive=True)


@script
def exclusive_consumer(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    s.call(c, 1, "basic.consume", queue=q, consumer_tag="a", exclusive=True)
    s.open_channel(c, 2)
    s.call(c, 2, "basic.consume", queue=q, consumer_tag="b")
    s.open_channel(c, 3)
    s.call(c, 3, "basic.cancel", consumer_tag="a")
    s.call(c, 1, "basic.cancel", consumer_tag="a")
    s.call(c, 3, "basic.consume", queue=q, consumer_tag="b")


@script
def mandatory_return_and_confirms(s):
    c = s.connect()
    s.open_channel(c)
    s.call(c, 1, "confirm.select")
    s.call(c, 1, "confirm.select")
    s.publish(c, 1, exchange="amq.direct", routing_key="nowhere", mandatory=True, body=b"r")
    s.publish(c, 1, exchange="amq.direct", routing_key="nowhere", body=b"dropped")
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    s.publish(c, 1, routing_key=q, mandatory=True, body=b"ok")
    s.publish(c, 1, routing_key=q, immediate=True, body=b"imm")
    s.open_channel(c, 2)
    s.call(c, 2, "confirm.select", nowait=True)
    s.call(c, 2, "tx.select")


@script
def tx_session(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    s.call(c, 1, "tx.commit")
    s.open_channel(c, 2)
    s.call(c, 2, "tx.rollback")
    s.open_channel(c, 3)
    s.call(c, 3, "tx.select")
    s.call(c, 3, "tx.select")
    s.publish(c, 3, routing_key=q, body=b"a")
    s.publish(c, 3, exchange="amq.direct", routing_key="nowhere", mandatory=True, body=b"ret")
    s.call(c, 3, "queue.declare", queue=q, passive=True)
    s.call(c, 3, "tx.rollback")
    s.call(c, 3, "queue.declare", queue=q, passive=True)
    s.publish(c, 3, routing_key=q, body=b"b")
    s.call(c, 3, "tx.commit")
    s.call(c, 3, "basic.get", queue=q, no_ack=False)
    s.call(c, 3, "basic.ack", delivery_tag=1)
    s.call(c, 3, "tx.rollback")
    s.call(c, 3, "basic.get", queue=q, no_ack=True)
    s.call(c, 3, "confirm.select")


@script
def bindings_and_routing(s):
    c = s.connect()
    s.open_channel(c)
    x1, x2, q = s.name("x1"), s.name("x2"), s.name("q")
    s.call(c, 1, "exchange.declare", exchange=x1, type="topic", auto_delete=True)
    s.call(c, 1, "exchange.declare", exchange=x2, type="headers", auto_delete=True)
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    s.call(c, 1, "exchange.bind", destination=x2, source=x1, routing_key="a.#")
    s.call(c, 1, "exchange.bind", destination=x2, source=x1, routing_key="a.#")   # duplicate
    s.call(c, 1, "queue.bind", queue=q, exchange=x2, arguments={"x-match": "any", "h": "v"})
    s.publish(c, 1, exchange=x1, routing_key="a.b", props={"headers": {"h": "v"}}, body=b"routed", mandatory=True)
    s.publish(c, 1, exchange=x1, routing_key="a.b", props={"headers": {"h": "w"}}, body=b"nomatch", mandatory=True)
    s.publish(c, 1, exchange=x1, routing_key="b.a", body=b"nokey", mandatory=True)
    s.call(c, 1, "basic.get", queue=q)
    s.call(c, 1, "basic.get", queue=q)
    s.call(c, 1, "exchange.unbind", destination=x2, source=x1, routing_key="a.#")
    s.publish(c, 1, exchange=x1, routing_key="a.b", props={"headers": {"h": "v"}}, body=b"gone", mandatory=True)
    s.call(c, 1, "queue.unbind", queue=q, exchange=x2, arguments={"x-match": "any", "h": "v"})
    s.call(c, 1, "exchange.declare", exchange=x2, type="headers", passive=True, label="x2 auto-deleted?")
    s.open_channel(c, 2)
    s.call(c, 2, "exchange.declare", exchange=x1, type="topic", passive=True, label="x1 auto-deleted?")


@script
def purge_with_unacked_and_misc(s):
    c = s.connect()
    s.open_channel(c)
    q = s.name("q")
    s.call(c, 1, "queue.declare", queue=q, exclusive=True)
    for i in range(4):
        s.publish(c, 1, routing_key=q, body=b"m%d" % i)
    s.call(c, 1, "basic.get", queue=q, no_ack=False)
    s.call(c, 1, "queue.purge", queue=q)
    s.call(c, 1, "basic.nack", delivery_tag=1, requeue=True)
    s.call(c, 1, "queue.declare", queue=q, passive=True)
    s.call(c, 1, "queue.declare", queue="", exclusive=True, label="server-named queue")
    s.call(c, 1, "queue.purge", queue="", label="purge the last declared queue")
    s.call(c, 1, "basic.get", queue="", label="get from the last declared queue")
    s.call(c, 0, "connection.update-secret", new_secret=b"x", reason="test")
    s.call(c, 1, "basic.recover-async", requeue=True)


import differential_lifecycle  # noqa: E402,F401  (registers the lifecycle and number scripts)
