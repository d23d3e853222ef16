// Makes the RESP command engine a log participant: it owns the keyspace record types, they
// replay through CommandEngine+Replay.swift, and a rewrite frames every live key straight from the keyspace's
// entries (no per-key allocation). Rewrites take it in slices (writeLogSnapshotSlice) so no
// loop tick pauses for long; the one-shot form stays for callers that want it whole.
import LatchkeyCommands
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyLog

extension CommandEngine: LogParticipant {
    /// The keyspace's records: types 1-6, and 64 up for those added after the broker's block.
    public var logRecordTypes: [RecordType] {
        [
            .set, .delete, .expireAt, .persist, .flushDB, .flushAll, .listPush, .listPop, .listSet, .listInsert,
            .listRemove, .listTrim, .hashSet, .hashDelete, .rename,
        ]
    }

    /// The keyspace is walked a bounded number of buckets per loop tick.
    public var snapshotsInSlices: Bool { true }

    public func replayLogRecord(_ record: LogRecord) { replay(record) }

    public func writeLogSnapshot(into out: inout [UInt8], nowMs: Int64) {
        // One allocation up front (entries take about what their frames take) instead of regrowth.
        out.reserveCapacity(out.count + keyspace.memoryBytes + 64)
        for index in 0..<keyspace.databaseCount {
            _ = keyspace.walkBuckets(db: index, cursor: 0, count: Int.max) { e in
                CommandEngine.frameSnapshot(e, db: index, nowMs: nowMs, into: &out)
            }
        }
    }

    /// One slice of an incremental rewrite: bucket walks (Keyspace.walkBuckets) over each
    /// database in turn, framing live string keys with their absolute expiry; expired keys are
    /// skipped. Lists and hashes are different: their records (push, pop, ...) are not
    /// idempotent, so a list framed after a change that the rewrite buffer also holds would get
    /// that change twice. They are therefore all framed in the first slice, which runs at the
    /// moment the capture starts (like the broker), and skipped by the walk. That first slice
    /// walks the whole table only when a database holds lists or hashes at all.
    public func writeLogSnapshotSlice(
        into out: inout [UInt8], cursor: inout LogSnapshotCursor, nowMs: Int64, maxRecords: Int
    ) {
        if cursor.section == 0 && cursor.position == 0 && !cursor.done {
            for index in 0..<keyspace.databaseCount where keyspace.databases[index].objectCount > 0 {
                _ = keyspace.walkBuckets(db: index, cursor: 0, count: Int.max) { e in
                    if e.type != .string { CommandEngine.frameSnapshot(e, db: index, nowMs: nowMs, into: &out) }
                }
            }
        }
        var budget = maxRecords
        while cursor.section < keyspace.databaseCount && budget > 0 {
            let db = cursor.section
            let step = keyspace.walkBuckets(db: db, cursor: cursor.position, count: budget) { e in
                if e.type == .string { CommandEngine.frameSnapshot(e, db: db, nowMs: nowMs, into: &out) }
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

    /// Lists and hashes are framed in records of at most about this many bytes (far below the
    /// reader's 1 GiB record limit, and small enough to keep a slice's buffer modest).
    static let snapshotChunkBytes = 1 << 20

    /// The one framing of a live entry: a string is one `set` (borrowed bytes, no copies); a list
    /// is tail `listPush` records and a hash `hashSet` records (chunked), followed by `expireAt` when it has a TTL.
    static func frameSnapshot(_ e: Entry, db: Int, nowMs: Int64, into out: inout [UInt8]) {
        if e.expireAt != 0 && e.expireAt <= nowMs { return }
        switch e.type {
        case .string:
            RecordCodec.encodeSet(
                db: db, key: UnsafeRawBufferPointer(e.key.buffer), value: UnsafeRawBufferPointer(e.stringValue.buffer),
                expireAtMs: e.expireAt, into: &out)
            return
        case .list:
            let key = e.key.bytes
            let list = e.list
            var chunk: [Bytes] = []
            var size = 0
            for i in 0..<list.count {
                chunk.append(list[i])
                size += list[i].count
                if size >= snapshotChunkBytes || chunk.count >= 4096 {
                    RecordCodec.encode(.listPush(db: db, key: key, atHead: false, elements: chunk), into: &out)
                    chunk.removeAll(keepingCapacity: true)
                    size = 0
                }
            }
            if !chunk.isEmpty {
                RecordCodec.encode(.listPush(db: db, key: key, atHead: false, elements: chunk), into: &out)
            }
        case .hash:
            let key = e.key.bytes
            var flat: [Bytes] = []
            var size = 0
            e.hash.forEach { f, v in
                flat.append(f)
                flat.append(v)
                size += f.count + v.count
                if size >= snapshotChunkBytes || flat.count >= 8192 {
                    RecordCodec.encode(.hashSet(db: db, key: key, pairs: flat), into: &out)
                    flat.removeAll(keepingCapacity: true)
                    size = 0
                }
            }
            if !flat.isEmpty { RecordCodec.encode(.hashSet(db: db, key: key, pairs: flat), into: &out) }
        }
        if e.expireAt != 0 { RecordCodec.encode(.expireAt(db: db, key: e.key.bytes, atMs: e.expireAt), into: &out) }
    }
}
