// Per-channel content assembly: basic.publish method → one content header → body frames until
// the declared size is reached (no body frame when it is 0). Out-of-sequence frames get RabbitMQ's
// 505 texts and oversized messages its 406. What a complete message means is the channel's job.
import LatchkeyAMQP
import LatchkeyCore

/// The method → header → body state machine of one channel.
package struct PublishAssembly {
    package enum State: Equatable {
        /// Between messages: only method frames are acceptable.
        case idle
        /// basic.publish seen (in `publish`); the header must come next.
        case awaitingHeader
        /// Header seen (properties in `properties`); `remaining` body bytes are still due.
        case awaitingBody(remaining: UInt64)
    }

    /// What the caller does after feeding a frame.
    package enum Action {
        /// Nothing yet.
        case none
        /// A complete message.
        case complete(AMQPMethod.BasicPublish, BasicProperties, Bytes)
    }

    /// The method every error here is attributed to: basic.publish, the only content a client sends.
    static let classID = AMQPMethod.BasicPublish.classID
    static let methodID = AMQPMethod.BasicPublish.methodID

    package private(set) var state: State = .idle
    // The message being assembled. Kept outside `state` so that each body frame neither copies
    // the method and properties (retain/release of every field) nor the body collected so far.
    private var publish = AMQPMethod.BasicPublish()
    private var properties = BasicProperties()
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

    /// The 505 for a method frame that arrives while a content is in progress.
    package func outOfSequence() -> AMQPException {
        switch state {
        case .idle: return .internalError("no content in progress")
        case .awaitingHeader: return .expectedContentHeader(classID: Self.classID, methodID: Self.methodID)
        case .awaitingBody: return .expectedContentBody(classID: Self.classID, methodID: Self.methodID)
        }
    }

    /// A content header frame.
    package mutating func header(_ payload: UnsafeRawBufferPointer) throws(AMQPException) -> Action {
        guard case .awaitingHeader = state else {
            if case .awaitingBody = state { throw outOfSequence() }
            throw AMQPException.expectedMethodFrame
        }
        let h: ContentHeader
        do throws(AMQPDecodeError) { h = try ContentHeader.decode(payload) } catch {
            throw AMQPException.syntaxError(
                ConnectionSession.describe(error, in: "content header"), classID: Self.classID, methodID: Self.methodID)
        }
        if h.classID != AMQPClassID.basic {
            throw .unexpectedFrame(
                "expected content header for class \(AMQPClassID.basic), got one for class \(h.classID) instead",
                classID: Self.classID, methodID: Self.methodID)
        }
        if h.bodySize > maxMessageSize {
            state = .idle
            throw .preconditionFailed(
                "message size \(h.bodySize) is larger than configured max size \(maxMessageSize)",
                classID: Self.classID, methodID: Self.methodID)
        }
        if h.bodySize == 0 {
            state = .idle
            return .complete(publish, h.properties, [])
        }
        properties = h.properties
        body = []
        // Reserve for what is declared, but not more than 1 MiB up front: a client may declare a
        // large size on many channels and then send nothing.
        body.reserveCapacity(Int(Swift.min(h.bodySize, 1 << 20)))
        state = .awaitingBody(remaining: h.bodySize)
        return .none
    }

    /// A content body frame.
    package mutating func bodyFrame(_ payload: UnsafeRawBufferPointer) throws(AMQPException) -> Action {
        guard case .awaitingBody(let remaining) = state else {
            if case .awaitingHeader = state { throw outOfSequence() }
            throw AMQPException.expectedMethodFrame
        }
        if UInt64(payload.count) > remaining {
            // RabbitMQ keeps waiting for body frames and fails on the next non-body frame with this
            // text; we fail at once with the same code and text.
            throw .expectedContentBody(classID: Self.classID, methodID: Self.methodID)
        }
        body.append(contentsOf: payload)
        let left = remaining - UInt64(payload.count)
        if left > 0 {
            state = .awaitingBody(remaining: left)
            return .none
        }
        state = .idle
        let done = body
        body = []
        return .complete(publish, properties, done)
    }

    /// Drops any partial content (the channel is closing).
    package mutating func reset() {
        state = .idle
        body = []
        properties = BasicProperties()
    }
}
