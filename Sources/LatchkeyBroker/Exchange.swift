// Exchanges and bindings: the declared attributes, the list of bindings (for if-unused,
// unbind and cleanup) and a per-type routing index — a dictionary for direct, a list for
// fanout and headers, a word trie for topic (TopicIndex.swift). Frame-free: headers come in as
// typed `Arguments`.
import LatchkeyCore

/// The exchange types RabbitMQ ships (x-* plugin types are refused with 503).
public enum ExchangeKind: String, Sendable {
    case direct, fanout, topic, headers

    /// Parses a declare's type field; nil for unknown types.
    public init?(bytes: Bytes) {
        guard let k = ExchangeKind(rawValue: bytes.string) else { return nil }
        self = k
    }
}

/// Where a binding delivers: a queue or (exchange-to-exchange) another exchange.
public enum Destination {
    case queue(Queue)
    case exchange(Exchange)

    func same(_ other: Destination) -> Bool {
        switch (self, other) {
        case (.queue(let a), .queue(let b)): a === b
        case (.exchange(let a), .exchange(let b)): a === b
        default: false
        }
    }

    /// The destination's name.
    public var name: Bytes {
        switch self {
        case .queue(let q): q.name
        case .exchange(let e): e.name
        }
    }

    var isDurable: Bool {
        switch self {
        case .queue(let q): q.isJournaled
        case .exchange(let e): e.durable
        }
    }
}

/// One binding from `source` to `destination`.
public struct Binding {
    /// The exchange messages come from.
    public unowned let source: Exchange
    /// Where they go.
    public let destination: Destination
    /// The binding key.
    public let routingKey: Bytes
    /// Binding arguments (headers exchanges match on them).
    public let arguments: Arguments
}

/// An exchange.
public final class Exchange {
    /// The exchange name.
    public let name: Bytes
    /// Its vhost.
    public unowned let vhost: VirtualHost
    /// direct, fanout, topic or headers.
    public let kind: ExchangeKind
    /// Survives restarts (journaled).
    public let durable: Bool
    /// Deleted when its last binding goes.
    public let autoDelete: Bool
    /// Only reachable through exchange-to-exchange bindings.
    public let `internal`: Bool
    /// Declare arguments (alternate-exchange is honoured).
    public let arguments: Arguments
    /// Predeclared (amq.*): cannot be deleted.
    public let isSystem: Bool
    /// Bindings with this exchange as source, in creation order.
    public internal(set) var bindings: [Binding] = []
    var hadBinding = false
    var routeStamp: UInt64 = 0

    private var direct: [Bytes: [Destination]] = [:]
    private var topic = TopicIndex()

    init(
        name: Bytes, vhost: VirtualHost, kind: ExchangeKind, durable: Bool, autoDelete: Bool, internal: Bool,
        arguments: Arguments, isSystem: Bool = false
    ) {
        self.name = name
        self.vhost = vhost
        self.kind = kind
        self.durable = durable
        self.autoDelete = autoDelete
        self.internal = `internal`
        self.arguments = arguments
        self.isSystem = isSystem
    }

    func indexOf(_ d: Destination, _ rk: Bytes, _ args: Arguments) -> Int? {
        bindings.firstIndex { $0.destination.same(d) && $0.routingKey == rk && $0.arguments.sameEntries(args) }
    }

    /// Adds a binding; returns false when an identical one exists (a no-op, as in RabbitMQ).
    func addBinding(_ d: Destination, routingKey: Bytes, arguments: Arguments) -> Bool {
        if indexOf(d, routingKey, arguments) != nil { return false }
        bindings.append(Binding(source: self, destination: d, routingKey: routingKey, arguments: arguments))
        hadBinding = true
        switch kind {
        case .direct: direct[routingKey, default: []].append(d)
        case .topic: topic.insert(routingKey, d)
        case .fanout, .headers: break
        }
        return true
    }

    /// Removes a binding; returns false when there was none.
    func removeBinding(_ d: Destination, routingKey: Bytes, arguments: Arguments) -> Bool {
        guard let i = indexOf(d, routingKey, arguments) else { return false }
        bindings.remove(at: i)
        unindex(d, routingKey)
        return true
    }

    /// Removes every binding to `d` (its queue or exchange was deleted); returns them.
    func removeBindings(to d: Destination) -> [Binding] {
        var removed: [Binding] = []
        bindings.removeAll { b in
            guard b.destination.same(d) else { return false }
            removed.append(b)
            return true
        }
        for b in removed { unindex(d, b.routingKey) }
        return removed
    }

    private func unindex(_ d: Destination, _ rk: Bytes) {
        switch kind {
        case .direct:
            // Another binding with the same key but different arguments still routes to d.
            if bindings.contains(where: { $0.destination.same(d) && $0.routingKey == rk }) { return }
            if var list = direct[rk] {
                list.removeAll { $0.same(d) }
                direct[rk] = list.isEmpty ? nil : list
            }
        case .topic:
            if bindings.contains(where: { $0.destination.same(d) && $0.routingKey == rk }) { return }
            topic.remove(rk, d)
        case .fanout, .headers: break
        }
    }

    /// Calls `body` for every destination matching the message (possibly more than once per
    /// destination; the caller de-duplicates).
    func route(routingKey: Bytes, headers: () -> Arguments, _ body: (Destination) -> Void) {
        switch kind {
        case .direct: if let list = direct[routingKey] { for d in list { body(d) } }
        case .fanout: for b in bindings { body(b.destination) }
        case .topic: topic.match(routingKey, body)
        case .headers:
            if bindings.isEmpty { return }
            let h = headers()
            for b in bindings where HeadersMatch.matches(binding: b.arguments, headers: h) { body(b.destination) }
        }
    }
}

/// The headers exchange's rule: x-match all (default) / any over the binding's non-x- keys;
/// a void binding value matches on presence alone.
enum HeadersMatch {
    static func matches(binding: Arguments, headers: Arguments) -> Bool {
        var any = false
        if case .string(let m)? = binding["x-match"] { any = m == Array("any".utf8) || m == Array("any-with-x".utf8) }
        var checked = 0
        for e in binding.entries {
            if e.key.count >= 2 && e.key[0] == 0x78 && e.key[1] == 0x2D { continue }  // "x-"
            checked += 1
            let ok: Bool
            if let v = headers[bytes: e.key] {
                if case .void = e.value { ok = true } else { ok = v.sameValue(e.value) }
            } else {
                ok = false
            }
            if any && ok { return true }
            if !any && !ok { return false }
        }
        return any ? false : true
    }
}
