// The broker: virtual hosts holding queues and exchanges, the message-id counter, memory
// accounting for queued messages, and the pending-dispatch list that makes delivery fair.
// Frame-free and single-threaded (the loop owns it). Operations live in Broker+*.swift; the
// channel layer calls them with typed values and maps BrokerError to AMQP exceptions.
import LatchkeyCore

/// Receives the durable effects (durable queues/exchanges/bindings, persistent messages on
/// durable queues). The channel layer adapts these to LatchkeyLog's `LogRecord`s.
public protocol BrokerJournal: AnyObject {
    /// A durable, non-exclusive queue was created.
    func queueDeclared(_ queue: Queue)
    /// It was deleted (explicitly, auto-delete or x-expires); its messages go with it.
    func queueDeleted(_ queue: Queue)
    /// A durable exchange was created.
    func exchangeDeclared(_ exchange: Exchange)
    /// It was deleted.
    func exchangeDeleted(_ exchange: Exchange)
    /// A binding between durable ends was added.
    func bound(_ binding: Binding)
    /// It was removed (explicitly; bindings vanishing with a deleted queue are implied).
    func unbound(_ binding: Binding)
    /// A persistent message entered a journaled queue.
    func messageEnqueued(_ message: Message, queue: Queue)
    /// It left that queue for good (ack, reject, expiry, overflow, purge: a purge journals one
    /// of these per persistent message, not a queue-wide record, because unacked messages
    /// survive it).
    func messageSettled(_ message: Message, queue: Queue)
}

/// A virtual host: a namespace of queues and exchanges.
public final class VirtualHost {
    /// The vhost name ("/").
    public let name: Bytes
    /// Queues by name.
    public internal(set) var queues: [Bytes: Queue] = [:]
    /// Exchanges by name, the predeclared ones included ("" is the default exchange).
    public internal(set) var exchanges: [Bytes: Exchange] = [:]

    init(name: Bytes) {
        self.name = name
        let none = Arguments.empty
        func system(_ n: String, _ k: ExchangeKind) {
            let b = Array(n.utf8)
            exchanges[b] = Exchange(
                name: b, vhost: self, kind: k, durable: true, autoDelete: false, internal: false, arguments: none,
                isSystem: true)
        }
        system("", .direct)
        system("amq.direct", .direct)
        system("amq.fanout", .fanout)
        system("amq.topic", .topic)
        system("amq.headers", .headers)
        system("amq.match", .headers)
    }

    /// The queue with this name, without access checks.
    public func queue(named name: Bytes) -> Queue? { queues[name] }
    /// The exchange with this name.
    public func exchange(named name: Bytes) -> Exchange? { exchanges[name] }
}

/// All broker state.
public final class Broker {
    /// Time for TTLs and x-expires.
    public let clock: Clock
    /// Virtual hosts by name.
    public internal(set) var vhosts: [Bytes: VirtualHost] = [:]
    /// Durable effects go here (nil: not journaling).
    public var journal: BrokerJournal?
    /// Header decoding and x-death rewriting, supplied by the channel layer.
    public var propertyCodec: MessagePropertyCodec?
    /// Bytes of all messages held by queues (ready or unacked), each message counted once.
    public internal(set) var queuedBytes = 0
    /// Messages held (each counted once).
    public internal(set) var queuedMessages = 0

    var nextMessageID: UInt64 = 1
    var routeEpoch: UInt64 = 0
    var pendingDispatch: [Queue] = []
    var draining = false
    var rng = SystemRandomNumberGenerator()
    var exclusiveQueues: [UInt64: [Queue]] = [:]
    /// Queues with TTLs or x-expires, visited by `cron`.
    var timedQueues: [ObjectIdentifier: Queue] = [:]
    /// Set while rebuilding state from the log: nothing is journaled.
    var replaying = false
    var replayMessages: [ObjectIdentifier: [UInt64: Message]] = [:]
    /// Scratch list for routing (reused across publishes).
    var routeTargets: [Queue] = []
    /// The queue the last default-exchange publish went to: a publisher usually repeats the
    /// routing key, and comparing its bytes is far cheaper than hashing them for the lookup.
    /// removeQueue clears it, so it never names a deleted queue.
    var lastDirectQueue: Queue?
    /// Likewise the exchange the last publish named, with its vhost; removeExchange clears it.
    var lastExchange: (vhost: ObjectIdentifier, exchange: Exchange)?

    /// A broker with the given virtual hosts (default "/").
    public init(clock: Clock, vhosts: [String] = ["/"]) {
        self.clock = clock
        for v in vhosts { addVirtualHost(Array(v.utf8)) }
    }

    /// Adds (or returns the existing) vhost.
    @discardableResult public func addVirtualHost(_ name: Bytes) -> VirtualHost {
        if let v = vhosts[name] { return v }
        let v = VirtualHost(name: name)
        vhosts[name] = v
        return v
    }

    /// The vhost with this name.
    public func vhost(named name: Bytes) -> VirtualHost? { vhosts[name] }

    /// A fresh message id (the channel layer uses it when it builds a Message).
    public func allocateMessageID() -> UInt64 {
        defer { nextMessageID += 1 }
        return nextMessageID
    }

    /// Server-generated queue name: "amq.gen-" + 22 url-safe base64 characters.
    public func generateQueueName() -> Bytes { Broker.randomName(prefix: "amq.gen-", using: &rng) }

    /// "amq.ctag-" + 22 url-safe base64 characters (server-chosen consumer tags).
    public func generateConsumerTag() -> Bytes { Broker.randomName(prefix: "amq.ctag-", using: &rng) }

    static func randomName(prefix: String, using rng: inout SystemRandomNumberGenerator) -> Bytes {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out = Array(prefix.utf8)
        for _ in 0..<22 { out.append(alphabet[Int(rng.next() & 63)]) }
        return out
    }

    // MARK: memory accounting

    func retain(_ m: Message) {
        if m.references == 0 {
            queuedBytes += m.accountedBytes
            queuedMessages += 1
        }
        m.references += 1
    }

    func release(_ m: Message) {
        m.references -= 1
        if m.references == 0 {
            queuedBytes -= m.accountedBytes
            queuedMessages -= 1
        }
    }

    // MARK: dispatch scheduling

    /// Queues `q` for dispatch; delivery happens in `drainDispatch`, one queue at a time, so a
    /// delivery never re-enters another queue's dispatch.
    func schedule(_ q: Queue) {
        if q.dispatchScheduled || q.isDeleted || q.consumers.isEmpty { return }
        q.dispatchScheduled = true
        pendingDispatch.append(q)
    }

    /// Runs every pending dispatch. Public operations call this before returning.
    func drainDispatch() {
        if draining || pendingDispatch.isEmpty { return }
        draining = true
        defer { draining = false }
        var i = 0
        while i < pendingDispatch.count {
            let q = pendingDispatch[i]
            i += 1
            q.dispatchScheduled = false
            if !q.isDeleted { dispatch(q) }
        }
        // Usually one queue: popping is far cheaper than removeAll(keepingCapacity:) (~160 Ir).
        while pendingDispatch.popLast() != nil {}
    }

    /// Re-runs dispatch for a channel whose `paused` flag was cleared (socket drained, flow on).
    public func resume(_ channel: DeliveryChannel) {
        for c in channel.consumers.values { schedule(c.queue) }
        drainDispatch()
    }
}
