import LatchkeyCore
import LatchkeyLog
import LatchkeyTestSupport
// Lists and hashes through the log: the journaled effects of every list/hash command replay to
// the same state, and so do the rewrite snapshot's records (strings, lists, hashes, TTLs),
// including a list big enough to be framed in several records. Memory accounting returns to
// the empty-table figure once the keys are gone.
import Testing

@testable import LatchkeyCommands
@testable import LatchkeyServer

@Suite("Lists and hashes in the log") struct ListsHashesPersistenceTests {
    func engine(journal: Bool) -> CommandEngine {
        let context = ServerContext(config: Config(), clock: ManualClock(now: 1_700_000_000_000))
        return CommandEngine(context: context, journal: Journal(enabled: journal))
    }

    func run(_ e: CommandEngine, _ args: String...) -> String {
        e.execute(argv: args.map { Bytes($0.utf8) }, client: e.makeDetachedClient(), origin: .client).string
    }

    /// Everything a client could read back, as one string per key.
    func state(_ e: CommandEngine) -> [String] {
        ["la", "lb", "h", "renamed", "s", "big"].map { k in
            run(e, "TYPE", k) + run(e, "LRANGE", k, "0", "-1") + run(e, "HGETALL", k) + run(e, "PEXPIRETIME", k)
        }
    }

    func populate(_ e: CommandEngine) {
        _ = run(e, "RPUSH", "la", "a", "b", "c", "d", "e", "f")
        _ = run(e, "LPUSH", "la", "z", "y")
        _ = run(e, "LPOP", "la")
        _ = run(e, "RPOP", "la", "2")
        _ = run(e, "LSET", "la", "-1", "last")
        _ = run(e, "LINSERT", "la", "BEFORE", "b", "ins")
        _ = run(e, "LREM", "la", "-1", "a")
        _ = run(e, "LTRIM", "la", "0", "3")
        _ = run(e, "LMOVE", "la", "lb", "LEFT", "RIGHT")
        _ = run(e, "RPOPLPUSH", "la", "lb")
        _ = run(e, "HSET", "h", "f1", "v1", "f2", "v2", "n", "5")
        _ = run(e, "HINCRBY", "h", "n", "10")
        _ = run(e, "HINCRBYFLOAT", "h", "x", "1.5")
        _ = run(e, "HDEL", "h", "f1")
        _ = run(e, "HSETNX", "h", "f3", "v3")
        _ = run(e, "PEXPIRE", "h", "600000")
        _ = run(e, "RPUSH", "tmp", "1")
        _ = run(e, "RENAME", "tmp", "renamed")
        _ = run(e, "SET", "s", "str")
        _ = run(e, "APPEND", "s", "ing")
        for i in 0..<300 { _ = run(e, "RPUSH", "big", String(repeating: "x", count: 5000) + "\(i)") }
    }

    @Test("journaled list and hash effects replay to the same state") func journalReplay() {
        let live = engine(journal: true)
        populate(live)
        let records = live.journal.take()
        #expect(records.contains { if case .listRemove = $0 { return true } else { return false } })
        let fresh = engine(journal: false)
        for r in records { fresh.replay(r) }
        #expect(state(fresh) == state(live))
    }

    @Test("the rewrite snapshot frames lists and hashes (chunked) and replays to the same state") func snapshotReplay()
    {
        let live = engine(journal: false)
        populate(live)
        var out: [UInt8] = []
        live.writeLogSnapshot(into: &out, nowMs: live.context.nowMs)
        let records = RecordCodec.decodeAll(out) ?? []
        let bigChunks = records.filter {
            if case .listPush(_, let k, _, _) = $0 { return k == Bytes("big".utf8) } else { return false }
        }
        #expect(bigChunks.count > 1)
        let fresh = engine(journal: false)
        for r in records { fresh.replay(r) }
        #expect(state(fresh) == state(live))
        // The sliced form produces the same records.
        var cursor = LogSnapshotCursor()
        var sliced: [UInt8] = []
        while !cursor.done {
            live.writeLogSnapshotSlice(into: &sliced, cursor: &cursor, nowMs: live.context.nowMs, maxRecords: 2)
        }
        let fresh2 = engine(journal: false)
        for r in RecordCodec.decodeAll(sliced) ?? [] { fresh2.replay(r) }
        #expect(state(fresh2) == state(live))
    }

    @Test("used memory counts list and hash contents and drops back when they are deleted") func memory() {
        let e = engine(journal: false)
        let empty = e.keyspace.memoryBytes
        for i in 0..<1000 { _ = run(e, "RPUSH", "l", "element-\(i)") }
        for i in 0..<1000 { _ = run(e, "HSET", "h", "field-\(i)", "value-\(i)") }
        #expect(e.keyspace.memoryBytes > empty + 1000 * 40)
        _ = run(e, "LTRIM", "l", "0", "9")
        _ = run(e, "HDEL", "h", "field-1")
        _ = run(e, "DEL", "l", "h")
        #expect(e.keyspace.memoryBytes == empty)
    }
}
