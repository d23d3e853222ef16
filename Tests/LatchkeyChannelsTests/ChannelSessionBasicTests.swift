// Session tests for basic.*: publish/get/ack, delivery tags shared by get-ok and deliver,
// unknown-tag 406, requeue order and redelivered flags, consume/deliver/cancel, prefetch,
// mandatory returns, immediate, server-initiated cancel, recover.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyChannels

@Suite("Channel: basic methods") struct ChannelSessionBasicTests {
    func get(_ h: AMQPHarness, _ q: String, noAck: Bool = false, channel: UInt16 = 1) -> Received? {
        h.send(.basicGet(.init(queue: bytes(q), noAck: noAck)), channel: channel)
        return h.received().first
    }

    @Test("publish then get: get-ok with tag, exchange, routing key, remaining count; all properties round-trip")
    func publishGet() {
        let h = AMQPHarness.running()
        h.declare("q")
        _ = h.take()
        var headers = FieldTable()
        headers.append("k", .int32(7))
        let props = BasicProperties(
            contentType: bytes("text/plain"), contentEncoding: bytes("utf-8"), headers: headers, deliveryMode: 2,
            priority: 3, correlationID: bytes("c"), replyTo: bytes("r"), expiration: bytes("60000"),
            messageID: bytes("m"), timestamp: 1_700_000_000, type: bytes("t"), userID: bytes("guest"),
            appID: bytes("a"), clusterID: bytes("cl"))
        h.publish("hello", rk: "q", properties: props)
        h.publish("", rk: "q")
        let r = get(h, "q")
        #expect(
            r?.method
                == .basicGetOk(
                    .init(deliveryTag: 1, redelivered: false, exchange: [], routingKey: bytes("q"), messageCount: 1)))
        #expect(r?.properties == props)
        #expect(r?.body == "hello")
        #expect(get(h, "q")?.body == "")
        h.send(.basicGet(.init(queue: bytes("q"))), channel: 1)
        #expect(h.methods() == [.basicGetEmpty(.init(clusterId: []))])
    }

    @Test("bodies larger than frame_max are split and reassembled") func bigBody() {
        let h = AMQPHarness(config: [:])
        h.handshake(frameMax: 4096)
        h.openChannel(1)
        h.declare("q")
        _ = h.take()
        let big = String(repeating: "x", count: 10_000)
        // The publisher splits too: three body frames.
        var out = AMQPHarness.frame(.basicPublish(.init(routingKey: bytes("q"))), channel: 1)
        var header = Bytes()
        ContentHeader(bodySize: 10_000, properties: BasicProperties()).encode(into: &header)
        out += AMQPHarness.rawFrame(type: 2, channel: 1, payload: header)
        for chunk in stride(from: 0, to: 10_000, by: 4088) {
            out += AMQPHarness.rawFrame(
                type: 3, channel: 1, payload: Bytes(repeating: 0x78, count: min(4088, 10_000 - chunk)))
        }
        h.feed(out)
        h.send(.basicGet(.init(queue: bytes("q"), noAck: true)), channel: 1)
        let frames = h.take()
        #expect(frames.filter { if case .body = $0 { return true } else { return false } }.count == 3)
        var body = Bytes()
        for f in frames { if case .body(_, let b) = f { body += b } }
        #expect(body == Bytes(big.utf8))
    }

    @Test("ack multiple, and an unknown or repeated tag is 406 (60/80)") func ackMultiple() {
        let h = AMQPHarness.running()
        h.declare("q")
        for i in 0..<4 { h.publish("\(i)", rk: "q") }
        _ = h.take()
        for _ in 0..<3 { _ = get(h, "q") }
        h.send(.basicAck(.init(deliveryTag: 2, multiple: true)), channel: 1)
        #expect(h.take().isEmpty)
        let broker = h.front.broker
        let q = broker.vhost(named: bytes("/"))!.queue(named: bytes("q"))!
        #expect(q.unackedCount == 1 && q.messageCount == 1)
        h.send(.basicAck(.init(deliveryTag: 9, multiple: true)), channel: 1)
        #expect(h.closes() == [CloseInfo(406, "PRECONDITION_FAILED - unknown delivery tag 9", 60, 80)])
        // Closing the channel requeued tag 3's message, redelivered, before "3".
        h.send(.channelCloseOk(.init()), channel: 1)
        h.openChannel(1)
        let r = get(h, "q", noAck: true)
        #expect(r?.body == "2")
        if case .basicGetOk(let ok)? = r?.method { #expect(ok.redelivered && ok.deliveryTag == 1) }
    }

    @Test("nack/reject requeue returns messages to their original position, redelivered") func nackRequeue() {
        let h = AMQPHarness.running()
        h.declare("q")
        for i in 0..<3 { h.publish("m\(i)", rk: "q") }
        _ = h.take()
        _ = get(h, "q")
        _ = get(h, "q")
        h.send(.basicNack(.init(deliveryTag: 1, multiple: false, requeue: true)), channel: 1)
        h.send(.basicReject(.init(deliveryTag: 2, requeue: true)), channel: 1)
        let bodies = (0..<3).compactMap { _ in get(h, "q", noAck: true) }
        #expect(bodies.map(\.body) == ["m0", "m1", "m2"])
        if case .basicGetOk(let ok)? = bodies.first?.method { #expect(ok.redelivered && ok.deliveryTag == 3) }
    }

    @Test("consume: consume-ok then deliveries; tags shared with get-ok; round-robin across consumers") func consume() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.publish("early", rk: "q")
        _ = h.take()
        _ = get(h, "q", noAck: true)  // takes tag 1
        h.publish("first", rk: "q")
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("a"))), channel: 1)
        let r = h.received()
        #expect(
            r.map(\.method) == [
                .basicConsumeOk(.init(consumerTag: bytes("a"))),
                .basicDeliver(
                    .init(
                        consumerTag: bytes("a"), deliveryTag: 2, redelivered: false, exchange: [],
                        routingKey: bytes("q"))),
            ])
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes(""))), channel: 1)
        guard case .basicConsumeOk(let ok)? = h.methods().first else {
            Issue.record("no consume-ok")
            return
        }
        #expect(ok.consumerTag.starts(with: bytes("amq.ctag-")))
        h.publish("x", rk: "q")
        h.publish("y", rk: "q")
        let tags = h.received().compactMap { r -> Bytes? in
            if case .basicDeliver(let d) = r.method { return d.consumerTag } else { return nil }
        }
        #expect(tags.count == 2 && Set(tags).count == 2)
    }

    @Test("reused consumer tag is connection 530; exclusive conflict is channel 403") func consumeErrors() {
        let h = AMQPHarness.running()
        h.declare("cx")
        h.send(.basicConsume(.init(queue: bytes("cx"), consumerTag: bytes("a"))), channel: 1)
        _ = h.take()
        h.send(.basicConsume(.init(queue: bytes("cx"), consumerTag: bytes("b"), exclusive: true)), channel: 1)
        #expect(h.closes() == [CloseInfo(403, "ACCESS_REFUSED - queue 'cx' in vhost '/' in exclusive use", 60, 20)])
        h.openChannel(2)
        h.send(.basicConsume(.init(queue: bytes("cx"), consumerTag: bytes("a"))), channel: 2)
        h.send(.basicConsume(.init(queue: bytes("cx"), consumerTag: bytes("a"))), channel: 2)
        let closes = h.closes()
        #expect(closes == [CloseInfo(530, "NOT_ALLOWED - attempt to reuse consumer tag 'a'", 60, 20)])
    }

    @Test("basic.qos prefetch: per-consumer window refills on ack; prefetch_size is 540") func qos() {
        let h = AMQPHarness.running()
        h.declare("q")
        for i in 0..<5 { h.publish("\(i)", rk: "q") }
        h.send(.basicQos(.init(prefetchCount: 2)), channel: 1)
        _ = h.take()
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("c"))), channel: 1)
        #expect(h.received().map(\.body) == ["", "0", "1"])  // consume-ok has no body
        h.send(.basicAck(.init(deliveryTag: 1)), channel: 1)
        #expect(h.received().map(\.body) == ["2"])
        h.send(.basicQos(.init(prefetchSize: 10, prefetchCount: 0)), channel: 1)
        #expect(h.closes() == [CloseInfo(540, "NOT_IMPLEMENTED - prefetch_size!=0 (10)", 60, 10)])
    }

    @Test("cancel: cancel-ok, no more deliveries, unacked stay ackable") func cancel() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("c"))), channel: 1)
        h.publish("a", rk: "q")
        _ = h.take()
        h.send(.basicCancel(.init(consumerTag: bytes("c"))), channel: 1)
        #expect(h.methods() == [.basicCancelOk(.init(consumerTag: bytes("c")))])
        h.publish("b", rk: "q")
        #expect(h.take().isEmpty)
        h.send(.basicAck(.init(deliveryTag: 1)), channel: 1)
        #expect(h.take().isEmpty)
        h.send(.basicCancel(.init(consumerTag: bytes("unknown"))), channel: 1)
        #expect(h.methods() == [.basicCancelOk(.init(consumerTag: bytes("unknown")))])
    }

    @Test("deleting a queue cancels its consumers with basic.cancel for consumer_cancel_notify clients")
    func serverCancel() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("c"))), channel: 1)
        _ = h.take()
        h.openChannel(2)
        h.send(.queueDelete(.init(queue: bytes("q"))), channel: 2)
        // RabbitMQ 3.10's order: the reply first, then the cancel (py-amqp raises on the reverse).
        #expect(
            h.methods() == [
                .queueDeleteOk(.init(messageCount: 0)), .basicCancel(.init(consumerTag: bytes("c"), nowait: true)),
            ])
    }

    @Test("deleting a queue consumed on the same channel: delete-ok, then basic.cancel (RabbitMQ 3.10)")
    func serverCancelSameChannel() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("c"))), channel: 1)
        _ = h.take()
        h.send(.queueDelete(.init(queue: bytes("q"))), channel: 1)
        #expect(
            h.methods() == [
                .queueDeleteOk(.init(messageCount: 0)), .basicCancel(.init(consumerTag: bytes("c"), nowait: true)),
            ])
        // The consumer is gone: cancelling it now is a plain cancel-ok.
        h.send(.basicCancel(.init(consumerTag: bytes("c"))), channel: 1)
        #expect(h.methods() == [.basicCancelOk(.init(consumerTag: bytes("c")))])
    }

    @Test("mandatory unroutable → basic.return 312 NO_ROUTE with the content; immediate → connection 540")
    func mandatoryImmediate() {
        let h = AMQPHarness.running()
        h.publish("lost", rk: "nowhere", mandatory: true)
        let r = h.received()
        #expect(
            r.map(\.method) == [
                .basicReturn(
                    .init(replyCode: 312, replyText: bytes("NO_ROUTE"), exchange: [], routingKey: bytes("nowhere")))
            ])
        #expect(r.first?.body == "lost")
        h.publish("x", rk: "q", immediate: true)
        #expect(h.closes() == [CloseInfo(540, "NOT_IMPLEMENTED - immediate=true", 60, 40)])
    }

    @Test("publish to a missing exchange is 404 (60/40)") func publishMissingExchange() {
        let h = AMQPHarness.running()
        h.publish("x", exchange: "noex", rk: "")
        #expect(h.closes() == [CloseInfo(404, "NOT_FOUND - no exchange 'noex' in vhost '/'", 60, 40)])
    }

    @Test("closing the channel requeues deliveries in original order with redelivered set") func closeRequeues() {
        let h = AMQPHarness.running()
        h.declare("q")
        for i in 0..<3 { h.publish("m\(i)", rk: "q") }
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("c"))), channel: 1)
        _ = h.take()
        h.send(.basicAck(.init(deliveryTag: 2)), channel: 1)
        h.send(.channelClose(.init(replyCode: 200, replyText: [], classId: 0, methodId: 0)), channel: 1)
        _ = h.take()
        h.openChannel(1)
        let a = get(h, "q", noAck: true)
        let b = get(h, "q", noAck: true)
        #expect([a?.body, b?.body] == ["m0", "m2"])
        if case .basicGetOk(let ok)? = a?.method { #expect(ok.redelivered) }
    }

    @Test("basic.recover requeues unacked deliveries") func recover() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.publish("a", rk: "q")
        _ = h.take()
        _ = get(h, "q")
        h.send(.basicRecover(.init(requeue: true)), channel: 1)
        #expect(h.methods() == [.basicRecoverOk(.init())])
        let r = get(h, "q", noAck: true)
        #expect(r?.body == "a")
    }

    @Test("expired messages are not delivered; invalid expiration is 406") func expiration() {
        let h = AMQPHarness.running()
        h.declare("q")
        _ = h.take()
        h.publish("short", rk: "q", properties: BasicProperties(expiration: bytes("100")))
        h.publish("kept", rk: "q")
        (h.context.clock as! ManualClock).advance(ms: 100)
        #expect(get(h, "q", noAck: true)?.body == "kept")
        h.publish("bad", rk: "q", properties: BasicProperties(expiration: bytes("abc")))
        #expect(h.closes() == [CloseInfo(406, "PRECONDITION_FAILED - invalid expiration 'abc': no_integer", 60, 40)])
    }

    @Test(
        "expiration parses like Erlang's string:to_integer with RabbitMQ 3.10's limits and texts",
        arguments: [
            ("+5", "5"), ("0009", "9"), ("-0", "0"), ("315360000000", "315360000000"), ("-1", "{value_negative,-1}"),
            ("-x", "no_integer"), ("", "no_integer"), ("12 ", "{leftover_string,\" \"}"),
            ("315360000001", "{value_too_large,315360000001}"),
            // Past column 80 Erlang's ~p breaks the term, and RabbitMQ's text carries the break.
            (
                "99999999999999999999",
                "{value_too_large,\n" + String(repeating: " ", count: 44) + "99999999999999999999}"
            ),
        ]) func expirationTexts(_ input: String, _ expected: String)
    {
        do {
            let ms = try ChannelSession.expirationMs(Bytes(input.utf8))
            #expect(String(ms) == expected)
        } catch { #expect(error == .preconditionFailed("invalid expiration '\(input)': " + expected)) }
    }

    @Test("a consumer whose socket is backed up stops receiving until its output drains") func backpressure() {
        let h = AMQPHarness.running()
        h.declare("q")
        h.send(.basicConsume(.init(queue: bytes("q"), consumerTag: bytes("c"), noAck: true)), channel: 1)
        _ = h.take()
        let big = String(repeating: "x", count: 1_200_000)
        for _ in 0..<6 { h.publish(big, rk: "q") }
        let q = h.front.broker.vhost(named: bytes("/"))!.queue(named: bytes("q"))!
        #expect(q.messageCount == 2)  // four fit under the 4 MiB high-water mark
        #expect(h.received().count == 4)  // the socket drains
        h.front.cron()
        #expect(q.messageCount == 0)
        #expect(h.received().count == 2)
    }
}
