// The x-arguments of queue.declare that change queue behaviour: typed validation with
// RabbitMQ's 406 texts, and the equivalence check applied on redeclare. Unknown x- arguments
// are stored and ignored, as RabbitMQ does.
import LatchkeyCore

// Checked numbers (issue 15): argument integers arrive as Int64 of any wire width; each is
// range-checked (negative, zero, 10-year expiry, 255 priorities) before it is stored or
// converted, and the broker only compares lengths with counts, so no client value is summed
// into an overflow. The channel layer's note is in AMQPFrontEnd.swift.

/// What happens when x-max-length / x-max-length-bytes is reached.
public enum OverflowMode: String, Sendable {
    case dropHead = "drop-head"
    case rejectPublish = "reject-publish"
    case rejectPublishDLX = "reject-publish-dlx"
}

/// The parsed, validated queue arguments.
public struct QueueSettings: Sendable {
    /// x-message-ttl in ms, or -1.
    public var messageTTL: Int64 = -1
    /// x-expires in ms, or -1.
    public var expires: Int64 = -1
    /// x-max-length, or -1.
    public var maxLength: Int64 = -1
    /// x-max-length-bytes, or -1.
    public var maxLengthBytes: Int64 = -1
    /// x-overflow.
    public var overflow: OverflowMode = .dropHead
    /// x-dead-letter-exchange (nil when not set; may be "" = the default exchange).
    public var deadLetterExchange: Bytes? = nil
    /// x-dead-letter-routing-key (nil: keep the message's key).
    public var deadLetterRoutingKey: Bytes? = nil
    /// x-max-priority (0 = not a priority queue).
    public var maxPriority: Int = 0
    /// x-single-active-consumer.
    public var singleActiveConsumer = false

    public init() {}

    /// RabbitMQ 3.10's largest x-message-ttl / x-expires / expiration: ten years in ms
    /// (found by bisecting a node; 315360000001 is refused with {value_too_large,N}).
    public static let maxExpiry: Int64 = 315_360_000_000

    /// Keys compared on redeclare (RabbitMQ's list of equivalence-checked arguments).
    static let checkedKeys = [
        "x-expires", "x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-max-length",
        "x-max-length-bytes", "x-max-priority", "x-overflow", "x-queue-mode", "x-single-active-consumer",
        "x-queue-type",
    ]

    /// Validates `args` for queue `name` and returns the settings, or RabbitMQ's 406.
    public static func parse(_ args: Arguments, queue name: Bytes, vhost: Bytes) throws(BrokerError) -> QueueSettings {
        var s = QueueSettings()
        func bad(_ key: String, _ why: String) -> BrokerError { .invalidArg(key, "queue", name, vhost, why) }
        func int(_ key: String, allowZero: Bool = true, expiry: Bool = false) throws(BrokerError) -> Int64? {
            guard let v = args[key] else { return nil }
            // RabbitMQ 3.10 prints this reason as an Erlang string, quotes included.
            guard case .integer(let n, _) = v else { throw bad(key, "\"expected integer, got \(v.typeName)\"") }
            if n == 0 && !allowZero { throw bad(key, "{value_zero,0}") }
            if n < 0 { throw bad(key, "{value_negative,\(n)}") }
            if expiry && n > maxExpiry { throw bad(key, "{value_too_large,\(n)}") }
            return n
        }
        func string(_ key: String) throws(BrokerError) -> Bytes? {
            guard let v = args[key] else { return nil }
            guard case .string(let b) = v else { throw bad(key, "{unacceptable_type,\(v.typeName)}") }
            return b
        }
        // x-dead-letter-exchange is checked first, by RabbitMQ's channel, with its own wording.
        if let v = args["x-dead-letter-exchange"] {
            guard case .string(let dlx) = v else {
                throw .preconditionFailed(
                    "invalid type '\(v.typeName)' for arg 'x-dead-letter-exchange' in "
                        + BrokerError.rs("queue", name, vhost))
            }
            s.deadLetterExchange = dlx
        }
        if let n = try int("x-expires", allowZero: false, expiry: true) { s.expires = n }
        if let n = try int("x-message-ttl", expiry: true) { s.messageTTL = n }
        if let n = try int("x-max-length") { s.maxLength = n }
        if let n = try int("x-max-length-bytes") { s.maxLengthBytes = n }
        if let n = try int("x-max-priority") {
            if n > 255 { throw bad("x-max-priority", "{max_value_exceeded,\(n)}") }
            s.maxPriority = Int(n)
        }
        if let o = try string("x-overflow") {
            guard let mode = OverflowMode(rawValue: o.string) else { throw bad("x-overflow", "invalid_overflow") }
            s.overflow = mode
        }
        if let m = try string("x-queue-mode"), m != Array("default".utf8), m != Array("lazy".utf8) {
            throw bad("x-queue-mode", "\"unsupported queue mode '\(m.string)'\"")
        }
        s.deadLetterRoutingKey = try string("x-dead-letter-routing-key")
        if s.deadLetterRoutingKey != nil && s.deadLetterExchange == nil {
            throw bad("x-dead-letter-routing-key", "routing_key_but_no_dlx_defined")
        }
        if let v = args["x-single-active-consumer"] {
            guard case .bool(let b) = v else {
                throw bad("x-single-active-consumer", "{unacceptable_type,\(v.typeName)}")
            }
            s.singleActiveConsumer = b
        }
        if let t = try string("x-queue-type") {
            // quorum and stream queues are accepted and behave as classic queues (docs/queues.md).
            guard t == Array("classic".utf8) || t == Array("quorum".utf8) || t == Array("stream".utf8) else {
                throw bad("x-queue-type", "\"unsupported queue type '\(t.string)'\"")
            }
        }
        return s
    }

    /// RabbitMQ's equivalence check of the checked keys between a redeclare and the queue.
    static func checkEquivalent(
        received: Arguments, current: Arguments, queue name: Bytes, vhost: Bytes
    ) throws(BrokerError) {
        for key in checkedKeys {
            let r = received[key]
            let c = current[key]
            switch (r, c) {
            case (nil, nil): continue
            case (let r?, let c?) where r.sameValue(c): continue
            case (nil, _?) where key == "x-queue-type", (_?, nil) where key == "x-queue-type": continue
            case (let r?, let c?):
                // RabbitMQ 3.10 prints bare values when both sides have one, and the
                // "the value '10' of type 'long'" form only next to a missing one ("none").
                throw .inequivalent(key, "queue", name, vhost, received: "'\(r.display)'", current: "'\(c.display)'")
            default: throw .inequivalent(key, "queue", name, vhost, received: describe(r), current: describe(c))
            }
        }
    }

    /// quorum and stream queues (kept as classic queues here) still refuse the properties
    /// RabbitMQ 3.10 refuses for them, in its order: exclusive, auto-delete, non-durable.
    static func checkReplicatedType(
        _ args: Arguments, exclusive: Bool, autoDelete: Bool, durable: Bool, queue name: Bytes, vhost: Bytes
    ) throws(BrokerError) {
        guard case .string(let t)? = args["x-queue-type"], t == Array("quorum".utf8) || t == Array("stream".utf8) else {
            return
        }
        let property = exclusive ? "exclusive-owner" : autoDelete ? "auto-delete" : !durable ? "non-durable" : nil
        if let property {
            throw .preconditionFailed("invalid property '\(property)' for " + BrokerError.rs("queue", name, vhost))
        }
    }

    static func describe(_ v: ArgumentValue?) -> String {
        guard let v else { return "none" }
        return "the value '\(v.display)' of type '\(v.typeName)'"
    }
}
