// Makes the RESP command engine a log participant: keyspace records replay through its
// Replay+Keyspace hook, and a rewrite frames every live key straight from the keyspace's
// entries into one buffer (no per-key allocation: the loop pause is a copy plus a CRC).
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
}
