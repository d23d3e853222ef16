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
    /// The body a completed message carries: collected, or the frame just fed (`b`).
    mutating func feedBody(_ b: Bytes, substitute: Bool = true) throws(AMQPException) -> Action {
        var result: Result<Action, AMQPException> = .success(.none)
        b.withUnsafeBytes { p in
            do throws(AMQPException) { result = .success(try bodyFrame(p)) } catch { result = .failure(error) }
        }
        if substitute, case .complete(let m, let props, let summary, nil) = try result.get() {
            return .complete(m, properties: props, summary, collected: b)
        }
        return try result.get()
    }
}

/// Properties as the assembly hands them over (flags word + list), decoded.
func decoded(_ bytes: Bytes) -> BasicProperties { ChannelSession.decodeScanned(bytes) }

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
        guard case .complete(let m, let p, let summary, let body) = try a.feedBody([7, 8, 9]) else {
            Issue.record("not complete")
            return
        }
        #expect(m == publish && decoded(p) == props && body == Bytes(0..<10))
        var encoded = Bytes()
        props.encode(into: &encoded)
        #expect(p == encoded && summary.deliveryMode == 2 && summary.canonical)
        #expect(!a.isCollecting)
        // The next message starts clean.
        try a.begin(publish)
        guard case .complete(_, let p2, _, let b2) = try a.feedHeader(headerPayload(0)) else {
            Issue.record("empty body must complete at the header")
            return
        }
        #expect(decoded(p2) == BasicProperties() && b2 == nil)
        // A body in one frame is left in that frame (nil here, the frame's bytes from feedBody).
        try a.begin(publish)
        _ = try a.feedHeader(headerPayload(3))
        guard case .complete(_, _, _, nil) = try a.feedBody([1, 2, 3], substitute: false) else {
            Issue.record("a one-frame body must not be collected")
            return
        }
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

@Suite("Publish read in place") struct PublishInPlaceTests {
    func payload(_ m: AMQPMethod) -> Bytes {
        var out: Bytes = []
        m.encode(into: &out)
        return out
    }

    func begin(_ a: inout PublishAssembly, _ b: Bytes) throws(AMQPException) -> Bool {
        var result: Result<Bool, AMQPException> = .success(false)
        b.withUnsafeBytes { p in
            do throws(AMQPException) { result = .success(try a.beginInPlace(p)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    @Test("a well-formed basic.publish is read as the generic decoder reads it") func same() throws {
        for m in [
            AMQPMethod.BasicPublish(
                ticket: 7, exchange: Bytes("ex".utf8), routingKey: Bytes("rk".utf8), mandatory: true),
            AMQPMethod.BasicPublish(exchange: [], routingKey: Bytes(repeating: 0x61, count: 255), immediate: true),
            AMQPMethod.BasicPublish(),
        ] {
            var a = PublishAssembly(maxMessageSize: 100)
            #expect(try begin(&a, payload(.basicPublish(m))))
            guard case .complete(let got, _, _, _) = try a.feedHeader(headerPayload(0)) else {
                Issue.record("not complete")
                return
            }
            #expect(got == m)
        }
    }

    @Test("a truncated or overlong payload is left to the generic decoder") func malformed() throws {
        let good = payload(.basicPublish(.init(exchange: Bytes("ex".utf8), routingKey: Bytes("rk".utf8))))
        for n in 4..<good.count {
            var a = PublishAssembly(maxMessageSize: 100)
            #expect(try !begin(&a, Bytes(good[0..<n])))
            #expect(!a.isCollecting)
        }
        var a = PublishAssembly(maxMessageSize: 100)
        #expect(try !begin(&a, good + [0]))
        // In the middle of a content, a well-formed publish is the 505 the generic path gives.
        #expect(try begin(&a, good))
        #expect(throws: AMQPException.expectedContentHeader(classID: 60, methodID: 40)) { _ = try begin(&a, good) }
    }
}
