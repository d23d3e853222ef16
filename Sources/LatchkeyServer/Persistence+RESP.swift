// Makes the RESP command engine a log participant: keyspace records replay through its
// Replay+Keyspace hook, and a rewrite frames every live key straight from the keyspace's
// entries (no per-key allocation). Rewrites take it in slices (writeLogSnapshotSlice) so no
// loop tick pauses for long; the one-shot form stays for callers that want it whole.
import LatchkeyCommands
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyLog

extension CommandEngine: LogParticipant {
    public func handlesLogRecord(_ type: RecordType) -> Bool { type.isKeyspace }

    public func replayLogRecord(_ record: LogRecord) { replay(record) }

    public func writeLogSnapshot(into out: inout [UInt8], nowMs: Int64) {
        // One allocation up front (entries take about what their frames take) instead of regrowth.
        out.reserveCapacity(out.count + keyspace.memoryBytes + 64)
        for (index, db) in keyspace.databases.enumerated() {
            for slot in 0..<db.capacity where db.isOccupied(slot) {
                let e = db.entry(at: slot)
                if e.expireAt != 0 && e.expireAt <= nowMs { continue }
                RecordCodec.encodeSet(
                    db: index, key: UnsafeRawBufferPointer(e.key.buffer),
                    value: UnsafeRawBufferPointer(e.stringValue.buffer), expireAtMs: e.expireAt, into: &out)
            }
        }
    }

    /// One slice of an incremental rewrite: SCAN-style walks (Keyspace.snapshotScan) over each
    /// database in turn, framing live keys with their absolute expiry; expired keys are skipped.
    public func writeLogSnapshotSlice(into out: inout [UInt8], cursor: inout LogSnapshotCursor, nowMs: Int64, maxRecords: Int) {
        var budget = maxRecords
        while cursor.section < keyspace.databaseCount && budget > 0 {
            let db = cursor.section
            let step = keyspace.snapshotScan(db: db, cursor: cursor.position, count: budget) { e in
                if e.expireAt != 0 && e.expireAt <= nowMs { return }
                RecordCodec.encodeSet(
                    db: db, key: UnsafeRawBufferPointer(e.key.buffer),
                    value: UnsafeRawBufferPointer(e.stringValue.buffer), expireAtMs: e.expireAt, into: &out)
            }
            budget -= max(1, step.seen)
            if step.next == 0 {
                cursor.section += 1
                cursor.position = 0
            } else {
                cursor.position = step.next
            }
        }
        if cursor.section >= keyspace.databaseCount { cursor.done = true }
    }
}
