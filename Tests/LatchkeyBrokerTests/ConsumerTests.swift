// Consumers: round-robin, prefetch (per consumer captured at creation, channel-wide global),
// no-ack, exclusive consume, tag reuse, single active consumer, channel close requeue order.
import LatchkeyCore
import Testing

@testable import LatchkeyBroker

@Suite("Consumers and prefetch") struct ConsumerTests {
    @Test("deliveries go round-robin among consumers") func roundRobin() throws {
        let f = Fixture()
        let q = try f.declare("q")
        try f.consume(q, tag: "a", noAck: true)
        try f.consume(q, tag: "b", noAck: true)
        try f.consume(q, tag: "c", noAck: true)
        for i in 0..<6 { try f.publish("\(i)", rk: "q") }
        #expect(f.sink.deliveries.map { $0.tag.string } == ["a", "b", "c", "a", "b", "c"])
        #expect(f.sink.bodies == ["0", "1", "2", "3", "4", "5"])
    }

    @Test("messages queued before consume are delivered on consume, in order") func backlog() throws {
        let f = Fixture()
        let q = try f.declare("q")
        for i in 0..<3 { try f.publish("\(i)", rk: "q") }
        try f.consume(q, tag: "a")
        #expect(f.sink.bodies == ["0", "1", "2"])
        #expect(q.messageCount == 0 && q.unackedCount == 3)
    }

    @Test("per-consumer prefetch (global=false) is captured by consumers created after qos") func perConsumerPrefetch()
        throws
    {
        let f = Fixture()
        let q = try f.declare("q")
        let early = try f.consume(q, tag: "early")
        f.broker.setQos(f.channel, prefetchCount: 2, global: false)
        let late = try f.consume(q, tag: "late")
        #expect(early.prefetch == 0 && late.prefetch == 2)
        for i in 0..<10 { try f.publish("\(i)", rk: "q") }
        let toLate = f.sink.deliveries.filter { $0.tag == b("late") }.count
        #expect(toLate == 2)
        #expect(f.sink.deliveries.count == 10)
    }

    @Test("prefetch window refills on ack") func prefetchRefill() throws {
        let f = Fixture()
        let q = try f.declare("q")
        f.broker.setQos(f.channel, prefetchCount: 2, global: false)
        try f.consume(q, tag: "c")
        for i in 0..<5 { try f.publish("\(i)", rk: "q") }
        #expect(f.sink.bodies == ["0", "1"])
        let first = f.sink.deliveries[0].delivery
        f.broker.ack(first)
        #expect(f.sink.bodies == ["0", "1", "2"])
        #expect(q.messageCount == 2)
    }

    @Test("global prefetch is shared by all consumers on the channel and applies at once") func globalPrefetch() throws
    {
        let f = Fixture()
        let q1 = try f.declare("q1")
        let q2 = try f.declare("q2")
        f.broker.setQos(f.channel, prefetchCount: 3, global: true)
        try f.consume(q1, tag: "a")
        try f.consume(q2, tag: "b")
        for i in 0..<5 {
            try f.publish("x\(i)", rk: "q1")
            try f.publish("y\(i)", rk: "q2")
        }
        #expect(f.sink.deliveries.count == 3)
        #expect(f.channel.unacked == 3)
        f.broker.ack(f.sink.deliveries[0].delivery)
        #expect(f.sink.deliveries.count == 4)
        f.broker.setQos(f.channel, prefetchCount: 0, global: true)
        #expect(f.sink.deliveries.count == 10)
    }

    @Test("no-ack consumers are not limited by prefetch and settle at once") func noAck() throws {
        let f = Fixture()
        let q = try f.declare("q")
        f.broker.setQos(f.channel, prefetchCount: 1, global: true)
        f.broker.setQos(f.channel, prefetchCount: 1, global: false)
        try f.consume(q, tag: "c", noAck: true)
        for i in 0..<5 { try f.publish("\(i)", rk: "q") }
        #expect(f.sink.deliveries.count == 5)
        #expect(q.unackedCount == 0 && f.broker.queuedMessages == 0)
    }

    @Test("a busy consumer does not starve others: capacity elsewhere keeps flowing") func fairness() throws {
        let f = Fixture()
        let q = try f.declare("q")
        let ch2 = DeliveryChannel(connectionID: 2, sink: f.sink)
        f.broker.setQos(f.channel, prefetchCount: 1, global: false)
        try f.consume(q, tag: "slow")
        try f.consume(q, tag: "fast", noAck: true, on: ch2)
        for i in 0..<6 { try f.publish("\(i)", rk: "q") }
        #expect(f.sink.deliveries.filter { $0.tag == b("slow") }.count == 1)
        #expect(f.sink.deliveries.filter { $0.tag == b("fast") }.count == 5)
    }

    @Test("paused channels get nothing until resumed") func paused() throws {
        let f = Fixture()
        let q = try f.declare("q")
        try f.consume(q, tag: "c")
        f.channel.paused = true
        try f.publish("a", rk: "q")
        #expect(f.sink.deliveries.isEmpty)
        f.channel.paused = false
        f.broker.resume(f.channel)
        #expect(f.sink.bodies == ["a"])
    }

    @Test("reused tag is 530, exclusive consume conflicts are 403") func consumeErrors() throws {
        let f = Fixture()
        let q = try f.declare("cx")
        try f.consume(q, tag: "a")
        #expect(throws: BrokerError.notAllowed("attempt to reuse consumer tag 'a'")) { try f.consume(q, tag: "a") }
        #expect(throws: BrokerError.accessRefused("queue 'cx' in vhost '/' in exclusive use")) {
            try f.consume(q, tag: "x", exclusive: true)
        }
        let q2 = try f.declare("cy")
        try f.consume(q2, tag: "x", exclusive: true)
        #expect(throws: BrokerError.accessRefused("queue 'cy' in vhost '/' in exclusive use")) {
            try f.consume(q2, tag: "y")
        }
        let generated = try f.consume(q, tag: "")
        #expect(generated.tag.string.hasPrefix("amq.ctag-") && generated.tag.count == 31)
    }

    @Test("channel close cancels consumers and requeues unacked in original order, redelivered") func channelClose()
        throws
    {
        let f = Fixture()
        let q = try f.declare("q")
        try f.consume(q, tag: "c")
        for i in 0..<4 { try f.publish("\(i)", rk: "q") }
        let unacked = f.sink.take()
        f.broker.channelClosed(f.channel, unacked: unacked.reversed())
        #expect(q.consumerCount == 0 && q.unackedCount == 0)
        var got: [(String, Bool)] = []
        while let (d, _) = f.broker.get(from: q, noAck: true) {
            got.append((String(decoding: d.message.body, as: UTF8.self), d.redelivered))
        }
        #expect(got.map(\.0) == ["0", "1", "2", "3"])
        #expect(got.allSatisfy { $0.1 })
    }

    @Test("single active consumer: only the first gets messages until it cancels") func singleActive() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [Argument(b("x-single-active-consumer"), .bool(true))])
        try f.consume(q, tag: "a", noAck: true)
        try f.consume(q, tag: "b", noAck: true)
        try f.publish("1", rk: "q")
        try f.publish("2", rk: "q")
        f.broker.cancel(tag: b("a"), on: f.channel)
        try f.publish("3", rk: "q")
        #expect(f.sink.deliveries.map { $0.tag.string } == ["a", "a", "b"])
    }

    @Test("x-max-priority delivers higher priorities first, FIFO within a priority") func priority() throws {
        let f = Fixture()
        let q = try f.declare("q", args: [int("x-max-priority", 5)])
        try f.publish("low1", rk: "q", priority: 1)
        try f.publish("high", rk: "q", priority: 9)
        try f.publish("low2", rk: "q", priority: 1)
        try f.publish("none", rk: "q")
        #expect(f.drain(q) == ["high", "low1", "low2", "none"])
    }
}
