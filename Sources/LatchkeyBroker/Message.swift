// A published message as the broker stores it: one allocation holding the encoded basic
// properties followed by the body (the channel layer encodes/decodes them; the broker only
// slices), shared by every queue it was routed to. Per-queue state (position, expiry,
// redelivered) lives in `QueueEntry`.
import LatchkeyCore

/// An immutable published message, shared between queues.
public final class Message {
    /// Stable id (unique per broker, survives restarts through the journal).
    public let id: UInt64
    /// Encoded content-header property flags + property list, followed by the body.
    public let content: Bytes
    /// How many leading bytes of `content` are the encoded properties.
    public let propertiesCount: Int
    /// Exchange and routing key the message was published with (shown in deliver/get-ok).
    public let exchange: Bytes
    /// Shares the queue name's storage when published through the default exchange (saves one
    /// allocation per queued message).
    public internal(set) var routingKey: Bytes
    /// delivery-mode 2.
    public let persistent: Bool
    /// The priority property (0 when absent).
    public let priority: UInt8
    /// Per-message TTL from the `expiration` property, in ms; -1 when absent.
    public let ttlMs: Int64
    /// Number of queue entries (ready or unacked) holding this message; memory is counted once.
    var references = 0

    public init(
        id: UInt64, content: Bytes, propertiesCount: Int, exchange: Bytes, routingKey: Bytes,
        persistent: Bool = false, priority: UInt8 = 0, ttlMs: Int64 = -1
    ) {
        self.id = id
        self.content = content
        self.propertiesCount = propertiesCount
        self.exchange = exchange
        self.routingKey = routingKey
        self.persistent = persistent
        self.priority = priority
        self.ttlMs = ttlMs
    }

    /// Body size in bytes (what x-max-length-bytes counts).
    @inlinable public var bodyCount: Int { content.count - propertiesCount }

    /// The encoded properties.
    @inlinable public var properties: ArraySlice<UInt8> { content[0..<propertiesCount] }

    /// The body.
    @inlinable public var body: ArraySlice<UInt8> { content[propertiesCount...] }

    /// Bytes this message costs in memory accounting (content plus a fixed overhead).
    var accountedBytes: Int { content.count + exchange.count + routingKey.count + 96 }
}

/// One message's place in one queue.
public struct QueueEntry {
    public let message: Message
    /// Per-queue sequence number: the original FIFO position, used to requeue in order.
    public let seq: UInt64
    /// Absolute expiry (Unix ms); Int64.max when none.
    public let expiresAtMs: Int64
    /// Set once the message has been delivered and put back.
    public var redelivered: Bool

    public init(message: Message, seq: UInt64, expiresAtMs: Int64 = .max, redelivered: Bool = false) {
        self.message = message
        self.seq = seq
        self.expiresAtMs = expiresAtMs
        self.redelivered = redelivered
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
    public let queue: Bytes
    public let reason: DeathReason
    /// Absolute time of death, Unix ms (x-death `time` is in seconds).
    public let timeMs: Int64
    /// The exchange and routing key the message was originally published with.
    public let exchange: Bytes
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
