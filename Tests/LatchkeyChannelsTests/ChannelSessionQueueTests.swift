// Session tests for exchange.* and queue.*: the frames a client gets back, reply codes and
// RabbitMQ's texts, feeding frames through ConnectionSession exactly as the server does.
import LatchkeyAMQP
import LatchkeyBroker
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

@Suite("Channel: exchange and queue methods") struct ChannelSessionQueueTests {
    @Test("queue.declare answers declare-ok with ready count and consumer count") func declareOk() {
        let h = AMQPHarness.running()
        h.declare("q1")
        #expect(h.methods() == [.queueDeclareOk(.init(queue: bytes("q1"), messageCount: 0, consumerCount: 0))])
        h.publish("a", rk: "q1")
        h.publish("b", rk: "q1")
        h.declare("q1")
        #expect(h.methods() == [.queueDeclareOk(.init(queue: bytes("q1"), messageCount: 2, consumerCount: 0))])
    }

    @Test("queue.declare with an empty name gets amq.gen- + 22 chars; nowait sends nothing") func generated() {
        let h = AMQPHarness.running()
        h.declare("")
        guard case .queueDeclareOk(let ok) = h.methods().first else {
            Issue.record("no declare-ok")
            return
        }
        #expect(ok.queue.count == 30 && ok.queue.starts(with: bytes("amq.gen-")))
        h.send(.queueDeclare(.init(queue: bytes("nw"), nowait: true)), channel: 1)
        #expect(h.methods().isEmpty)
    }

    @Test("passive declare of a missing queue closes the channel with 404 (50/10)") func passiveMissing() {
        let h = AMQPHarness.running()
        h.send(.queueDeclare(.init(queue: bytes("nope"), passive: true)), channel: 1)
        #expect(h.closes() == [CloseInfo(404, "NOT_FOUND - no queue 'nope' in vhost '/'", 50, 10)])
        #expect(!h.closed)
    }

    @Test("inequivalent redeclare is 406 with RabbitMQ's text") func inequivalent() {
        let h = AMQPHarness.running()
        h.declare("q1")
        _ = h.take()
        h.declare("q1", durable: true)
        #expect(
            h.closes() == [
                CloseInfo(
                    406,
                    "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'q1' in vhost '/': received 'true' but current is 'false'",
                    50, 10)
            ])
    }

    @Test("x-arguments are typed: a longstr x-max-length is 406") func badArgument() {
        let h = AMQPHarness.running()
        var args = FieldTable()
        args.append("x-max-length", .string("10"))
        h.declare("q", arguments: args)
        #expect(
            h.closes() == [
                CloseInfo(
                    406,
                    "PRECONDITION_FAILED - invalid arg 'x-max-length' for queue 'q' in vhost '/': \"expected integer, got longstr\"",
                    50, 10)
            ])
    }

    @Test("amq. queue names are 403") func reservedQueue() {
        let h = AMQPHarness.running()
        h.declare("amq.foo")
        #expect(
            h.closes() == [
                CloseInfo(403, "ACCESS_REFUSED - queue name 'amq.foo' contains reserved prefix 'amq.*'", 50, 10)
            ])
    }

    @Test("another connection's exclusive queue is 405; it vanishes when its owner disconnects") func exclusive() {
        let owner = AMQPHarness.running()
        owner.declare("exq", exclusive: true)
        _ = owner.take()
        // A second connection on the same front end and broker.
        let other = AMQPHarness(sharing: owner)
        other.handshake()
        other.openChannel(1)
        other.send(.queueDeclare(.init(queue: bytes("exq"), passive: true)), channel: 1)
        let c = other.closes()
        #expect(c.count == 1 && c.first?.code == 405)
        #expect(
            c.first?.text.hasPrefix(
                "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'exq' in vhost '/'") == true)
        owner.session.connectionClosed()
        #expect(owner.front.broker.vhost(named: bytes("/"))!.queue(named: bytes("exq")) == nil)
    }

    @Test("queue.delete: missing succeeds with 0; if-empty violation is 406; delete-ok counts messages") func delete() {
        let h = AMQPHarness.running()
        h.send(.queueDelete(.init(queue: bytes("none"))), channel: 1)
        #expect(h.methods() == [.queueDeleteOk(.init(messageCount: 0))])
        h.declare("rq")
        h.publish("x", rk: "rq")
        _ = h.take()
        h.send(.queueDelete(.init(queue: bytes("rq"), ifEmpty: true)), channel: 1)
        #expect(h.closes() == [CloseInfo(406, "PRECONDITION_FAILED - queue 'rq' in vhost '/' not empty", 50, 40)])
        h.send(.channelCloseOk(.init()), channel: 1)
        h.openChannel(1)
        h.send(.queueDelete(.init(queue: bytes("rq"))), channel: 1)
        #expect(h.methods() == [.queueDeleteOk(.init(messageCount: 1))])
    }

    @Test("queue.purge returns the ready count") func purge() {
        let h = AMQPHarness.running()
        h.declare("q")
        for i in 0..<3 { h.publish("\(i)", rk: "q") }
        _ = h.take()
        h.send(.queuePurge(.init(queue: bytes("q"))), channel: 1)
        #expect(h.methods() == [.queuePurgeOk(.init(messageCount: 3))])
    }

    @Test("exchange.declare: unknown type is connection 503 (40/10); inequivalent type is 406") func exchangeDeclare() {
        let h = AMQPHarness.running()
        h.send(.exchangeDeclare(.init(exchange: bytes("ex2"), type: bytes("direct"))), channel: 1)
        #expect(h.methods() == [.exchangeDeclareOk(.init())])
        h.send(.exchangeDeclare(.init(exchange: bytes("ex2"), type: bytes("fanout"))), channel: 1)
        #expect(
            h.closes() == [
                CloseInfo(
                    406,
                    "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'ex2' in vhost '/': received 'fanout' but current is 'direct'",
                    40, 10)
            ])
        h.send(.channelCloseOk(.init()), channel: 1)
        h.openChannel(1)
        h.send(.exchangeDeclare(.init(exchange: bytes(""), type: bytes("direct"), passive: true)), channel: 1)
        #expect(
            h.closes() == [CloseInfo(403, "ACCESS_REFUSED - operation not permitted on the default exchange", 40, 10)])
        h.send(.channelCloseOk(.init()), channel: 1)
        h.openChannel(1)
        h.send(.exchangeDeclare(.init(exchange: bytes("e"), type: bytes("bogus"))), channel: 1)
        #expect(h.closes() == [CloseInfo(503, "COMMAND_INVALID - unknown exchange type 'bogus'", 40, 10)])
    }

    @Test("binding to the default exchange is 403; bind to a missing exchange is 404 (50/20)") func bindErrors() {
        let h = AMQPHarness.running()
        h.declare("q")
        _ = h.take()
        h.send(.queueBind(.init(queue: bytes("q"), exchange: bytes(""), routingKey: bytes("q"))), channel: 1)
        #expect(
            h.closes() == [CloseInfo(403, "ACCESS_REFUSED - operation not permitted on the default exchange", 50, 20)])
        h.send(.channelCloseOk(.init()), channel: 1)
        h.openChannel(1)
        h.send(.queueBind(.init(queue: bytes("q"), exchange: bytes("nox"), routingKey: bytes("k"))), channel: 1)
        #expect(h.closes() == [CloseInfo(404, "NOT_FOUND - no exchange 'nox' in vhost '/'", 50, 20)])
    }

    @Test("topic exchange: bind, publish, routed by pattern") func topicRouting() {
        let h = AMQPHarness.running()
        h.send(.exchangeDeclare(.init(exchange: bytes("logs"), type: bytes("topic"))), channel: 1)
        h.declare("errors")
        h.send(
            .queueBind(.init(queue: bytes("errors"), exchange: bytes("logs"), routingKey: bytes("*.error.#"))),
            channel: 1)
        #expect(h.methods().count == 3)
        h.publish("yes", exchange: "logs", rk: "db.error.disk")
        h.publish("no", exchange: "logs", rk: "db.info")
        h.send(.basicGet(.init(queue: bytes("errors"), noAck: true)), channel: 1)
        let r = h.received()
        #expect(r.map(\.body) == ["yes"])
        #expect(
            r.first?.method
                == .basicGetOk(
                    .init(
                        deliveryTag: 1, redelivered: false, exchange: bytes("logs"), routingKey: bytes("db.error.disk"),
                        messageCount: 0)))
    }

    @Test("headers exchange matches on the message's headers property; exchange.bind routes through")
    func headersAndE2E() {
        let h = AMQPHarness.running()
        var bindArgs = FieldTable()
        bindArgs.append("x-match", .string("all"))
        bindArgs.append("format", .string("pdf"))
        bindArgs.append("size", .int64(3))
        h.declare("pdfs")
        h.send(.queueBind(.init(queue: bytes("pdfs"), exchange: bytes("amq.headers"), arguments: bindArgs)), channel: 1)
        h.send(.exchangeDeclare(.init(exchange: bytes("front"), type: bytes("fanout"))), channel: 1)
        h.send(.exchangeBind(.init(destination: bytes("amq.headers"), source: bytes("front"))), channel: 1)
        #expect(h.methods().count == 4)
        var headers = FieldTable()
        headers.append("format", .string("pdf"))
        headers.append("size", .int8(3))  // integers match by value whatever their width
        h.publish("yes", exchange: "front", rk: "", properties: BasicProperties(headers: headers))
        h.publish(
            "no", exchange: "front", rk: "",
            properties: BasicProperties(headers: FieldTable([FieldEntry(bytes("format"), .string("doc"))])))
        h.send(.basicGet(.init(queue: bytes("pdfs"), noAck: true)), channel: 1)
        h.send(.basicGet(.init(queue: bytes("pdfs"), noAck: true)), channel: 1)
        let r = h.received()
        #expect(r.map(\.body) == ["yes", ""])
        #expect(r.last?.method == .basicGetEmpty(.init(clusterId: [])))
    }

    @Test("an unimplemented method is connection 540 naming it") func notImplemented() {
        let h = AMQPHarness.running()
        h.send(.basicRecover(.init(requeue: false)), channel: 1)
        #expect(h.closes() == [CloseInfo(540, "NOT_IMPLEMENTED - requeue=false", 60, 110)])
    }
}
