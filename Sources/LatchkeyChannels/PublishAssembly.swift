// Per-channel content assembly: basic.publish method → one content header → body frames until
// the declared size is reached (no body frame when it is 0). Out-of-sequence frames get RabbitMQ's
// 505 texts and oversized messages its 406. What a complete message means is the channel's job.
import Glibc
import LatchkeyAMQP
import LatchkeyCore

/// The method → header → body state machine of one channel.
package struct PublishAssembly {
    package enum State: Equatable {
        /// Between messages: only method frames are acceptable.
        case idle
        /// basic.publish seen (in `publish`); the header must come next.
        case awaitingHeader
        /// Header seen (properties in `properties`); `remaining` body bytes are still due, and
        /// `first` says no body frame has arrived yet.
        case awaitingBody(remaining: UInt64, first: Bool)
    }

    /// What the caller does after feeding a frame.
    package enum Action {
        /// Nothing yet.
        case none
        /// A complete message: the method, the properties as received (flags word + list) with
        /// what `BasicProperties.scan` found in them, and the body: collected from several
        /// frames, or nil when it is the payload of the frame just fed (empty when the header
        /// declared size 0), which the caller still holds.
        case complete(AMQPMethod.BasicPublish, properties: Bytes, PropertySummary, collected: Bytes?)
    }

    /// The method every error here is attributed to: basic.publish, the only content a client sends.
    static let classID = AMQPMethod.BasicPublish.classID
    static let methodID = AMQPMethod.BasicPublish.methodID

    package private(set) var state: State = .idle
    // The message being assembled. Kept outside `state` so that each body frame neither copies
    // the method and properties (retain/release of every field) nor the body collected so far.
    private var publish = AMQPMethod.BasicPublish()
    /// The content header's property bytes as received (reused between messages) and their scan.
    private var properties = Bytes()
    private var summary = PropertySummary()
    private var body: Bytes = []
    /// Largest accepted body (amqp-max-message-size).
    let maxMessageSize: UInt64

    package init(maxMessageSize: UInt64) { self.maxMessageSize = maxMessageSize }

    /// Whether a content is in progress (a method frame now would be out of sequence).
    package var isCollecting: Bool {
        if case .idle = state { return false }
        return true
    }

    /// A content-bearing method arrived (only basic.publish is legal from clients).
    package mutating func begin(_ publish: AMQPMethod.BasicPublish) throws(AMQPException) {
        if isCollecting { throw outOfSequence() }
        self.publish = publish
        state = .awaitingHeader
    }

    /// basic.publish read in place from a method frame's payload (class and method ids first).
    /// Returns false, having changed nothing, when the payload is not a well-formed basic.publish
    /// (the caller then decodes it the generic way, which reports the error). The exchange and
    /// routing key reuse the previous message's bytes when they are equal, so a publisher that
    /// sends to one queue allocates no strings here.
    package mutating func beginInPlace(_ payload: UnsafeRawBufferPointer) throws(AMQPException) -> Bool {
        // ids (4) + ticket (2) + exchange length (1) ... routing key length (1) ... bits (1)
        guard payload.count >= 9 else { return false }
        let exchangeCount = Int(payload[6])
        let keyAt = 7 + exchangeCount
        guard payload.count > keyAt else { return false }
        let keyCount = Int(payload[keyAt])
        guard payload.count == keyAt + 1 + keyCount + 1 else { return false }
        if isCollecting { throw outOfSequence() }
        let exchange = UnsafeRawBufferPointer(rebasing: payload[7..<keyAt])
        let key = UnsafeRawBufferPointer(rebasing: payload[(keyAt + 1)..<(keyAt + 1 + keyCount)])
        if !sameBytes(publish.exchange, exchange) { publish.exchange = Bytes(exchange) }
        if !sameBytes(publish.routingKey, key) { publish.routingKey = Bytes(key) }
        publish.ticket = UInt16(payload[4]) << 8 | UInt16(payload[5])
        let bits = payload[payload.count - 1]
        publish.mandatory = bits & 1 != 0
        publish.immediate = bits & 2 != 0
        state = .awaitingHeader
        return true
    }

    /// The 505 for a method frame that arrives while a content is in progress.
    package func outOfSequence() -> AMQPException {
        switch state {
        case .idle: return .internalError("no content in progress")
        case .awaitingHeader: return .expectedContentHeader(classID: Self.classID, methodID: Self.methodID)
        case .awaitingBody: return .expectedContentBody(classID: Self.classID, methodID: Self.methodID)
        }
    }

    /// A content header frame: checked as `ContentHeader.decode` checks it, the properties kept
    /// as received.
    package mutating func header(_ payload: UnsafeRawBufferPointer) throws(AMQPException) -> Action {
        guard case .awaitingHeader = state else {
            if case .awaitingBody = state { throw outOfSequence() }
            throw AMQPException.expectedMethodFrame
        }
        var r = WireReader(payload)
        let classID: UInt16
        let bodySize: UInt64
        do throws(AMQPDecodeError) {
            if payload.count >= 14 {  // class, weight, size and the flags word are there: plain loads
                classID = UInt16(bigEndian: payload.loadUnaligned(as: UInt16.self))
                bodySize = UInt64(bigEndian: payload.loadUnaligned(fromByteOffset: 4, as: UInt64.self))
                r.position = 12
            } else {
                classID = try r.u16()
                _ = try r.u16()  // weight, unused and always 0
                bodySize = try r.u64()
            }
            summary = try BasicProperties.scan(&r)
            if r.remaining != 0 { throw .truncated }
        } catch {
            throw AMQPException.syntaxError(
                ConnectionSession.describe(error, in: "content header"), classID: Self.classID, methodID: Self.methodID)
        }
        if classID != AMQPClassID.basic {
            throw .unexpectedFrame(
                "expected content header for class \(AMQPClassID.basic), got one for class \(classID) instead",
                classID: Self.classID, methodID: Self.methodID)
        }
        if bodySize > maxMessageSize {
            state = .idle
            throw .preconditionFailed(
                "message size \(bodySize) is larger than configured max size \(maxMessageSize)",
                classID: Self.classID, methodID: Self.methodID)
        }
        let received = UnsafeRawBufferPointer(rebasing: payload[12...])
        if !sameBytes(properties, received) {  // a publisher usually sends the same ones each time
            properties.removeAll(keepingCapacity: true)
            properties.append(contentsOf: received)
        }
        if bodySize == 0 {
            state = .idle
            return .complete(publish, properties: properties, summary, collected: nil)
        }
        state = .awaitingBody(remaining: bodySize, first: true)
        return .none
    }

    /// A content body frame. A body that arrives in one frame is not copied here: the caller
    /// takes it from the frame it fed.
    package mutating func bodyFrame(_ payload: UnsafeRawBufferPointer) throws(AMQPException) -> Action {
        guard case .awaitingBody(let remaining, let first) = state else {
            if case .awaitingHeader = state { throw outOfSequence() }
            throw AMQPException.expectedMethodFrame
        }
        if UInt64(payload.count) > remaining {
            // RabbitMQ keeps waiting for body frames and fails on the next non-body frame with this
            // text; we fail at once with the same code and text.
            throw .expectedContentBody(classID: Self.classID, methodID: Self.methodID)
        }
        let left = remaining - UInt64(payload.count)
        if first && left == 0 {
            state = .idle
            return .complete(publish, properties: properties, summary, collected: nil)
        }
        if first {
            body = []
            // Reserve for what is declared, but not more than 1 MiB up front: a client may declare
            // a large size on many channels and then send nothing.
            body.reserveCapacity(Int(Swift.min(remaining, 1 << 20)))
        }
        body.append(contentsOf: payload)
        if left > 0 {
            state = .awaitingBody(remaining: left, first: false)
            return .none
        }
        state = .idle
        let done = body
        body = []
        return .complete(publish, properties: properties, summary, collected: done)
    }

    /// Takes `key` (equal bytes, e.g. the queue name the message was routed to) as the routing key
    /// to reuse, so the next message's key shares the queue's storage and compares by identity.
    package mutating func adoptRoutingKey(_ key: Bytes) {
        if publish.routingKey == key { publish.routingKey = key }
    }

    /// Drops any partial content (the channel is closing).
    package mutating func reset() {
        state = .idle
        body = []
        properties = []
    }
}

/// Whether `a` holds exactly the bytes of `b`.
@inline(__always) func sameBytes(_ a: Bytes, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    if a.isEmpty { return true }
    return a.withUnsafeBytes { memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }
}
