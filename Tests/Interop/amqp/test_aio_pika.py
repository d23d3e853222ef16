"""aio-pika / aiormq with their defaults: publisher confirms on, mandatory on, server_properties read.

Each test runs its coroutine under asyncio.run with an overall wait_for bound, so a missing reply
fails the test instead of hanging it.
"""
import asyncio

import aio_pika
import aiormq.exceptions
import pytest

BOUND = 20  # seconds per scenario


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, BOUND))


def test_defaults_publish_get_ack(amqp_server, uniq):
    async def scenario():
        conn = await aio_pika.connect(amqp_server.url)
        async with conn:
            caps = conn.transport.connection.server_properties["capabilities"]
            assert caps["publisher_confirms"] is True and caps["basic.nack"] is True
            ch = await conn.channel()  # publisher_confirms=True by default
            q = await ch.declare_queue(uniq(), auto_delete=False)
            headers = {"k": "v", "n": 42, "nested": {"x": True}}
            confirm = await ch.default_exchange.publish(
                aio_pika.Message(b"hello", headers=headers, content_type="text/plain", correlation_id="c1",
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id="m1"),
                routing_key=q.name)  # mandatory=True by default
            assert confirm is not None  # the Basic.Ack frame
            msg = await q.get(timeout=5)
            assert msg.body == b"hello" and msg.headers == headers
            assert msg.content_type == "text/plain" and msg.correlation_id == "c1" and msg.message_id == "m1"
            assert msg.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
            await msg.ack()
            assert await q.get(fail=False) is None
            await q.delete()
    run(scenario())


def test_unroutable_mandatory_is_returned(amqp_server, uniq):
    async def scenario():
        async with await aio_pika.connect(amqp_server.url) as conn:
            ch = await conn.channel()
            returned = await ch.default_exchange.publish(aio_pika.Message(b"lost"), routing_key=uniq("nowhere"))
            assert returned.delivery.reply_code == 312 and returned.body == b"lost"
            strict = await conn.channel(on_return_raises=True)
            with pytest.raises(aiormq.exceptions.PublishError) as e:
                await strict.default_exchange.publish(aio_pika.Message(b"lost"), routing_key=uniq("nowhere"))
            assert "NO_ROUTE" in str(e.value)
            # mandatory=False: silently dropped and confirmed.
            await ch.default_exchange.publish(aio_pika.Message(b"drop"), routing_key=uniq("nowhere"),
                                              mandatory=False)
    run(scenario())


def test_consumer_iterator_with_qos(amqp_server, uniq):
    async def scenario():
        async with await aio_pika.connect(amqp_server.url) as conn:
            ch = await conn.channel()
            await ch.set_qos(prefetch_count=10)
            q = await ch.declare_queue(uniq(), auto_delete=True)
            for i in range(100):
                await ch.default_exchange.publish(aio_pika.Message(b"%d" % i), routing_key=q.name)
            got = []
            async with q.iterator() as it:
                async for message in it:
                    async with message.process():
                        got.append(int(message.body))
                    if len(got) == 100:
                        break
            assert got == list(range(100))
    run(scenario())


def test_topic_exchange_and_reject_requeue(amqp_server, uniq):
    async def scenario():
        async with await aio_pika.connect(amqp_server.url) as conn:
            ch = await conn.channel()
            ex = await ch.declare_exchange(uniq("aiotopic"), aio_pika.ExchangeType.TOPIC, auto_delete=True)
            q = await ch.declare_queue(uniq(), exclusive=True)
            await q.bind(ex, routing_key="orders.*.created")
            await ex.publish(aio_pika.Message(b"o1"), routing_key="orders.eu.created")
            returned = await ex.publish(aio_pika.Message(b"o2"), routing_key="orders.eu.deleted")
            assert returned.delivery.reply_code == 312  # mandatory, no binding matched
            m = await q.get(timeout=5)
            assert m.body == b"o1" and not m.redelivered
            await m.reject(requeue=True)
            m = await q.get(timeout=5)
            assert m.body == b"o1" and m.redelivered
            await m.ack()
            await q.unbind(ex, routing_key="orders.*.created")
    run(scenario())


def test_rpc_pattern(amqp_server, uniq):
    async def scenario():
        async with await aio_pika.connect(amqp_server.url) as conn:
            server_ch = await conn.channel()
            rpc_q = await server_ch.declare_queue(uniq("aiorpc"), auto_delete=True)

            async def on_request(message: aio_pika.abc.AbstractIncomingMessage):
                async with message.process():
                    await server_ch.default_exchange.publish(
                        aio_pika.Message(message.body.upper(), correlation_id=message.correlation_id),
                        routing_key=message.reply_to)
            await rpc_q.consume(on_request)
            client_ch = await conn.channel()
            callback = await client_ch.declare_queue("", exclusive=True)
            futures = {}

            async def on_response(message):
                futures.pop(message.correlation_id).set_result(message.body)
                await message.ack()
            await callback.consume(on_response)
            loop = asyncio.get_running_loop()
            waits = []
            for i in range(10):
                fut = loop.create_future()
                futures["c%d" % i] = fut
                waits.append(fut)
                await client_ch.default_exchange.publish(
                    aio_pika.Message(b"req%d" % i, correlation_id="c%d" % i, reply_to=callback.name),
                    routing_key=rpc_q.name)
            assert await asyncio.gather(*waits) == [b"REQ%d" % i for i in range(10)]
    run(scenario())


def test_channel_error_surfaces(amqp_server, uniq):
    async def scenario():
        async with await aio_pika.connect(amqp_server.url) as conn:
            ch = await conn.channel()
            with pytest.raises(aiormq.exceptions.ChannelNotFoundEntity):
                await ch.declare_queue(uniq("missing"), passive=True)
            ch2 = await conn.channel()
            await ch2.declare_queue(uniq(), auto_delete=True)
    run(scenario())


def test_rpc_pattern_close_unbinds_cleanly(amqp_server):
    """Issue 9 item 1: aio-pika's RPC pattern unbinds its reply queue from an auto-delete exchange
    that the broker already removed when it closes; RabbitMQ answers unbind-ok, so close() must
    not raise (it did against Latchkey: 404 on queue.unbind)."""
    from aio_pika.patterns import RPC

    async def scenario():
        conn = await aio_pika.connect(amqp_server.url)
        async with conn:
            ch = await conn.channel()
            rpc = await RPC.create(ch)

            async def double(*, x):
                return x * 2
            await rpc.register("double-%d" % id(rpc), double, auto_delete=True)
            assert await rpc.call("double-%d" % id(rpc), kwargs={"x": 21}) == 42
            await rpc.close()
            assert not ch.is_closed
    run(scenario())

