// The pub/sub registry: which clients listen on which channels, patterns and shard channels, and
// delivery of a published message into each listener's output. Delivery writes into other
// clients' outboxes from inside one client's command; a listener that is itself inside `receive`
// has its outbox swapped into its session's ReplyWriter, so its output goes there instead (see
// RESPSession). Slow listeners are bounded by `client-output-buffer-limit pubsub`.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

/// One client's subscriptions, each in the order it subscribed (UNSUBSCRIBE without arguments
/// reports them in that order).
struct Subscriptions {
    var channels = OrderedBytes()
    var patterns = OrderedBytes()
    var shardChannels = OrderedBytes()
    /// When the output first passed the pubsub soft limit (0 = it is under the limit).
    var softLimitSinceMs: Int64 = 0

    /// Redis's `clientSubscriptionsCount`: channels + patterns (what SUBSCRIBE replies count).
    var count: Int { channels.count + patterns.count }
    /// Any subscription at all: the client is in subscribed mode (RESP2) and a pubsub client.
    /// Stored (PubSubHub refreshes it) because the gate tests it for every command.
    private(set) var isSubscribed = false

    mutating func refresh() { isSubscribed = !channels.isEmpty || !patterns.isEmpty || !shardChannels.isEmpty }
}

/// A set of byte strings that remembers insertion order.
struct OrderedBytes {
    private(set) var items: [Bytes] = []
    private var members: Set<Bytes> = []
    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    func contains(_ b: Bytes) -> Bool { members.contains(b) }
    /// Adds `b`; false when it was already there.
    mutating func insert(_ b: Bytes) -> Bool {
        guard members.insert(b).inserted else { return false }
        items.append(b)
        return true
    }
    mutating func remove(_ b: Bytes) -> Bool {
        guard members.remove(b) != nil else { return false }
        items.removeAll { $0 == b }
        return true
    }
}

/// Which namespace a subscription lives in.
enum SubscriptionKind { case channel, pattern, shard }

/// The server's pub/sub state (one per CommandEngine).
final class PubSubHub {
    /// channel → listeners, in subscription order (Redis delivers in that order).
    private(set) var channels: [Bytes: [RESPClientState]] = [:]
    /// pattern → listeners, and the patterns in the order first subscribed.
    private(set) var patterns: [Bytes: [RESPClientState]] = [:]
    private var patternOrder: [Bytes] = []
    private(set) var shardChannels: [Bytes: [RESPClientState]] = [:]
    /// `client-output-buffer-limit pubsub` (0 = no limit), re-read after CONFIG SET.
    var limits = OutputBufferLimits(hard: 32 << 20, soft: 8 << 20, softSeconds: 60)
    /// Listeners closed because their output passed the limits.
    private(set) var limitDisconnections: UInt64 = 0

    // MARK: subscribing

    /// Adds `name` to `client`'s subscriptions of `kind`; false when it was already there.
    func subscribe(_ client: RESPClientState, _ name: Bytes, _ kind: SubscriptionKind) -> Bool {
        defer { PubSubHub.refresh(client) }
        switch kind {
        case .channel:
            guard client.subscriptions.channels.insert(name) else { return false }
            channels[name, default: []].append(client)
        case .pattern:
            guard client.subscriptions.patterns.insert(name) else { return false }
            if patterns[name] == nil { patternOrder.append(name) }
            patterns[name, default: []].append(client)
        case .shard:
            guard client.subscriptions.shardChannels.insert(name) else { return false }
            shardChannels[name, default: []].append(client)
        }
        return true
    }

    /// Removes one subscription; false when `client` did not have it.
    func unsubscribe(_ client: RESPClientState, _ name: Bytes, _ kind: SubscriptionKind) -> Bool {
        defer { PubSubHub.refresh(client) }
        switch kind {
        case .channel:
            guard client.subscriptions.channels.remove(name) else { return false }
            PubSubHub.drop(client, name, from: &channels)
        case .pattern:
            guard client.subscriptions.patterns.remove(name) else { return false }
            PubSubHub.drop(client, name, from: &patterns)
            if patterns[name] == nil { patternOrder.removeAll { $0 == name } }
        case .shard:
            guard client.subscriptions.shardChannels.remove(name) else { return false }
            PubSubHub.drop(client, name, from: &shardChannels)
        }
        return true
    }

    /// Subscribed mode changed maybe: like Redis, a subscriber is not closed by `timeout`
    /// (it may legitimately wait silently for a long time).
    private static func refresh(_ client: RESPClientState) {
        let was = client.subscriptions.isSubscribed
        client.subscriptions.refresh()
        if was != client.subscriptions.isSubscribed { client.info.exemptFromIdleTimeout = !was }
    }

    private static func drop(_ client: RESPClientState, _ name: Bytes, from table: inout [Bytes: [RESPClientState]]) {
        guard var list = table[name] else { return }
        list.removeAll { $0 === client }
        table[name] = list.isEmpty ? nil : list
    }

    /// Forgets every subscription of a client that disconnected or sent RESET (no replies).
    func removeAll(_ client: RESPClientState) {
        for c in client.subscriptions.channels.items { _ = unsubscribe(client, c, .channel) }
        for p in client.subscriptions.patterns.items { _ = unsubscribe(client, p, .pattern) }
        for s in client.subscriptions.shardChannels.items { _ = unsubscribe(client, s, .shard) }
        client.subscriptions = Subscriptions()
    }

    var patternCount: Int { patterns.count }

    // MARK: publishing

    /// Delivers `message` to every listener of `channel` and of the patterns matching it (in
    /// Redis's order: channel listeners, then pattern listeners). Returns how many got it.
    @discardableResult func publish(channel: Bytes, message: Bytes, nowMs: Int64) -> Int {
        var receivers = 0
        if let list = channels[channel] {
            let frame = PubSubHub.frame([PubSubHub.word.message, channel, message])
            for c in list { deliver(frame, to: c, nowMs: nowMs) }
            receivers += list.count
        }
        if !patternOrder.isEmpty {
            for p in patternOrder where Glob.matches(p, channel) {
                guard let list = patterns[p] else { continue }
                let frame = PubSubHub.frame([PubSubHub.word.pmessage, p, channel, message])
                for c in list { deliver(frame, to: c, nowMs: nowMs) }
                receivers += list.count
            }
        }
        return receivers
    }

    /// SPUBLISH: shard-channel listeners only.
    func publishShard(channel: Bytes, message: Bytes, nowMs: Int64) -> Int {
        guard let list = shardChannels[channel] else { return 0 }
        let frame = PubSubHub.frame([PubSubHub.word.smessage, channel, message])
        for c in list { deliver(frame, to: c, nowMs: nowMs) }
        return list.count
    }

    /// The message kinds, as bytes.
    enum word {
        static let message = Bytes("message".utf8)
        static let pmessage = Bytes("pmessage".utf8)
        static let smessage = Bytes("smessage".utf8)
    }

    /// A RESP2 array of bulk strings; RESP3 listeners get the same bytes with `>` for `*`.
    static func frame(_ parts: [Bytes]) -> Bytes {
        var out = Bytes()
        out.reserveCapacity(parts.reduce(16) { $0 + $1.count + 16 })
        out.append(42)
        ASCII.appendDecimal(Int64(parts.count), to: &out)
        out.append(contentsOf: [13, 10])
        for p in parts {
            out.append(36)
            ASCII.appendDecimal(Int64(p.count), to: &out)
            out.append(contentsOf: [13, 10])
            out.append(contentsOf: p)
            out.append(contentsOf: [13, 10])
        }
        return out
    }

    static func frame(_ parts: [StaticString]) -> Bytes { [] }

    /// Appends one push to a listener's output (`nowMs` is real time: output limits are about
    /// the connection, not the data clock LATCHKEY CLOCK moves), unless that would pass the pubsub limits, in
    /// which case the listener is closed without the message (checked before buffering).
    func deliver(_ frame: Bytes, to client: RESPClientState, nowMs: Int64) {
        let outbox = client.outbox
        if outbox.isClosed || outbox.closeAfterFlush { return }
        let writer = client.receivingWriter
        let buffered = writer?.bytes.count ?? outbox.bytes.count
        let pending = buffered + outbox.transportQueuedBytes + frame.count
        if limits.hard > 0 && Int64(pending) > limits.hard { return closeForLimit(client) }
        if limits.soft > 0 && Int64(pending) > limits.soft {
            let since = client.subscriptions.softLimitSinceMs
            if since == 0 {
                client.subscriptions.softLimitSinceMs = nowMs
            } else if nowMs - since > limits.softSeconds * 1000 {
                return closeForLimit(client)
            }
        } else {
            client.subscriptions.softLimitSinceMs = 0
        }
        if let writer {
            PubSubHub.append(frame, resp3: client.protocolVersion == 3, to: &writer.bytes)
        } else {
            PubSubHub.append(frame, resp3: client.protocolVersion == 3, to: &outbox.bytes)
            outbox.markDirty()
        }
    }

    private static func append(_ frame: Bytes, resp3: Bool, to out: inout Bytes) {
        if resp3 {
            out.append(62)  // '>'
            out.append(contentsOf: frame[1...])
        } else {
            out.append(contentsOf: frame)
        }
    }

    /// Redis frees such a client asynchronously and drops its pending output; so does this.
    private func closeForLimit(_ client: RESPClientState) {
        limitDisconnections &+= 1
        let outbox = client.outbox
        outbox.discardAndClose = true
        outbox.closeAfterFlush = true
        outbox.markDirty()
    }
}
