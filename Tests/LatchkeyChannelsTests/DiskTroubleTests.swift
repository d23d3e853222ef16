// Disk trouble on the AMQP side: while the log reports a write error, a persistent message bound
// for a durable queue is refused (basic.nack on a confirm channel; otherwise dropped with
// connection.blocked("disk write failed") until the disk recovers), while transient messages,
// non-durable queues and reads of stored messages keep working.
import LatchkeyAMQP
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

@Suite("Disk trouble") struct DiskTroubleTests {
    static let persistent = BasicProperties(deliveryMode: 2)
    static let misconf = LogFailure(operation: .write, code: 28)

    /// A running connection whose client advertises the connection.blocked capability.
    static func blockAware() -> AMQPHarness {
        let h = AMQPHarness()
        h.header()
        var caps = FieldTable()
        caps.append("connection.blocked", .bool(true))
        var props = FieldTable()
        props.append("capabilities", .table(caps))
        h.send(
            .connectionStartOk(
                .init(
                    clientProperties: props, mechanism: bytes("PLAIN"), response: AMQPHarness.plain("guest", "guest"),
                    locale: bytes("en_US"))))
        h.send(.connectionTuneOk(.init(channelMax: 10, frameMax: 131072, heartbeat: 0)))
        h.send(.connectionOpen(.init(virtualHost: bytes("/"))))
        h.openChannel(1)
        _ = h.take()
        return h
    }

    func depth(_ h: AMQPHarness, _ q: String) -> UInt32? {
        h.send(.queueDeclare(.init(queue: bytes(q), passive: true)), channel: 1)
        for m in h.methods() { if case .queueDeclareOk(let ok) = m { return ok.messageCount } }
        return nil
    }

    @Test(
        "confirm channel - a persistent publish to a durable queue is nacked while the log fails, acked once it recovers"
    ) func confirmNack() {
        let h = AMQPHarness.running()
        h.declare("d", durable: true)
        h.declare("t")
        h.publish("stored", rk: "d", properties: Self.persistent)
        h.send(.confirmSelect(.init()), channel: 1)
        _ = h.take()
        h.context.persistence.writeFailure = Self.misconf
        h.publish("p", rk: "d", properties: Self.persistent)
        #expect(h.methods() == [.basicNack(.init(deliveryTag: 1, multiple: false, requeue: false))])
        // Transient to the durable queue, persistent to a non-durable one: nothing to log, accepted.
        h.publish("transient", rk: "d")
        h.publish("p-to-t", rk: "t", properties: Self.persistent)
        #expect(
            h.methods() == [
                .basicAck(.init(deliveryTag: 2, multiple: false)), .basicAck(.init(deliveryTag: 3, multiple: false)),
            ])
        #expect(depth(h, "d") == 2)
        // Reads of stored messages keep working.
        h.send(.basicGet(.init(queue: bytes("d"), noAck: true)), channel: 1)
        #expect(h.received().first?.body == "stored")
        h.context.persistence.writeFailure = nil
        h.publish("p2", rk: "d", properties: Self.persistent)
        #expect(h.methods() == [.basicAck(.init(deliveryTag: 4, multiple: false))])
        #expect(depth(h, "d") == 2)
    }

    @Test("no confirms - the publish is dropped and the connection blocked once, then unblocked when the disk recovers")
    func blockedUntilRecovered() {
        let h = Self.blockAware()
        h.declare("d", durable: true)
        _ = h.take()
        h.context.persistence.writeFailure = Self.misconf
        h.publish("p", rk: "d", properties: Self.persistent)
        #expect(h.methods() == [.connectionBlocked(.init(reason: bytes("disk write failed")))])
        h.publish("p again", rk: "d", properties: Self.persistent)
        #expect(h.methods().isEmpty)  // told once, and nothing else (no channel close)
        #expect(depth(h, "d") == 0)
        h.front.cron()
        #expect(h.methods().isEmpty)  // still failing
        h.context.persistence.writeFailure = nil
        h.front.cron()
        #expect(h.methods() == [.connectionUnblocked(.init())])
        h.publish("p", rk: "d", properties: Self.persistent)
        #expect(depth(h, "d") == 1)
    }

    @Test("a refused publish through an exchange checks where it would route") func throughExchange() {
        let h = AMQPHarness.running()
        h.declare("d", durable: true)
        h.declare("t")
        h.send(.exchangeDeclare(.init(exchange: bytes("x"), type: bytes("direct"))), channel: 1)
        h.send(.queueBind(.init(queue: bytes("d"), exchange: bytes("x"), routingKey: bytes("to-d"))), channel: 1)
        h.send(.queueBind(.init(queue: bytes("t"), exchange: bytes("x"), routingKey: bytes("to-t"))), channel: 1)
        h.send(.confirmSelect(.init()), channel: 1)
        _ = h.take()
        h.context.persistence.writeFailure = Self.misconf
        h.publish("a", exchange: "x", rk: "to-t", properties: Self.persistent)
        h.publish("b", exchange: "x", rk: "to-d", properties: Self.persistent)
        h.publish("c", exchange: "x", rk: "nowhere", properties: Self.persistent)
        #expect(
            h.methods() == [
                .basicAck(.init(deliveryTag: 1, multiple: false)),
                .basicNack(.init(deliveryTag: 2, multiple: false, requeue: false)),
                .basicAck(.init(deliveryTag: 3, multiple: false)),
            ])
        #expect(depth(h, "t") == 1 && depth(h, "d") == 0)
    }
}
