// Queue arguments that drop or move messages: x-message-ttl, per-message expiration,
// x-max-length(-bytes) with drop-head / reject-publish / reject-publish-dlx, dead-lettering
// with the x-death hook, and the journal hooks for durable things.
import LatchkeyCore
import Testing

@testable import LatchkeyBroker

final class DeathRecorder: MessagePropertyCodec {
    var deaths: [DeathEvent] = []
    func headers(of message: Message) -> Arguments { .empty }
    func deadLettered(_ m: Message, death: DeathEvent) -> (content: Bytes, propertiesCount: Int) {
        deaths.append(death)
        return ([9] + m.content, m.propertiesCount + 1)  // pretend the properties grew
    }
}

@Suite("TTL, overflow and dead-lettering") struct TTLAndOverflowTests {
    @Test("x-message-ttl expires messages at the head") func queueTTL() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [int("x-message-ttl", 1000)])
        try f.publish("old", rk: "q")
        f.clock.advance(ms: 600)
        try f.publish("new", rk: "q")
        f.clock.advance(ms: 400)
        f.broker.cron()
        #expect(q.messageCount == 1)
        #expect(f.drain(q) == ["new"])
        #expect(f.broker.queuedMessages == 0)
    }

    @Test("per-message expiration applies, the lower of the two TTLs wins") func messageTTL() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [int("x-message-ttl", 10_000)])
        try f.publish("short", rk: "q", ttl: 50)
        try f.publish("long", rk: "q", ttl: 60_000)
        f.clock.advance(ms: 50)
        #expect(f.getBody(q) == "long")
        try f.publish("again", rk: "q", ttl: 60_000)
        f.clock.advance(ms: 10_000)
        #expect(f.getBody(q) == nil)
    }

    @Test("TTL 0 delivers to a waiting consumer and otherwise drops") func ttlZero() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [int("x-message-ttl", 0)])
        try f.publish("dropped", rk: "q")
        #expect(f.getBody(q) == nil)
        try f.consume(q, tag: "c", noAck: true)
        try f.publish("delivered", rk: "q")
        #expect(f.sink.bodies == ["delivered"])
    }

    @Test("x-max-length drop-head keeps the newest messages") func dropHead() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [int("x-max-length", 2)])
        for i in 0..<5 { #expect(try f.publish("\(i)", rk: "q").routedQueues == 1) }
        #expect(f.drain(q) == ["3", "4"])
    }

    @Test("x-max-length-bytes counts body bytes") func maxBytes() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [int("x-max-length-bytes", 10)])
        try f.publish("12345", rk: "q")
        try f.publish("67890", rk: "q")
        try f.publish("abc", rk: "q")
        #expect(f.drain(q) == ["67890", "abc"])
    }

    @Test("x-overflow reject-publish refuses new messages (confirm nack), not routed-but-unroutable")
    func rejectPublish() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [int("x-max-length", 1), str("x-overflow", "reject-publish")])
        #expect(try f.publish("a", rk: "q").rejected == false)
        let o = try f.publish("b", rk: "q")
        #expect(o.rejected && !o.unroutable && o.routedQueues == 0)
        #expect(f.drain(q) == ["a"])
    }

    @Test("rejected, expired and overflowed messages go to the dead-letter exchange with x-death") func deadLetter()
        throws
    {
        let f = Fixture()
        let codec = DeathRecorder()
        f.broker.propertyCodec = codec
        try f.broker.declareExchange(
            in: f.vhost, name: b("dlx"), type: b("fanout"), durable: false, autoDelete: false, internal: false,
            arguments: .empty)
        let dead = try f.declare("dead")
        try f.broker.bindQueue(
            in: f.vhost, queue: b("dead"), exchange: b("dlx"), routingKey: [], arguments: .empty, connection: 1)
        let q = try f.declare(
            "work", args: [str("x-dead-letter-exchange", "dlx"), int("x-message-ttl", 100), int("x-max-length", 2)])
        try f.publish("rejected", rk: "work")
        let d = f.broker.get(from: q, noAck: false)!.delivery
        f.broker.discard([d])
        try f.publish("expired", rk: "work")
        f.clock.advance(ms: 100)
        f.broker.cron()
        try f.publish("a", rk: "work")
        try f.publish("b", rk: "work")
        try f.publish("c", rk: "work")  // pushes "a" out
        #expect(codec.deaths.map(\.reason) == [.rejected, .expired, .maxlen])
        #expect(codec.deaths.allSatisfy { $0.queue == b("work") && $0.routingKeys == [b("work")] })
        var got: [String] = []
        while let (dd, _) = f.broker.get(from: dead, noAck: true) {
            #expect(dd.message.exchange == b("dlx"))
            #expect(dd.message.content.first == 9)
            got.append(String(decoding: dd.message.body, as: UTF8.self))
        }
        #expect(got == ["rejected", "expired", "a"])
    }

    @Test("x-dead-letter-routing-key replaces the routing key; a missing DLX just drops") func deadLetterRoutingKey()
        throws
    {
        let f = Fixture()
        let target = try f.declare("target")
        let q = try f.declare(
            "work", args: [str("x-dead-letter-exchange", ""), str("x-dead-letter-routing-key", "target")])
        try f.publish("m", rk: "work")
        f.broker.discard([f.broker.get(from: q, noAck: false)!.delivery])
        #expect(f.drain(target) == ["m"])
        let q2 = try f.declare("w2", args: [str("x-dead-letter-exchange", "nowhere")])
        try f.publish("m", rk: "w2")
        f.broker.discard([f.broker.get(from: q2, noAck: false)!.delivery])
        #expect(f.broker.queuedMessages == 0)
    }

    @Test("journal sees durable queues, bindings and persistent messages only") func journal() throws {
        let f = Fixture()
        let j = RecordingJournal()
        f.broker.journal = j
        let dq = try f.declare("d", durable: true)
        try f.declare("t")
        try f.declare("ex", durable: true, exclusive: true)
        try f.broker.declareExchange(
            in: f.vhost, name: b("x"), type: b("direct"), durable: true, autoDelete: false, internal: false,
            arguments: .empty)
        try f.broker.bindQueue(
            in: f.vhost, queue: b("d"), exchange: b("x"), routingKey: b("k"), arguments: .empty, connection: 1)
        try f.broker.bindQueue(
            in: f.vhost, queue: b("t"), exchange: b("x"), routingKey: b("k"), arguments: .empty, connection: 1)
        let o = try f.publish("p", to: "x", rk: "k", persistent: true)
        #expect(o.persisted && o.routedQueues == 2)
        try f.publish("transient", rk: "d")
        let id = f.broker.get(from: dq, noAck: true)!.delivery.message.id
        _ = try f.broker.deleteQueue(in: f.vhost, named: b("d"), ifUnused: false, ifEmpty: false, connection: 1)
        #expect(j.events == ["declare d", "xdeclare x", "bind x->d", "enq d \(id)", "settle d \(id)", "delete d"])
    }

    @Test("replay rebuilds durable queues with surviving messages in order") func replay() throws {
        let f = Fixture()
        let j = RecordingJournal()
        f.broker.journal = j
        f.broker.beginReplay()
        try f.broker.replayDeclareQueue(vhost: b("/"), name: b("q"), autoDelete: false, arguments: .empty)
        for (i, body) in ["a", "b", "c"].enumerated() {
            let m = Message.make(
                id: UInt64(10 + i), content: b(body), propertiesCount: 0, exchange: [], routingKey: b("q"),
                persistent: true)
            f.broker.replayEnqueue(vhost: b("/"), queue: b("q"), message: m)
        }
        f.broker.replaySettle(vhost: b("/"), queue: b("q"), id: 11)
        try f.broker.replayDeclareQueue(vhost: b("/"), name: b("amq.gen-abc"), autoDelete: false, arguments: .empty)
        f.broker.finishReplay()
        #expect(j.events.isEmpty)
        let q = f.vhost.queues[b("q")]!
        #expect(q.durable)
        #expect(f.drain(q) == ["a", "c"])
        #expect(f.broker.allocateMessageID() == 13)
        #expect(f.vhost.queues[b("amq.gen-abc")] != nil)  // server-named durable queues come back
    }
}
