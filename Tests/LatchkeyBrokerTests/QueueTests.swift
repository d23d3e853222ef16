// Queue semantics: FIFO, requeue to the original position, declare rules and texts, delete,
// purge, exclusive and auto-delete lifecycle, x-expires.
import LatchkeyCore
import Testing

@testable import LatchkeyBroker

@Suite("Queue") struct QueueTests {
    @Test("publish/get is exact FIFO and message-count counts what is left") func fifo() throws {
        let f = Fixture()
        let q = try f.declare("q")
        for i in 0..<100 { try f.publish("m\(i)", rk: "q") }
        let (d, remaining) = try #require(f.broker.get(from: q, noAck: true))
        #expect(d.message.body.elementsEqual(b("m0")))
        #expect(remaining == 99)
        #expect(f.drain(q) == (1..<100).map { "m\($0)" })
    }

    @Test("a large backlog drains in order through ring growth and shrinking, requeues included") func largeBacklog()
        throws
    {
        let f = Fixture()
        let q = try f.declare("q")
        for i in 0..<20_000 { try f.publish("\(i)", rk: "q") }
        var held: [Delivery] = []
        for _ in 0..<10 { held.append(f.broker.get(from: q, noAck: false)!.delivery) }
        var got: [String] = []
        for _ in 0..<15_000 { got.append(f.getBody(q)!) }
        f.broker.requeue(held)
        got += f.drain(q)
        #expect(got.count == 20_000)
        #expect(Array(got[0..<15_000]) == (10..<15_010).map(String.init))
        #expect(Array(got[15_000..<15_010]) == (0..<10).map(String.init))
        #expect(Array(got[15_010...]) == (15_010..<20_000).map(String.init))
    }

    @Test("nack/requeue puts messages back at their original position with redelivered") func requeueOrder() throws {
        let f = Fixture()
        let q = try f.declare("q")
        for i in 0..<5 { try f.publish("m\(i)", rk: "q") }
        let d0 = f.broker.get(from: q, noAck: false)!.delivery
        let d1 = f.broker.get(from: q, noAck: false)!.delivery
        let d2 = f.broker.get(from: q, noAck: false)!.delivery
        #expect(q.unackedCount == 3)
        f.broker.requeue([d2, d0])  // out of order on purpose
        #expect(q.unackedCount == 1)
        let next = f.broker.get(from: q, noAck: true)!.delivery
        #expect(next.message.body.elementsEqual(b("m0")))
        #expect(next.redelivered)
        #expect(f.drain(q) == ["m2", "m3", "m4"])
        f.broker.requeue([d1])
        #expect(f.drain(q) == ["m1"])
    }

    @Test("messages requeued after newer ones were published still come first") func requeueBeforeNewer() throws {
        let f = Fixture()
        let q = try f.declare("q")
        try f.publish("a", rk: "q")
        let d = f.broker.get(from: q, noAck: false)!.delivery
        try f.publish("b", rk: "q")
        f.broker.requeue([d])
        #expect(f.drain(q) == ["a", "b"])
    }

    @Test("reject without requeue discards; ack settles") func rejectDiscards() throws {
        let f = Fixture()
        let q = try f.declare("q")
        try f.publish("a", rk: "q")
        try f.publish("b", rk: "q")
        let da = f.broker.get(from: q, noAck: false)!.delivery
        let db = f.broker.get(from: q, noAck: false)!.delivery
        f.broker.discard([da])
        f.broker.ack(db)
        #expect(q.messageCount == 0 && q.unackedCount == 0)
        #expect(f.broker.queuedMessages == 0 && f.broker.queuedBytes == 0)
    }

    @Test("generated names are amq.gen- plus 22 url-safe characters") func generatedName() throws {
        let f = Fixture()
        let q = try f.declare("")
        #expect(q.name.count == 30)
        #expect(q.name.string.hasPrefix("amq.gen-"))
        let allowed = Set(b("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
        #expect(q.name[8...].allSatisfy { allowed.contains($0) })
    }

    @Test("amq. names are reserved") func reserved() {
        let f = Fixture()
        #expect(throws: BrokerError.accessRefused("queue name 'amq.foo' contains reserved prefix 'amq.*'")) {
            try f.declare("amq.foo")
        }
    }

    @Test("redeclare with different durable is 406 inequivalent") func inequivalentDurable() throws {
        let f = Fixture()
        try f.declare("q1")
        let e = BrokerError.preconditionFailed(
            "inequivalent arg 'durable' for queue 'q1' in vhost '/': received 'true' but current is 'false'")
        #expect(throws: e) { try f.declare("q1", durable: true) }
    }

    @Test("redeclare compares x-arguments by value across integer widths") func argsEquivalence() throws {
        let f = Fixture()
        try f.declare("q", args: [int("x-max-length", 5)])
        try f.broker.declareQueue(
            in: f.vhost, name: b("q"), durable: false, exclusive: false, autoDelete: false,
            arguments: Arguments([Argument(b("x-max-length"), .integer(5, typeName: "long"))]), connection: 1)
        let e = BrokerError.preconditionFailed(
            "inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received '6' but current is '5'")
        #expect(throws: e) { try f.declare("q", args: [int("x-max-length", 6)]) }
        // Next to a missing value RabbitMQ 3.10 names the type (checked against the real node).
        let missing = BrokerError.preconditionFailed(
            "inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received none "
                + "but current is the value '5' of type 'signedint'")
        #expect(throws: missing) { try f.declare("q") }
    }

    @Test("x-arguments are type checked with RabbitMQ's texts") func argValidation() throws {
        let f = Fixture()
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-max-length' for queue 'q' in vhost '/': \"expected integer, got longstr\"")
        ) { try f.declare("q", args: [str("x-max-length", "10")]) }
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-message-ttl' for queue 'q' in vhost '/': {value_negative,-1}")
        ) { try f.declare("q", args: [int("x-message-ttl", -1)]) }
        #expect(
            throws: BrokerError.preconditionFailed("invalid arg 'x-expires' for queue 'q' in vhost '/': {value_zero,0}")
        ) { try f.declare("q", args: [int("x-expires", 0)]) }
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-max-priority' for queue 'q' in vhost '/': {max_value_exceeded,256}")
        ) { try f.declare("q", args: [int("x-max-priority", 256)]) }
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-overflow' for queue 'q' in vhost '/': invalid_overflow")
        ) { try f.declare("q", args: [str("x-overflow", "drop-tail")]) }
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'")
        ) { try f.declare("q", args: [int("x-dead-letter-exchange", 1)]) }
        #expect(
            throws: BrokerError.preconditionFailed(
                "invalid arg 'x-queue-type' for queue 'q' in vhost '/': \"unsupported queue type 'fancy'\"")
        ) { try f.declare("q", args: [str("x-queue-type", "fancy")]) }
        #expect(f.vhost.queues.isEmpty)
        #expect(try f.declare("qq", durable: true, args: [str("x-queue-type", "quorum")]).settings.maxLength == -1)
    }

    @Test("quorum and stream queues refuse exclusive, auto-delete and non-durable, in RabbitMQ 3.10's order")
    func replicatedTypeProperties() {
        let f = Fixture()
        for type in ["quorum", "stream"] {
            #expect(
                throws: BrokerError.preconditionFailed("invalid property 'exclusive-owner' for queue 'q' in vhost '/'")
            ) {
                try f.declare("q", durable: true, exclusive: true, autoDelete: true, args: [str("x-queue-type", type)])
            }
            #expect(throws: BrokerError.preconditionFailed("invalid property 'auto-delete' for queue 'q' in vhost '/'"))
            { try f.declare("q", autoDelete: true, args: [str("x-queue-type", type)]) }
            #expect(throws: BrokerError.preconditionFailed("invalid property 'non-durable' for queue 'q' in vhost '/'"))
            { try f.declare("q", args: [str("x-queue-type", type)]) }
        }
        #expect(f.vhost.queues.isEmpty)
    }

    @Test("exclusive queues are never durable (and never journaled)") func exclusiveNotDurable() throws {
        let f = Fixture()
        #expect(try f.declare("ex", durable: true, exclusive: true).durable == false)
    }

    @Test("passive lookup: missing is 404, another connection's exclusive queue is 405") func passive() throws {
        let f = Fixture()
        #expect(throws: BrokerError.notFound("no queue 'nope' in vhost '/'")) {
            try f.broker.queue(in: f.vhost, named: b("nope"), connection: 1)
        }
        try f.declare("exq", exclusive: true, connection: 1)
        #expect(throws: BrokerError.self) { try f.broker.queue(in: f.vhost, named: b("exq"), connection: 2) }
        do { _ = try f.broker.queue(in: f.vhost, named: b("exq"), connection: 2) } catch {
            #expect(error.code == 405)
            #expect(error.detail.hasPrefix("cannot obtain exclusive access to locked queue 'exq' in vhost '/'."))
        }
        #expect(try f.broker.queue(in: f.vhost, named: b("exq"), connection: 1).name == b("exq"))
    }

    @Test("delete: missing succeeds with 0, if-empty and if-unused refuse") func delete() throws {
        let f = Fixture()
        #expect(
            try f.broker.deleteQueue(in: f.vhost, named: b("none"), ifUnused: false, ifEmpty: false, connection: 1) == 0
        )
        let q = try f.declare("rq")
        try f.publish("x", rk: "rq")
        #expect(throws: BrokerError.preconditionFailed("queue 'rq' in vhost '/' not empty")) {
            try f.broker.deleteQueue(in: f.vhost, named: b("rq"), ifUnused: false, ifEmpty: true, connection: 1)
        }
        try f.consume(q, tag: "c")
        #expect(throws: BrokerError.preconditionFailed("queue 'rq' in vhost '/' in use")) {
            try f.broker.deleteQueue(in: f.vhost, named: b("rq"), ifUnused: true, ifEmpty: false, connection: 1)
        }
        #expect(
            try f.broker.deleteQueue(in: f.vhost, named: b("rq"), ifUnused: false, ifEmpty: false, connection: 1) == 0)
        #expect(f.sink.cancelled == [b("c")])
        #expect(q.isDeleted && f.vhost.queues.isEmpty)
    }

    @Test("purge removes ready messages only and returns the count") func purge() throws {
        let f = Fixture()
        let q = try f.declare("q")
        for i in 0..<4 { try f.publish("\(i)", rk: "q") }
        let d = f.broker.get(from: q, noAck: false)!.delivery
        #expect(f.broker.purgeQueue(q) == 3)
        #expect(q.messageCount == 0 && q.unackedCount == 1)
        f.broker.requeue([d])
        #expect(f.drain(q) == ["0"])
    }

    @Test("exclusive queues are deleted when their connection closes") func exclusiveLifecycle() throws {
        let f = Fixture()
        try f.declare("ex", exclusive: true, connection: 7)
        try f.declare("other", connection: 7)
        f.broker.connectionClosed(7)
        #expect(f.vhost.queues[b("ex")] == nil)
        #expect(f.vhost.queues[b("other")] != nil)
    }

    @Test("auto-delete queues go with their last consumer, not before they had one") func autoDelete() throws {
        let f = Fixture()
        let q = try f.declare("ad", autoDelete: true)
        f.clock.advance(ms: 100_000)
        f.broker.cron()
        #expect(!q.isDeleted)
        try f.consume(q, tag: "a")
        try f.consume(q, tag: "b")
        f.broker.cancel(tag: b("a"), on: f.channel)
        #expect(!q.isDeleted)
        f.broker.cancel(tag: b("b"), on: f.channel)
        #expect(q.isDeleted)
    }

    @Test("x-expires deletes a queue unused for that long") func expires() throws {
        let f = Fixture()
        let q = try f.declare("tmp", args: [int("x-expires", 1000)])
        f.clock.advance(ms: 600)
        _ = try f.broker.queue(in: f.vhost, named: b("tmp"), connection: 1)  // use resets the timer
        f.clock.advance(ms: 600)
        f.broker.cron()
        #expect(!q.isDeleted)
        f.clock.advance(ms: 400)
        f.broker.cron()
        #expect(q.isDeleted)
    }

    @Test("a ready-list slot is 24 bytes (the redelivered flag shares the sequence word)") func entrySize() {
        #expect(MemoryLayout<QueueEntry?>.stride == 24)
        let m = Message.make(id: 1, content: [], propertiesCount: 0, exchange: [], routingKey: [])
        var e = QueueEntry(message: m, seq: 42)
        e.redelivered = true
        #expect(e.seq == 42 && e.redelivered)
    }

    @Test("memory accounting counts a fanned-out message once") func memory() throws {
        let f = Fixture()
        let q1 = try f.declare("a")
        let q2 = try f.declare("b")
        try f.broker.bindQueue(
            in: f.vhost, queue: b("a"), exchange: b("amq.fanout"), routingKey: [], arguments: .empty, connection: 1)
        try f.broker.bindQueue(
            in: f.vhost, queue: b("b"), exchange: b("amq.fanout"), routingKey: [], arguments: .empty, connection: 1)
        try f.publish("hello", to: "amq.fanout", rk: "")
        #expect(f.broker.queuedMessages == 1)
        let bytes = f.broker.queuedBytes
        #expect(bytes > 0)
        _ = f.drain(q1)
        #expect(f.broker.queuedBytes == bytes)
        _ = f.drain(q2)
        #expect(f.broker.queuedBytes == 0)
    }
}
