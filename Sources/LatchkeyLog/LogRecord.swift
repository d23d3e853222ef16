// The effects the append-only log records. Records carry absolute times (Unix ms) and Core
// types only, so replay never depends on when it runs or on any protocol module. Handlers build
// a record for each state change *before* writing their reply (house rule: log before reply),
// and hand it to the Journal (Journal.swift).
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
    case unbound(
        vhost: Bytes, exchange: Bytes, destination: Bytes, toExchange: Bool, routingKey: Bytes, arguments: Bytes)
    /// A persistent message on a durable queue. `content` is the encoded content header payload
    /// (properties) followed by the body, as `Message` stores it; `id` is stable across restarts.
    case messageEnqueued(vhost: Bytes, queue: Bytes, id: UInt64, exchange: Bytes, routingKey: Bytes, content: Bytes)
    /// The message was acked, or rejected/expired/dropped without requeue.
    case messageSettled(vhost: Bytes, queue: Bytes, id: UInt64)
}
