// The method → header → body state machine alone: bodies split over many frames come out whole,
// an empty body completes at the header, properties survive, and sequencing errors are 505s.
import LatchkeyAMQP
import LatchkeyCore
import Testing

@testable import LatchkeyChannels

func headerPayload(_ size: UInt64, _ props: BasicProperties = BasicProperties(), classID: UInt16 = 60) -> Bytes {
    var out: Bytes = []
    ContentHeader(classID: classID, bodySize: size, properties: props).encode(into: &out)
    return out
}

extension PublishAssembly {
    mutating func feedHeader(_ b: Bytes) throws(AMQPException) -> Action {
        var result: Result<Action, AMQPException> = .success(.none)
        b.withUnsafeBytes { p in
            do throws(AMQPException) { result = .success(try header(p)) } catch { result = .failure(error) }
        }
        return try result.get()
    }
    mutating func feedBody(_ b: Bytes) throws(AMQPException) -> Action {
        var result: Result<Action, AMQPException> = .success(.none)
        b.withUnsafeBytes { p in
            do throws(AMQPException) { result = .success(try bodyFrame(p)) } catch { result = .failure(error) }
        }
        return try result.get()
    }
}

@Suite("Publish assembly") struct PublishAssemblyTests {
    let publish = AMQPMethod.BasicPublish(exchange: Bytes("ex".utf8), routingKey: Bytes("rk".utf8), mandatory: true)
    let props = BasicProperties(
        contentType: Bytes("application/json".utf8), headers: FieldTable([FieldEntry(Bytes("x-a".utf8), .int64L(1))]),
        deliveryMode: 2)

    @Test("a body split over several frames is delivered once, whole, with method and properties") func multiFrame()
        throws
    {
        var a = PublishAssembly(maxMessageSize: 1 << 20)
        try a.begin(publish)
        #expect(a.isCollecting)
        guard case .none = try a.feedHeader(headerPayload(10, props)) else {
            Issue.record("early")
            return
        }
        guard case .none = try a.feedBody([0, 1, 2, 3]) else {
            Issue.record("early")
            return
        }
        guard case .none = try a.feedBody([4, 5, 6]) else {
            Issue.record("early")
            return
        }
        guard case .complete(let m, let p, let body) = try a.feedBody([7, 8, 9]) else {
            Issue.record("not complete")
            return
        }
        #expect(m == publish && p == props && body == Bytes(0..<10))
        #expect(!a.isCollecting)
        // The next message starts clean.
        try a.begin(publish)
        guard case .complete(_, let p2, let b2) = try a.feedHeader(headerPayload(0)) else {
            Issue.record("empty body must complete at the header")
            return
        }
        #expect(p2 == BasicProperties() && b2.isEmpty)
    }

    @Test("a body exactly at the size limit is accepted, one byte more is 406") func sizeLimit() throws {
        var a = PublishAssembly(maxMessageSize: 5)
        try a.begin(publish)
        _ = try a.feedHeader(headerPayload(5))
        guard case .complete = try a.feedBody([1, 2, 3, 4, 5]) else {
            Issue.record("not complete")
            return
        }
        try a.begin(publish)
        #expect(
            throws: AMQPException.preconditionFailed(
                "message size 6 is larger than configured max size 5", classID: 60, methodID: 40)
        ) { _ = try a.feedHeader(headerPayload(6)) }
        #expect(!a.isCollecting)
    }

    @Test("sequencing errors are the 505s RabbitMQ sends") func sequencing() throws {
        var a = PublishAssembly(maxMessageSize: 100)
        #expect(throws: AMQPException.expectedMethodFrame) { _ = try a.feedHeader(headerPayload(1)) }
        #expect(throws: AMQPException.expectedMethodFrame) { _ = try a.feedBody([1]) }
        try a.begin(publish)
        #expect(throws: AMQPException.expectedContentHeader(classID: 60, methodID: 40)) { _ = try a.feedBody([1]) }
        #expect(throws: AMQPException.expectedContentHeader(classID: 60, methodID: 40)) { try a.begin(publish) }
        _ = try a.feedHeader(headerPayload(2))
        #expect(throws: AMQPException.expectedContentBody(classID: 60, methodID: 40)) {
            _ = try a.feedHeader(headerPayload(2))
        }
        #expect(throws: AMQPException.expectedContentBody(classID: 60, methodID: 40)) { _ = try a.feedBody([1, 2, 3]) }
        a.reset()
        #expect(!a.isCollecting)
    }

    @Test("a header of another class is 505 naming both classes") func wrongClass() throws {
        var a = PublishAssembly(maxMessageSize: 100)
        try a.begin(publish)
        #expect(
            throws: AMQPException.unexpectedFrame(
                "expected content header for class 60, got one for class 50 instead", classID: 60, methodID: 40)
        ) { _ = try a.feedHeader(headerPayload(1, classID: 50)) }
    }
}
