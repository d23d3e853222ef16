import LatchkeyCommands
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyLog
import LatchkeyTestSupport
import Testing

@testable import LatchkeyServer

// The incremental rewrite snapshot: the keyspace is framed a slice at a time (SCAN-style cursor)
// while keys are set, deleted, expired and flushed between slices; replaying the rewritten log
// must give exactly the live state, and a "crash" (replaying the live path) at every point of
// the walk must too, because the old file stays authoritative until the rename.
#if canImport(Glibc)
import Glibc
#endif

@Suite("Streamed rewrite") struct StreamedRewriteTests {
    /// A command engine whose keyspace changes are journaled and written to a live log.
    final class Rig {
        let tmp = TempDir(prefix: "latchkey-stream")
        let path: String
        let clock = ManualClock(now: 1_700_000_000_000)
        let context: ServerContext
        let journal = Journal(enabled: true)
        let engine: CommandEngine
        let writer: LogWriter

        init() throws {
            path = tmp.file("live.aof")
            context = ServerContext(config: Config(), clock: clock)
            context.refreshNow()
            engine = CommandEngine(context: context, journal: Journal(enabled: false))
            writer = try LogWriter(path: path, policy: .always)
        }

        func remove() { tmp.remove() }

        var now: Int64 { context.nowMs }

        /// Applies a record to the live keyspace and journals it (as a handler would).
        func apply(_ r: LogRecord) {
            engine.replay(r)
            journal.append(r)
        }

        func set(_ db: Int, _ key: String, _ value: String, ttl: Int64 = 0) {
            apply(.set(db: db, key: Bytes(key.utf8), value: Bytes(value.utf8), expireAtMs: ttl == 0 ? 0 : now + ttl))
        }

        /// One loop tick: the journal goes to the log, due jobs run to completion.
        func tick() {
            writer.append(journal)
            var jobs = writer.poll(nowMs: now)
            while !jobs.isEmpty {
                for job in jobs { writer.complete(job.run(), nowMs: now) }
                jobs = writer.poll(nowMs: now)
            }
        }

        func advance(ms: Int64) {
            clock.advance(ms: ms)
            context.refreshNow()
        }

        /// Live (unexpired) keys as db/key -> value/expiry.
        static func state(_ engine: CommandEngine, now: Int64) -> [String: String] {
            var out: [String: String] = [:]
            for i in 0..<engine.keyspace.databaseCount {
                _ = engine.keyspace.walkBuckets(db: i, cursor: 0, count: Int.max) { e in
                    if e.expireAt != 0 && e.expireAt <= now { return }
                    let value = e.type == .string ? String(decoding: e.stringValue.bytes, as: UTF8.self) : "\(e.value)"
                    out["\(i)/" + String(decoding: e.key.bytes, as: UTF8.self)] = value + "@\(e.expireAt)"
                }
            }
            return out
        }

        /// The state a restart would see now: a fresh engine replaying the live path.
        func replayed() throws -> [String: String] {
            let fresh = CommandEngine(context: context, journal: Journal(enabled: false))
            _ = try LogReader.replay(path: path, truncateTornTail: false) { fresh.replay($0) }
            return Rig.state(fresh, now: now)
        }

        var live: [String: String] { Rig.state(engine, now: now) }
    }

    @Test("keys set, deleted, expired and flushed between slices: the rewritten log replays to the live state")
    func mutateBetweenSlices() throws {
        let rig = try Rig()
        defer { rig.remove() }
        for i in 0..<3000 { rig.set(i % 3, "k\(i)", "v\(i)", ttl: i % 5 == 0 ? 60_000 : 0) }
        for i in 0..<3000 where i % 4 == 0 { rig.set(i % 3, "k\(i)", "w\(i)") }  // overwrites: garbage to compact
        rig.tick()
        let sizeBefore = rig.writer.fileSize

        #expect(rig.writer.beginStreamedRewrite(journal: rig.journal, nowMs: rig.now) == .started)
        #expect(rig.writer.beginStreamedRewrite(journal: rig.journal, nowMs: rig.now) == .busy)
        var cursor = LogSnapshotCursor()
        var slice = 0
        while !cursor.done {
            var out: [UInt8] = []
            rig.engine.writeLogSnapshotSlice(into: &out, cursor: &cursor, nowMs: rig.now, maxRecords: 60)
            if let job = rig.writer.appendSnapshotSlice(out, last: cursor.done) {
                rig.writer.complete(job.run(), nowMs: rig.now)
            }
            // Between slices: the clients keep writing.
            switch slice % 6 {
            case 0:  // new keys (the table grows under the cursor)
                for i in 0..<150 { rig.set(slice % 3, "n\(slice)-\(i)", "x") }
            case 1:  // deletes, of keys visited or not yet visited
                for i in stride(from: slice, to: 3000, by: 37) {
                    rig.apply(.delete(db: i % 3, key: Bytes("k\(i)".utf8)))
                }
            case 2:  // overwrites with a new expiry, persist, expire in the past (= delete)
                for i in stride(from: slice, to: 3000, by: 41) { rig.set(i % 3, "k\(i)", "o\(slice)", ttl: 30_000) }
                for i in stride(from: slice + 1, to: 3000, by: 43) {
                    rig.apply(.persist(db: i % 3, key: Bytes("k\(i)".utf8)))
                }
                for i in stride(from: slice + 2, to: 3000, by: 47) {
                    rig.apply(.expireAt(db: i % 3, key: Bytes("k\(i)".utf8), atMs: rig.now - 1))
                }
            case 3:  // time passes: short-TTL keys expire without any record
                rig.set(0, "short\(slice)", "s", ttl: 5)
                rig.advance(ms: 10)
            case 4:
                if slice == 10 { rig.apply(.flushDB(db: 2)) }
                if slice == 22 { rig.apply(.flushAll) }
                rig.set(2, "after-flush-\(slice)", "y")
            default: break
            }
            rig.tick()
            // A crash here replays the old log, which is still complete.
            if slice % 5 == 0 { #expect(try rig.replayed() == rig.live) }
            slice += 1
        }
        #expect(slice > 22)  // the walk really was sliced, past both flushes
        // Snapshot fsync, then finalize (append the rewrite buffer, rename).
        rig.tick()
        #expect(rig.writer.rewrite == .none)
        #expect(rig.writer.stats.completed == 1 && rig.writer.stats.lastOK)
        #expect(try rig.replayed() == rig.live)
        rig.set(1, "later", "z")
        rig.tick()
        #expect(try rig.replayed() == rig.live)
        #expect(rig.writer.fileSize < sizeBefore)
    }

    @Test("lists and hashes pushed, popped and retyped between slices: the rewritten log replays to the live state")
    func collectionsBetweenSlices() throws {
        let rig = try Rig()
        defer { rig.remove() }
        func k(_ s: String) -> Bytes { Bytes(s.utf8) }
        for i in 0..<2000 { rig.set(i % 2, "s\(i)", "v\(i)") }
        for i in 0..<60 {
            rig.apply(.listPush(db: i % 2, key: k("l\(i)"), atHead: false, elements: [k("a"), k("b\(i)")]))
            rig.apply(.hashSet(db: i % 2, key: k("h\(i)"), pairs: [k("f"), k("\(i)")]))
        }
        rig.tick()
        #expect(rig.writer.beginStreamedRewrite(journal: rig.journal, nowMs: rig.now) == .started)
        var cursor = LogSnapshotCursor()
        var slice = 0
        while !cursor.done {
            var out: [UInt8] = []
            rig.engine.writeLogSnapshotSlice(into: &out, cursor: &cursor, nowMs: rig.now, maxRecords: 50)
            if let job = rig.writer.appendSnapshotSlice(out, last: cursor.done) {
                rig.writer.complete(job.run(), nowMs: rig.now)
            }
            // Non-idempotent effects on keys the walk has or has not reached yet.
            let i = slice % 60
            rig.apply(.listPush(db: i % 2, key: k("l\(i)"), atHead: true, elements: [k("p\(slice)")]))
            rig.apply(.listPop(db: (i + 1) % 2, key: k("l\(i + 1)"), atHead: false, count: 1))
            rig.apply(.hashSet(db: i % 2, key: k("h\(i)"), pairs: [k("g\(slice)"), k("x")]))
            rig.apply(.hashDelete(db: (i + 1) % 2, key: k("h\(i + 1)"), fields: [k("f")]))
            rig.apply(.listPush(db: 0, key: k("new\(slice)"), atHead: false, elements: [k("n")]))
            if slice == 3 {  // a string becomes a list, a list becomes a string
                rig.apply(.delete(db: 0, key: k("s0")))
                rig.apply(.listPush(db: 0, key: k("s0"), atHead: false, elements: [k("now a list")]))
                rig.set(0, "l0", "now a string")
                rig.apply(.rename(db: 1, from: k("l1"), to: k("renamed")))
            }
            rig.tick()
            slice += 1
        }
        #expect(slice > 5)
        rig.tick()
        #expect(rig.writer.stats.completed == 1 && rig.writer.stats.lastOK)
        #expect(try rig.replayed() == rig.live)
        #expect(rig.live["0/s0"]?.hasPrefix("list(") == true)
    }

    @Test("a key left alone for the whole walk is written even when the table grows between slices")
    func untouchedKeysSurviveGrowth() throws {
        let rig = try Rig()
        defer { rig.remove() }
        for i in 0..<500 { rig.set(0, "stay\(i)", "v\(i)") }
        rig.tick()
        #expect(rig.writer.beginStreamedRewrite(journal: rig.journal, nowMs: rig.now) == .started)
        var cursor = LogSnapshotCursor()
        var round = 0
        while !cursor.done {
            var out: [UInt8] = []
            rig.engine.writeLogSnapshotSlice(into: &out, cursor: &cursor, nowMs: rig.now, maxRecords: 20)
            if let job = rig.writer.appendSnapshotSlice(out, last: cursor.done) {
                rig.writer.complete(job.run(), nowMs: rig.now)
            }
            for i in 0..<15 { rig.set(0, "grow\(round)-\(i)", "g") }  // the table doubles mid-walk
            rig.tick()
            round += 1
        }
        rig.tick()
        #expect(rig.writer.stats.lastOK)
        let replayed = try rig.replayed()
        #expect(replayed == rig.live)
        #expect((0..<500).allSatisfy { replayed["0/stay\($0)"] == "v\($0)@0" })
    }

    @Test("a failed slice write ends the rewrite as failed and leaves the old log in use") func failedSlice() throws {
        let rig = try Rig()
        defer { rig.remove() }
        for i in 0..<100 { rig.set(0, "k\(i)", "v") }
        rig.tick()
        rig.writer.faultInjector = { $0 == .rewriteSnapshot ? ENOSPC : 0 }
        #expect(rig.writer.beginStreamedRewrite(journal: rig.journal, nowMs: rig.now) == .started)
        var cursor = LogSnapshotCursor()
        var out: [UInt8] = []
        rig.engine.writeLogSnapshotSlice(into: &out, cursor: &cursor, nowMs: rig.now, maxRecords: 10)
        let job = try #require(rig.writer.appendSnapshotSlice(out, last: false))
        rig.writer.complete(job.run(), nowMs: rig.now)
        #expect(rig.writer.rewrite == .none && !rig.writer.stats.lastOK)
        #expect(!rig.writer.wantsSnapshotSlice)
        #expect(access(rig.tmp.file("temp-rewrite-live.aof"), F_OK) != 0)
        rig.writer.faultInjector = nil
        rig.set(0, "after", "a")
        rig.tick()
        #expect(try rig.replayed() == rig.live)
        // The next rewrite can start.
        #expect(rig.writer.beginStreamedRewrite(journal: rig.journal, nowMs: rig.now) == .started)
    }
}
