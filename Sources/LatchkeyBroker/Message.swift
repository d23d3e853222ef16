// A published message as the broker stores it: one allocation holding the encoded basic
// properties followed by the body (the channel layer encodes/decodes them; the broker only
// slices), shared by every queue it was routed to. Per-queue state (position, expiry,
// redelivered) lives in `QueueEntry`.
import LatchkeyCore

/// The fixed fields of a message (the ManagedBuffer header).
public struct MessageHeader {
    @usableFromInline var id: UInt64
    @usableFromInline var exchange: Bytes
    @usableFromInline var routingKey: Bytes
    @usableFromInline var ttlMs: Int64
    @usableFromInline var contentCount: UInt32
    @usableFromInline var propertiesCount: UInt32
    @usableFromInline var references: Int32
    @usableFromInline var persistent: Bool
    @usableFromInline var priority: UInt8
}

/// An immutable published message, shared between queues. The content (encoded properties
/// followed by the body) is tail-allocated in the object itself, so a queued message costs one
/// allocation: a million queued messages are a million of these.
public final class Message: ManagedBuffer<MessageHeader, UInt8> {
    /// A message whose content is `content` (encoded properties, then body).
    public static func make(
        id: UInt64, content: Bytes, propertiesCount: Int, exchange: Bytes, routingKey: Bytes, persistent: Bool = false,
        priority: UInt8 = 0, ttlMs: Int64 = -1
    ) -> Message {
        content.withUnsafeBytes { c in
            make(
                id: id, properties: UnsafeRawBufferPointer(rebasing: c[0..<propertiesCount]),
                body: UnsafeRawBufferPointer(rebasing: c[propertiesCount...]), exchange: exchange,
                routingKey: routingKey, persistent: persistent, priority: priority, ttlMs: ttlMs)
        }
    }

    /// A message built from encoded properties and a body, copied once into the message.
    public static func make(
        id: UInt64, properties: UnsafeRawBufferPointer, body: UnsafeRawBufferPointer, exchange: Bytes,
        routingKey: Bytes, persistent: Bool = false, priority: UInt8 = 0, ttlMs: Int64 = -1
    ) -> Message {
        let count = properties.count + body.count
        let buffer = Message.create(minimumCapacity: count) { _ in
            MessageHeader(
                id: id, exchange: exchange, routingKey: routingKey, ttlMs: ttlMs, contentCount: UInt32(count),
                propertiesCount: UInt32(properties.count), references: 0, persistent: persistent, priority: priority)
        }
        let m = unsafeDowncast(buffer, to: Message.self)
        m.withUnsafeMutablePointerToElements { p in
            if let base = properties.baseAddress {
                p.update(from: base.assumingMemoryBound(to: UInt8.self), count: properties.count)
            }
            if let base = body.baseAddress {
                (p + properties.count).update(from: base.assumingMemoryBound(to: UInt8.self), count: body.count)
            }
        }
        return m
    }

    /// Stable id (unique per broker, survives restarts through the journal).
    @inlinable public var id: UInt64 { header.id }
    /// Exchange the message was published to (shown in deliver/get-ok).
    @inlinable public var exchange: Bytes { header.exchange }
    /// Routing key; shares the queue name's storage when published through the default exchange.
    @inlinable public var routingKey: Bytes { header.routingKey }
    /// Per-message TTL from the `expiration` property, in ms; -1 when absent.
    @inlinable public var ttlMs: Int64 { header.ttlMs }
    /// delivery-mode 2.
    @inlinable public var persistent: Bool { header.persistent }
    /// The priority property (0 when absent).
    @inlinable public var priority: UInt8 { header.priority }
    /// How many leading content bytes are the encoded properties.
    @inlinable public var propertiesCount: Int { Int(header.propertiesCount) }
    /// Encoded properties plus body.
    @inlinable public var contentCount: Int { Int(header.contentCount) }
    /// Body size in bytes (what x-max-length-bytes counts).
    @inlinable public var bodyCount: Int { contentCount - propertiesCount }

    /// Number of queue entries (ready or unacked) holding this message; memory is counted once.
    var references: Int32 {
        get { header.references }
        set { header.references = newValue }
    }

    /// Replaces the routing key with equal bytes that share storage (default-exchange routing).
    func shareRoutingKey(_ key: Bytes) { header.routingKey = key }

    /// Calls `body` with the content bytes (properties then body); no copy.
    @inlinable public func withContent<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeMutablePointerToElements { p in try body(UnsafeRawBufferPointer(start: p, count: contentCount)) }
    }

    /// A copy of the content (journal records, tests).
    public var content: Bytes { withContent { Bytes($0) } }
    /// A copy of the encoded properties.
    public var properties: Bytes { withContent { Bytes($0[0..<propertiesCount]) } }
    /// A copy of the body.
    public var body: Bytes { withContent { Bytes($0[propertiesCount...]) } }

    /// Bytes this message costs in memory accounting (content plus a fixed overhead).
    var accountedBytes: Int { contentCount + 80 }
}

/// One message's place in one queue (24 bytes: the redelivered flag lives in the top bit of
/// the sequence word).
public struct QueueEntry {
    /// The (shared) message.
    public let message: Message
    private var seqAndFlag: UInt64
    /// Absolute expiry (Unix ms); Int64.max when none.
    public let expiresAtMs: Int64

    private static let flag: UInt64 = 1 << 63

    public init(message: Message, seq: UInt64, expiresAtMs: Int64 = .max, redelivered: Bool = false) {
        self.message = message
        self.seqAndFlag = seq | (redelivered ? QueueEntry.flag : 0)
        self.expiresAtMs = expiresAtMs
    }

    /// Per-queue sequence number: the original FIFO position, used to requeue in order.
    @inline(__always) public var seq: UInt64 { seqAndFlag & ~QueueEntry.flag }

    /// Set once the message has been delivered and put back.
    public var redelivered: Bool {
        @inline(__always) get { seqAndFlag & QueueEntry.flag != 0 }
        set { seqAndFlag = newValue ? seqAndFlag | QueueEntry.flag : seqAndFlag & ~QueueEntry.flag }
    }
}

/// Why a message left its queue without being acked (x-death `reason`).
public enum DeathReason: String, Sendable {
    case rejected
    case expired
    case maxlen
}

/// What the channel layer needs to add an x-death entry when a message is dead-lettered.
public struct DeathEvent {
    /// The queue the message died in.
    public let queue: Bytes
    /// Why (rejected, expired, maxlen).
    public let reason: DeathReason
    /// Absolute time of death, Unix ms (x-death `time` is in seconds).
    public let timeMs: Int64
    /// The exchange and routing key the message was originally published with.
    public let exchange: Bytes
    /// x-death `routing-keys`.
    public let routingKeys: [Bytes]
}

/// Supplied by the channel layer (which owns the AMQP codec) so the broker can read headers for
/// the headers exchange and rewrite properties when dead-lettering, without seeing field tables.
public protocol MessagePropertyCodec: AnyObject {
    /// The message's `headers` property, decoded (empty when absent).
    func headers(of message: Message) -> Arguments
    /// The message's content with an x-death entry added for `death` (and `expiration` removed,
    /// as RabbitMQ does). Returns the new content and its properties length.
    func deadLettered(_ message: Message, death: DeathEvent) -> (content: Bytes, propertiesCount: Int)
}
