// The seam between the log and a front end's state (RESP keyspace, AMQP broker): which record
// types are whose, replay one record at boot, and frame the live state for a rewrite. Front ends conform in their own
// modules (or the server adds the conformance); the log never imports them. A rewrite may take
// the snapshot in slices across loop ticks (LogWriter+Stream.swift says why that is correct).

/// A front end whose state lives in the log. At boot the server calls `beginLogReplay`, then
/// `replayLogRecord` for each of its records in order, then `finishLogReplay` (also when the
/// log is empty or missing).
public protocol LogParticipant: AnyObject {
    /// Replay starts (e.g. suppress journaling, collect messages by id).
    func beginLogReplay()
    /// Replay is over (e.g. restore queue order, mark unacknowledged messages redelivered).
    func finishLogReplay()
    /// The record types that are this participant's: replay hands it exactly these. Each type
    /// belongs to one participant; the log itself does not know which.
    var logRecordTypes: [RecordType] { get }
    /// Whether `writeLogSnapshotSlice` really works in slices. A rewrite frames the others
    /// whole in its first slice, at the moment the capture starts, so they come first.
    var snapshotsInSlices: Bool { get }
    /// Applies one record at boot, straight to the model (never through the wire).
    func replayLogRecord(_ record: LogRecord)
    /// Appends the live state as framed records (`RecordCodec.encode`/`encodeSet`) for a
    /// rewrite: on the loop thread, so keep it a tight copy loop.
    func writeLogSnapshot(into out: inout [UInt8], nowMs: Int64)
    /// Appends the next slice of the live state (about `maxRecords` records) for an incremental
    /// rewrite, resuming from `cursor` and setting `cursor.done` after the last one. The state
    /// may change between slices: the writer's rewrite buffer, replayed after the snapshot,
    /// carries every change made since the rewrite began, so a slice only has to visit every
    /// record that stays unchanged for the whole walk (visiting one twice is harmless).
    /// Default: the whole one-shot snapshot as a single slice.
    func writeLogSnapshotSlice(into out: inout [UInt8], cursor: inout LogSnapshotCursor, nowMs: Int64, maxRecords: Int)
}

/// Where a participant's incremental snapshot resumes (opaque to the log).
public struct LogSnapshotCursor: Sendable, Equatable {
    /// E.g. the database index.
    public var section = 0
    /// E.g. the SCAN-style cursor within the section.
    public var position = 0
    /// Set by the participant after its last slice.
    public var done = false
    public init() {}
}

extension LogParticipant {
    public var snapshotsInSlices: Bool { false }
    public func beginLogReplay() {}
    public func finishLogReplay() {}

    public func writeLogSnapshotSlice(
        into out: inout [UInt8], cursor: inout LogSnapshotCursor, nowMs: Int64, maxRecords: Int
    ) {
        if cursor.done { return }
        writeLogSnapshot(into: &out, nowMs: nowMs)
        cursor.done = true
    }
}
