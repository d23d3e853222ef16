// Exchange declare/delete rules and routing: direct, fanout, topic (* and #), headers
// (x-match all/any), exchange-to-exchange bindings, unroutable outcomes.
import LatchkeyCore
import Testing

@testable import LatchkeyBroker

@Suite("Exchange routing") struct ExchangeRoutingTests {
    func bind(_ f: Fixture, _ q: String, _ ex: String, _ rk: String, _ args: [Argument] = []) throws {
        try f.broker.bindQueue(
            in: f.vhost, queue: b(q), exchange: b(ex), routingKey: b(rk), arguments: Arguments(args), connection: 1)
    }

    func topicMatches(_ pattern: String, _ key: String) throws -> Bool {
        let f = Fixture()
        try f.broker.declareExchange(
            in: f.vhost, name: b("t"), type: b("topic"), durable: false, autoDelete: false, internal: false,
            arguments: .empty)
        try f.declare("q")
        try bind(f, "q", "t", pattern)
        return try f.publish("x", to: "t", rk: key).routedQueues == 1
    }

    @Test(
        "topic patterns match like RabbitMQ",
        arguments: [
            ("a.b.c", "a.b.c", true), ("a.*.c", "a.b.c", true), ("a.*.c", "a.c", false), ("a.#", "a", true),
            ("a.#", "a.b.c", true), ("#", "", true), ("#", "x.y", true), ("*", "", false), ("*", "x", true),
            ("#.c", "c", true), ("#.c", "a.b.c", true), ("#.c", "a.b", false), ("a.#.c", "a.c", true),
            ("a.#.c", "a.x.y.c", true), ("a.#.c", "a.x.y", false), ("*.*", "a.b", true), ("*.*", "a.b.c", false),
            ("a.*.#", "a.b", true), ("a.*.#", "a", false), ("#.#", "a", true), ("a..b", "a..b", true),
            ("a.b", "a.bc", false),
        ]) func topic(_ pattern: String, _ key: String, _ expected: Bool) throws
    { #expect(try topicMatches(pattern, key) == expected) }

    @Test("topic: a message matching several bindings is enqueued once per queue") func topicDedup() throws {
        let f = Fixture()
        let q = try f.declare("q")
        try bind(f, "q", "amq.topic", "a.*")
        try bind(f, "q", "amq.topic", "#")
        try bind(f, "q", "amq.topic", "a.b")
        #expect(try f.publish("x", to: "amq.topic", rk: "a.b").routedQueues == 1)
        #expect(q.messageCount == 1)
        try f.broker.unbindQueue(
            in: f.vhost, queue: b("q"), exchange: b("amq.topic"), routingKey: b("#"), arguments: .empty, connection: 1)
        #expect(try f.publish("y", to: "amq.topic", rk: "z").unroutable)
    }

    @Test("unbind with a missing exchange, queue or binding succeeds (RabbitMQ 3.10); the default exchange is 403")
    func unbindMissing() throws {
        let f = Fixture()
        try f.broker.unbindQueue(
            in: f.vhost, queue: b("nq"), exchange: b("nx"), routingKey: b("k"), arguments: .empty, connection: 1)
        _ = try f.declare("q", exclusive: true, connection: 7)
        try f.broker.unbindQueue(
            in: f.vhost, queue: b("q"), exchange: b("nx"), routingKey: b("k"), arguments: .empty, connection: 1)
        try f.broker.unbindQueue(
            in: f.vhost, queue: b("q"), exchange: b("amq.direct"), routingKey: b("k"), arguments: .empty, connection: 1)
        try f.broker.unbindExchange(
            in: f.vhost, destination: b("nx"), source: b("amq.direct"), routingKey: b("k"), arguments: .empty)
        try f.broker.unbindExchange(
            in: f.vhost, destination: b("amq.fanout"), source: b("ny"), routingKey: b("k"), arguments: .empty)
        #expect(throws: BrokerError.defaultExchange) {
            try f.broker.unbindQueue(
                in: f.vhost, queue: b("q"), exchange: b(""), routingKey: b("k"), arguments: .empty, connection: 1)
        }
    }

    @Test("direct and fanout route by key / to all") func directFanout() throws {
        let f = Fixture()
        let a = try f.declare("a")
        let c = try f.declare("c")
        try bind(f, "a", "amq.direct", "k1")
        try bind(f, "c", "amq.direct", "k2")
        try bind(f, "a", "amq.fanout", "ignored")
        try bind(f, "c", "amq.fanout", "")
        try bind(f, "c", "amq.fanout", "")  // duplicate binding is a no-op
        #expect(try f.publish("1", to: "amq.direct", rk: "k1").routedQueues == 1)
        #expect(try f.publish("2", to: "amq.direct", rk: "nope").unroutable)
        #expect(try f.publish("3", to: "amq.fanout", rk: "whatever").routedQueues == 2)
        #expect(f.drain(a) == ["1", "3"])
        #expect(f.drain(c) == ["3"])
        #expect(f.vhost.exchanges[b("amq.fanout")]!.bindings.count == 2)
    }

    @Test("default exchange routes by queue name; binding to it is 403") func defaultExchange() throws {
        let f = Fixture()
        try f.declare("q")
        #expect(try f.publish("x", rk: "q").routedQueues == 1)
        #expect(try f.publish("x", rk: "other").unroutable)
        #expect(throws: BrokerError.accessRefused("operation not permitted on the default exchange")) {
            try bind(f, "q", "", "q")
        }
    }

    @Test("headers exchange: x-match all and any, void matches presence") func headers() throws {
        final class Codec: MessagePropertyCodec {
            var headers: Arguments = .empty
            func headers(of message: Message) -> Arguments { headers }
            func deadLettered(_ m: Message, death: DeathEvent) -> (content: Bytes, propertiesCount: Int) {
                (m.content, m.propertiesCount)
            }
        }
        let f = Fixture()
        let codec = Codec()
        f.broker.propertyCodec = codec
        try f.declare("all")
        try f.declare("any")
        try bind(f, "all", "amq.headers", "", [str("x-match", "all"), str("format", "pdf"), int("size", 3)])
        try bind(f, "any", "amq.match", "", [str("x-match", "any"), str("format", "pdf"), Argument(b("k"), .void)])
        codec.headers = Arguments([str("format", "pdf"), Argument(b("size"), .integer(3, typeName: "long"))])
        #expect(try f.publish("1", to: "amq.headers", rk: "").routedQueues == 1)
        codec.headers = Arguments([str("format", "pdf")])
        #expect(try f.publish("2", to: "amq.headers", rk: "").unroutable)
        #expect(try f.publish("3", to: "amq.match", rk: "").routedQueues == 1)
        codec.headers = Arguments([int("k", 9)])
        #expect(try f.publish("4", to: "amq.match", rk: "").routedQueues == 1)
        codec.headers = Arguments([str("format", "doc")])
        #expect(try f.publish("5", to: "amq.match", rk: "").unroutable)
    }

    @Test("exchange-to-exchange bindings route through, without loops") func e2e() throws {
        let f = Fixture()
        try f.broker.declareExchange(
            in: f.vhost, name: b("x1"), type: b("fanout"), durable: false, autoDelete: false, internal: false,
            arguments: .empty)
        try f.broker.declareExchange(
            in: f.vhost, name: b("x2"), type: b("direct"), durable: false, autoDelete: false, internal: true,
            arguments: .empty)
        try f.broker.bindExchange(in: f.vhost, destination: b("x2"), source: b("x1"), routingKey: [], arguments: .empty)
        try f.broker.bindExchange(
            in: f.vhost, destination: b("x1"), source: b("x2"), routingKey: b("k"), arguments: .empty)
        let q = try f.declare("q")
        try bind(f, "q", "x2", "k")
        #expect(try f.publish("m", to: "x1", rk: "k").routedQueues == 1)
        #expect(q.messageCount == 1)
        #expect(throws: BrokerError.accessRefused("cannot publish to internal exchange 'x2' in vhost '/'")) {
            try f.publish("m", to: "x2", rk: "k")
        }
    }

    @Test("exchange declare rules: unknown type 503, amq. reserved, inequivalent type, system delete refused")
    func declareRules() throws {
        let f = Fixture()
        func declare(_ name: String, _ type: String, durable: Bool = false) throws(BrokerError) {
            try f.broker.declareExchange(
                in: f.vhost, name: b(name), type: b(type), durable: durable, autoDelete: false, internal: false,
                arguments: .empty)
        }
        #expect(throws: BrokerError.commandInvalid("unknown exchange type 'bogus'")) { try declare("e", "bogus") }
        #expect(throws: BrokerError.accessRefused("exchange name 'amq.foo' contains reserved prefix 'amq.*'")) {
            try declare("amq.foo", "direct")
        }
        try declare("amq.direct", "direct", durable: true)  // redeclaring a system exchange equivalently is fine
        try declare("ex2", "direct")
        #expect(
            throws: BrokerError.preconditionFailed(
                "inequivalent arg 'type' for exchange 'ex2' in vhost '/': received 'fanout' but current is 'direct'")
        ) { try declare("ex2", "fanout") }
        #expect(throws: BrokerError.accessRefused("deletion of system exchange 'amq.direct' in vhost '/' not allowed"))
        { try f.broker.deleteExchange(in: f.vhost, named: b("amq.direct"), ifUnused: false) }
        #expect(throws: BrokerError.notFound("no exchange 'noex' in vhost '/'")) {
            try f.publish("x", to: "noex", rk: "")
        }
        try f.broker.deleteExchange(in: f.vhost, named: b("missing"), ifUnused: false)
    }

    @Test("exchange delete if-unused, and auto-delete exchanges go with their last binding") func exchangeDelete()
        throws
    {
        let f = Fixture()
        try f.broker.declareExchange(
            in: f.vhost, name: b("ad"), type: b("direct"), durable: false, autoDelete: true, internal: false,
            arguments: .empty)
        try f.declare("q")
        try bind(f, "q", "ad", "k")
        #expect(throws: BrokerError.preconditionFailed("exchange 'ad' in vhost '/' in use")) {
            try f.broker.deleteExchange(in: f.vhost, named: b("ad"), ifUnused: true)
        }
        _ = try f.broker.deleteQueue(in: f.vhost, named: b("q"), ifUnused: false, ifEmpty: false, connection: 1)
        #expect(f.vhost.exchanges[b("ad")] == nil)
    }

    @Test("alternate-exchange receives what the exchange cannot route") func alternateExchange() throws {
        let f = Fixture()
        try f.broker.declareExchange(
            in: f.vhost, name: b("main"), type: b("direct"), durable: false, autoDelete: false, internal: false,
            arguments: Arguments([str("alternate-exchange", "amq.fanout")]))
        let q = try f.declare("q")
        let spill = try f.declare("spill")
        try bind(f, "q", "main", "k")
        try bind(f, "spill", "amq.fanout", "")
        #expect(try f.publish("routed", to: "main", rk: "k").routedQueues == 1)
        #expect(try f.publish("spilled", to: "main", rk: "other").routedQueues == 1)
        #expect(f.drain(q) == ["routed"])
        #expect(f.drain(spill) == ["spilled"])
    }
}
