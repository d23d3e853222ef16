// One queue's state: declaration (durable/exclusive/auto-delete/arguments), the ready list in
// exact FIFO order, the unacked count, consumers with their round-robin cursor, and the
// lifecycle timestamps x-expires needs. Routing, dispatch, expiry and dead-lettering are the
// Broker's (Broker+Delivery.swift), which can reach exchanges and the journal.
import LatchkeyCore

/// A message queue.
public final class Queue {
    /// The queue name.
    public let name: Bytes
    /// Its vhost.
    public unowned let vhost: VirtualHost
    /// Declared durable (never for exclusive queues).
    public let durable: Bool
    /// Connection id of the exclusive owner, or nil.
    public let exclusiveOwner: UInt64?
    /// Deleted when its last consumer goes.
    public let autoDelete: Bool
    /// The declare arguments as sent (compared on redeclare).
    public let arguments: Arguments
    /// The arguments that change behaviour, validated.
    public let settings: QueueSettings

    var ready: ReadyList
    /// Delivered (or fetched) messages not yet settled.
    public internal(set) var unackedCount = 0
    /// Consumers in subscription order; with x-single-active-consumer the first is active.
    public internal(set) var consumers: [Consumer] = []
    var roundRobin = 0
    /// Next per-queue sequence number (FIFO position).
    var nextSeq: UInt64 = 1
    /// Messages handed to consumers or basic.get since the queue was created (management rates).
    public internal(set) var deliveredTotal: UInt64 = 0
    /// Set once the queue has had a consumer (auto-delete only fires after that).
    var hadConsumer = false
    /// Last use for x-expires (declare, consume, get), Unix ms.
    var lastUsedMs: Int64
    /// True once deleted: late acks/requeues of its messages are dropped.
    public internal(set) var isDeleted = false
    /// In the broker's pending-dispatch list.
    var dispatchScheduled = false
    /// Routing de-duplication stamp (one publish enqueues at most once per queue).
    var routeStamp: UInt64 = 0
    /// Unacked persistent messages of a journaled queue, by seq (log rewrite must keep them).
    var persistentUnacked: [UInt64: QueueEntry] = [:]

    init(
        name: Bytes, vhost: VirtualHost, durable: Bool, exclusiveOwner: UInt64?, autoDelete: Bool, arguments: Arguments,
        settings: QueueSettings, nowMs: Int64
    ) {
        self.name = name
        self.vhost = vhost
        self.durable = durable
        self.exclusiveOwner = exclusiveOwner
        self.autoDelete = autoDelete
        self.arguments = arguments
        self.settings = settings
        self.ready = ReadyList(maxPriority: settings.maxPriority)
        self.lastUsedMs = nowMs
    }

    /// Ready messages (declare-ok / get-ok message-count).
    public var messageCount: Int { ready.count }
    /// Consumers (declare-ok consumer-count).
    public var consumerCount: Int { consumers.count }
    /// Body bytes of ready messages.
    public var readyBodyBytes: Int { ready.bodyBytes }
    /// Messages enqueued since the queue was created (its sequence counter; management rates).
    public var enqueuedTotal: UInt64 { nextSeq &- 1 }

    /// Journal only durable, non-exclusive queues (exclusive ones die with their connection).
    var isJournaled: Bool { durable && exclusiveOwner == nil }

    /// Whether `connection` may use this queue (exclusive queues: only their owner).
    func accessible(by connection: UInt64) -> Bool { exclusiveOwner == nil || exclusiveOwner == connection }

    /// Makes an entry for a newly routed message with its per-queue expiry.
    func makeEntry(_ message: Message, nowMs: Int64) -> QueueEntry {
        var ttl = settings.messageTTL
        if message.ttlMs >= 0 && (ttl < 0 || message.ttlMs < ttl) { ttl = message.ttlMs }
        let expires = ttl < 0 ? Int64.max : nowMs &+ ttl
        defer { nextSeq += 1 }
        return QueueEntry(message: message, seq: nextSeq, expiresAtMs: expires)
    }

    /// Whether the ready list is over x-max-length / x-max-length-bytes.
    var isOverLimit: Bool {
        (settings.maxLength >= 0 && ready.count > settings.maxLength)
            || (settings.maxLengthBytes >= 0 && ready.bodyBytes > settings.maxLengthBytes)
    }

    /// Whether accepting `message` would exceed a limit (reject-publish modes).
    func wouldOverflow(with message: Message) -> Bool {
        (settings.maxLength >= 0 && ready.count >= settings.maxLength)
            || (settings.maxLengthBytes >= 0 && ready.bodyBytes + message.bodyCount > settings.maxLengthBytes)
    }

    /// The next consumer with capacity, advancing the round-robin cursor past it.
    func nextConsumerWithCapacity() -> Consumer? {
        let n = consumers.count
        if n == 0 { return nil }
        if settings.singleActiveConsumer {
            let c = consumers[0]
            return c.hasCapacity ? c : nil
        }
        var i = roundRobin >= n ? 0 : roundRobin
        for _ in 0..<n {
            let c = consumers[i]
            i += 1
            if i == n { i = 0 }
            if c.hasCapacity {
                roundRobin = i
                return c
            }
        }
        return nil
    }

    /// True when a consumer of this queue (other than none) is exclusive.
    var hasExclusiveConsumer: Bool { consumers.contains { $0.exclusive } }
}
