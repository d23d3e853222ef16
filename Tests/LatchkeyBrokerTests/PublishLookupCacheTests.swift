// The broker remembers the last default-exchange queue and the last exchange a publish named
// (Broker.lastDirectQueue / lastExchange). These tests pin that a deleted queue or exchange is
// never reached through that memory, including when one of the same name replaces it.
import LatchkeyCore
import Testing

@testable import LatchkeyBroker

@Suite("Publish lookup cache") struct PublishLookupCacheTests {
    @Test("default exchange - a re-declared queue of the same name gets the next publish") func queueRedeclared() throws
    {
        let f = Fixture()
        let old = try f.declare("q")
        try f.publish("a", rk: "q")
        _ = try f.broker.deleteQueue(in: f.vhost, named: b("q"), ifUnused: false, ifEmpty: false, connection: 1)
        #expect(try f.publish("b", rk: "q").unroutable)
        let new = try f.declare("q")
        try f.publish("c", rk: "q")
        #expect(new !== old)
        #expect(f.drain(new) == ["c"])
        #expect(f.drain(old) == [])
    }

    @Test("default exchange - alternating routing keys each reach their own queue") func alternatingKeys() throws {
        let f = Fixture()
        let q1 = try f.declare("q1")
        let q2 = try f.declare("q2")
        for i in 0..<3 {
            try f.publish("1-\(i)", rk: "q1")
            try f.publish("2-\(i)", rk: "q2")
        }
        #expect(f.drain(q1) == ["1-0", "1-1", "1-2"])
        #expect(f.drain(q2) == ["2-0", "2-1", "2-2"])
    }

    @Test("named exchange - a deleted exchange answers 404 and a re-declared one routes") func exchangeRedeclared()
        throws
    {
        let f = Fixture()
        let q = try f.declare("q")
        try f.broker.declareExchange(
            in: f.vhost, name: b("x"), type: b("fanout"), durable: false, autoDelete: false, internal: false,
            arguments: .empty)
        try f.broker.bindQueue(
            in: f.vhost, queue: b("q"), exchange: b("x"), routingKey: b(""), arguments: .empty, connection: 1)
        try f.publish("a", to: "x", rk: "")
        try f.broker.deleteExchange(in: f.vhost, named: b("x"), ifUnused: false)
        #expect(throws: BrokerError.self) { try f.publish("b", to: "x", rk: "") }
        try f.broker.declareExchange(
            in: f.vhost, name: b("x"), type: b("fanout"), durable: false, autoDelete: false, internal: false,
            arguments: .empty)
        #expect(try f.publish("c", to: "x", rk: "").unroutable)
        #expect(f.drain(q) == ["a"])
    }
}
