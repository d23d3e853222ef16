// The per-tick buffer between handlers and the log writer: records are framed as they are
// journaled, and the server hands the bytes to LogWriter once per loop tick, before any reply
// leaves. It also collects the outboxes whose replies must wait for the fsync (publisher
// confirms); holding them is the server's business (OutputHold), not the journal's.
import LatchkeyCore

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
        if isEnabled { if RecordCodec.encode(record, into: &bytes) { count += 1 } else { oversizedRecords += 1 } }
    }

    public func enable(_ on: Bool) { isEnabled = on }

    /// Asks that `outbox`'s output of this tick be held until the records journaled so far are
    /// fsynced, even under `appendfsync everysec` (which then fsyncs right away): AMQP publisher
    /// confirms for persistent messages on durable queues, as RabbitMQ confirms only after its
    /// fsync. A no-op when the log is off; under `appendfsync no` nothing is fsynced or held.
    public func replyAfterFsync(_ outbox: Outbox) { if isEnabled { durableWaiters.append(outbox) } }

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
