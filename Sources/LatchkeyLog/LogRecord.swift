// The effects the append-only log records. Records carry absolute times (Unix ms) and Core
// types only, so replay never depends on when it runs or on any protocol module. Handlers build
// a record for each state change *before* writing their reply (house rule: log before reply).
import LatchkeyCore

/// One durable effect.
public enum LogRecord: Equatable, Sendable {
    // keyspace (db is the Redis database index)
    /// A string value set, with absolute expiry in Unix ms (0 = no expiry).
    case set(db: Int, key: Bytes, value: Bytes, expireAtMs: Int64)
    case delete(db: Int, key: Bytes)
    case expireAt(db: Int, key: Bytes, atMs: Int64)
    case persist(db: Int, key: Bytes)
    case flushDB(db: Int)
    case flushAll

    // broker (vhost-qualified names; only durable queues/exchanges and persistent messages)
    /// `arguments` is the encoded AMQP field table (without its length prefix) as declared.
    case queueDeclared(vhost: Bytes, name: Bytes, autoDelete: Bool, arguments: Bytes)
    case queueDeleted(vhost: Bytes, name: Bytes)
    case queuePurged(vhost: Bytes, name: Bytes)
    case exchangeDeclared(vhost: Bytes, name: Bytes, type: Bytes, autoDelete: Bool, internal: Bool, arguments: Bytes)
    case exchangeDeleted(vhost: Bytes, name: Bytes)
    /// A binding between a durable exchange and a durable queue (or exchange, `toExchange`).
    case bound(vhost: Bytes, exchange: Bytes, destination: Bytes, toExchange: Bool, routingKey: Bytes, arguments: Bytes)
    case unbound(vhost: Bytes, exchange: Bytes, destination: Bytes, toExchange: Bool, routingKey: Bytes, arguments: Bytes)
    /// A persistent message on a durable queue. `content` is the encoded content header payload
    /// (properties) followed by the body, as `Message` stores it; `id` is stable across restarts.
    case messageEnqueued(vhost: Bytes, queue: Bytes, id: UInt64, exchange: Bytes, routingKey: Bytes, content: Bytes)
    /// The message was acked, or rejected/expired/dropped without requeue.
    case messageSettled(vhost: Bytes, queue: Bytes, id: UInt64)
}

/// Where handlers send effects. The server installs a journal backed by the log writer when
/// `appendonly yes`; otherwise `isEnabled` is false and handlers skip building records.
public final class Journal {
    public private(set) var isEnabled: Bool
    /// Records appended since the server last took them (at the end of a loop tick).
    public var pending: [LogRecord] = []

    public init(enabled: Bool) { isEnabled = enabled }

    @inlinable
    public func append(_ record: LogRecord) {
        if isEnabled { pending.append(record) }
    }

    public func enable(_ on: Bool) { isEnabled = on }

    /// Takes the records of this tick for the writer.
    public func take() -> [LogRecord] {
        let r = pending
        pending.removeAll(keepingCapacity: true)
        return r
    }
}
