// The seam between the log and a front end's state (RESP keyspace, AMQP broker): replay one
// record at boot, and frame the live state for a rewrite. Front ends conform in their own
// modules (or the server adds the conformance); the log never imports them.

/// A front end whose state lives in the log. At boot the server calls `beginLogReplay`, then
/// `replayLogRecord` for each of its records in order, then `finishLogReplay` (also when the
/// log is empty or missing).
public protocol LogParticipant: AnyObject {
    /// Replay starts (e.g. suppress journaling, collect messages by id).
    func beginLogReplay()
    /// Replay is over (e.g. restore queue order, mark unacknowledged messages redelivered).
    func finishLogReplay()
    /// Whether records of this type are this participant's (keyspace: 1-6, broker: 16-24).
    func handlesLogRecord(_ type: RecordType) -> Bool
    /// Applies one record at boot, straight to the model (never through the wire).
    func replayLogRecord(_ record: LogRecord)
    /// Appends the live state as framed records (`RecordCodec.encode`/`encodeSet`) for a
    /// rewrite: on the loop thread, so keep it a tight copy loop.
    func writeLogSnapshot(into out: inout [UInt8], nowMs: Int64)
}

extension LogParticipant {
    public func beginLogReplay() {}
    public func finishLogReplay() {}
}

extension RecordType {
    /// Keyspace records (RESP).
    public var isKeyspace: Bool { rawValue < 16 }
    /// Broker records (AMQP).
    public var isBroker: Bool { rawValue >= 16 }
}
