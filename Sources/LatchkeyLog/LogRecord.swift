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
    /// Elements pushed one by one at the head (LPUSH order) or the tail; creates the list.
    case listPush(db: Int, key: Bytes, atHead: Bool, elements: [Bytes])
    /// `count` elements popped from the head or the tail; an emptied list is deleted.
    case listPop(db: Int, key: Bytes, atHead: Bool, count: Int)
    /// LSET with a non-negative index.
    case listSet(db: Int, key: Bytes, index: Int, value: Bytes)
    /// `value` inserted so that it ends up at non-negative `index` (LINSERT).
    case listInsert(db: Int, key: Bytes, index: Int, value: Bytes)
    /// LREM's effect: `count` as LREM takes it (0 = all, negative = from the tail).
    case listRemove(db: Int, key: Bytes, count: Int64, value: Bytes)
    /// Keep elements `start...stop` (non-negative, inclusive); an empty range deletes the key.
    case listTrim(db: Int, key: Bytes, start: Int, stop: Int)
    /// Fields set (flattened field, value pairs); creates the hash.
    case hashSet(db: Int, key: Bytes, pairs: [Bytes])
    /// Fields removed; an emptied hash is deleted.
    case hashDelete(db: Int, key: Bytes, fields: [Bytes])
    /// RENAME: the value and expiry of `from` move to `to`.
    case rename(db: Int, from: Bytes, to: Bytes)

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
/// Records are framed into `bytes` as they arrive (no array of enums per tick): the server hands
/// the buffer to `LogWriter.append(_:)` once per loop tick, before any reply is written.
public final class Journal {
    @exclusivity(unchecked) public private(set) var isEnabled: Bool
    /// Framed records appended since the writer last took them.
    @exclusivity(unchecked) public private(set) var bytes: [UInt8] = []
    /// How many records `bytes` holds.
    @exclusivity(unchecked) public private(set) var count = 0
    /// Outboxes whose output from this tick must wait for the fsync covering this tick's records,
    /// whatever `appendfsync` says (see `replyAfterFsync`).
    @exclusivity(unchecked) public private(set) var durableWaiters: [Outbox] = []

    public init(enabled: Bool) {
        isEnabled = enabled
        bytes.reserveCapacity(4096)
    }

    /// Largest payload the RESP gate lets a write produce while the log is on
    /// (`aof-max-record-size`, never above the codec's `maxPayload`).
    public var maxWritePayload = RecordCodec.maxPayload
    /// Records that could not be framed because they exceeded the codec's limit (a write that
    /// slipped past the gates; reported in the server log, never a trap).
    public private(set) var oversizedRecords = 0

    /// Journals one effect (a no-op when the log is off).
    public func append(_ record: LogRecord) {
        if isEnabled {
            if RecordCodec.encode(record, into: &bytes) { count += 1 } else { oversizedRecords += 1 }
        }
    }

    public func enable(_ on: Bool) { isEnabled = on }

    /// Asks that `outbox`'s output of this tick be held until the records journaled so far are
    /// fsynced, even under `appendfsync everysec` (which then fsyncs right away): AMQP publisher
    /// confirms for persistent messages on durable queues, as RabbitMQ confirms only after its
    /// fsync. A no-op when the log is off; under `appendfsync no` nothing is fsynced or held.
    public func replyAfterFsync(_ outbox: Outbox) {
        if isEnabled { durableWaiters.append(outbox) }
    }

    /// The outboxes `replyAfterFsync` named since the last call.
    public func takeDurableWaiters() -> [Outbox] {
        if durableWaiters.isEmpty { return [] }
        defer { durableWaiters.removeAll(keepingCapacity: true) }
        return durableWaiters
    }

    /// True when records are waiting for the writer.
    public var hasPending: Bool { !bytes.isEmpty }

    /// The records waiting for the writer, decoded (tests and debugging; not a hot path).
    public var pending: [LogRecord] { RecordCodec.decodeAll(bytes) ?? [] }

    /// Takes the pending records, decoded (tests). The writer uses `takeBytes` instead.
    public func take() -> [LogRecord] {
        let r = pending
        clear()
        return r
    }

    /// Lets `body` consume the framed bytes of this tick, then empties the buffer (keeping its
    /// capacity, so steady state allocates nothing).
    public func takeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        defer { clear() }
        return try bytes.withUnsafeBytes(body)
    }

    /// Drops pending records.
    public func clear() {
        bytes.removeAll(keepingCapacity: true)
        count = 0
    }
}
