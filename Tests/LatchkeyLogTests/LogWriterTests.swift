// The writer's bookkeeping: one pwrite per tick, group commit (one fsync covers everything
// written before it, replies wait for `durable`), everysec pacing, `no`, and disk errors
// (injected): MISCONF text, partial writes cut back, retry once a second, nothing lost or
// duplicated after an fsync error.
import Glibc
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyLog

@Suite("Log writer") struct LogWriterTests {
    func rec(_ i: Int) -> LogRecord { .set(db: 0, key: b("k\(i)"), value: b("v\(i)"), expireAtMs: Int64(i)) }

    /// Runs jobs the way the server does (here inline) and feeds the results back.
    func run(_ jobs: [LogJob], _ w: LogWriter, now: Int64) { for j in jobs { w.complete(j.run(), nowMs: now) } }

    @Test("a new log starts with a durable header") func create() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let w = try LogWriter(path: dir.file("a.aof"), policy: .always)
        #expect(w.fileSize == Int64(RecordCodec.headerSize))
        #expect(w.durable == w.written && w.isDurable)
        #expect(RawFile.read(dir.file("a.aof")) == RecordCodec.fileHeader())
    }

    @Test("always - one fsync covers every tick written before it (group commit)") func groupCommit() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let w = try LogWriter(path: dir.file("a.aof"), policy: .always)
        let j = Journal(enabled: true)
        j.append(rec(1))
        let end1 = w.append(j)
        #expect(end1 > w.durable)
        let jobs1 = w.poll(nowMs: 0)
        #expect(jobs1.count == 1)
        #expect(w.state == .syncing(target: end1))
        // Two more ticks while the fsync runs: no second fsync until the first returns.
        j.append(rec(2))
        _ = w.append(j)
        j.append(rec(3))
        let end3 = w.append(j)
        #expect(w.poll(nowMs: 0).isEmpty)
        run(jobs1, w, now: 0)
        #expect(w.durable == end1)
        // The next fsync covers both later ticks.
        let jobs2 = w.poll(nowMs: 0)
        #expect(jobs2.count == 1)
        run(jobs2, w, now: 0)
        #expect(w.durable == end3 && w.isDurable)
        #expect(w.poll(nowMs: 0).isEmpty)
        #expect(try KVModel.replaying(dir.file("a.aof")).1.records == 3)
    }

    @Test("everysec - at most one fsync a second; no - never, and nothing is held") func pacing() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let w = try LogWriter(path: dir.file("a.aof"), policy: .everysec)
        let j = Journal(enabled: true)
        j.append(rec(1))
        w.append(j)
        let first = w.poll(nowMs: 5_000)
        #expect(first.count == 1)
        run(first, w, now: 5_000)
        j.append(rec(2))
        w.append(j)
        #expect(w.poll(nowMs: 5_500).isEmpty)
        #expect(w.poll(nowMs: 6_000).count == 1)

        let n = try LogWriter(path: dir.file("b.aof"), policy: .no)
        j.append(rec(1))
        let end = n.append(j)
        #expect(n.durable == end)
        #expect(n.poll(nowMs: 10_000).isEmpty)
    }

    @Test("a failed write sets MISCONF, cuts the partial record, and retries when the disk recovers")
    func writeFailure() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("a.aof")
        let w = try LogWriter(path: path, policy: .always)
        let j = Journal(enabled: true)
        j.append(rec(1))
        w.append(j)
        run(w.poll(nowMs: 0), w, now: 0)
        let goodSize = RawFile.read(path).count

        var diskFull = true
        w.faultInjector = { $0 == .write && diskFull ? ENOSPC : 0 }
        j.append(rec(2))
        let end2 = w.append(j)
        #expect(w.failure == .write(ENOSPC))
        #expect(w.failureReport == LogFailure(operation: .write, code: ENOSPC))
        #expect(RawFile.read(path).count == goodSize)
        #expect(w.durable < end2)
        // Still failing: retried at most once a second, bytes kept in order.
        j.append(rec(3))
        w.append(j)
        #expect(w.poll(nowMs: 500).isEmpty)
        #expect(w.poll(nowMs: 1_000).isEmpty)
        diskFull = false
        #expect(w.poll(nowMs: 1_200).isEmpty)
        let jobs = w.poll(nowMs: 2_100)
        #expect(w.failure == nil && w.failureReport == nil)
        run(jobs, w, now: 2_100)
        #expect(w.isDurable)
        let (model, report) = try KVModel.replaying(path)
        #expect(report.records == 3 && report.tornTail == nil)
        #expect(model.dbs[0]?.count == 3)
    }

    @Test("a failed fsync rewrites the undurable bytes and the next fsync makes them durable once") func fsyncFailure()
        throws
    {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("a.aof")
        let w = try LogWriter(path: path, policy: .always)
        let j = Journal(enabled: true)
        var failSync = true
        w.faultInjector = { $0 == .fsync && failSync ? EIO : 0 }
        j.append(rec(1))
        j.append(rec(2))
        let end = w.append(j)
        run(w.poll(nowMs: 0), w, now: 0)
        #expect(w.failure == .fsync(EIO))
        #expect(w.failureReport?.operation == .fsync && w.failureReport?.code == EIO)
        #expect(w.durable < end)
        failSync = false
        #expect(w.poll(nowMs: 10).isEmpty)
        let retry = w.poll(nowMs: 1_000)
        #expect(retry.count == 1)
        run(retry, w, now: 1_000)
        #expect(w.failure == nil && w.durable == end)
        var got: [LogRecord] = []
        let report = try LogReader.replay(path: path, truncateTornTail: false) { got.append($0) }
        #expect(got == [rec(1), rec(2)] && report.tornTail == nil)
    }

    @Test("shutdown writes and fsyncs what is pending") func shutdown() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let w = try LogWriter(path: dir.file("a.aof"), policy: .everysec)
        let j = Journal(enabled: true)
        j.append(rec(1))
        w.append(j)
        #expect(w.shutdown() == nil)
        #expect(w.isDurable)
    }

    @Test("reopening continues after the replayed records") func reopen() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("a.aof")
        let j = Journal(enabled: true)
        do {
            let w = try LogWriter(path: path, policy: .no)
            j.append(rec(1))
            w.append(j)
        }
        let w2 = try LogWriter(path: path, policy: .no)
        j.append(rec(2))
        w2.append(j)
        var got: [LogRecord] = []
        _ = try LogReader.replay(path: path, truncateTornTail: false) { got.append($0) }
        #expect(got == [rec(1), rec(2)])
    }

    @Test("always - cheap fsyncs run inline; after a slow one they go back to the helper thread") func inlineWhenCheap()
        throws
    {
        let dir = TempDir()
        defer { dir.remove() }
        let w = try LogWriter(path: dir.file("a.aof"), policy: .always)
        let j = Journal(enabled: true)
        j.append(rec(1))
        let end = w.append(j)
        #expect(w.syncInlineIfCheap(nowMs: 0))
        #expect(w.durable == end && w.poll(nowMs: 0).isEmpty)
        #expect(!w.syncInlineIfCheap(nowMs: 0))  // nothing left to sync
        w.noteSyncCost(50_000)  // a 50 ms fsync was seen
        j.append(rec(2))
        w.append(j)
        #expect(!w.syncInlineIfCheap(nowMs: 0))
        #expect(w.poll(nowMs: 0).count == 1)
        w.setPolicy(.everysec)
        #expect(!w.syncInlineIfCheap(nowMs: 0))
    }

    @Test("everysec - a reply waiting for its fsync (publisher confirm) starts one before the second is up")
    func requestedSync() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let w = try LogWriter(path: dir.file("a.aof"), policy: .everysec)
        let j = Journal(enabled: true)
        j.append(rec(1))
        w.append(j)
        let first = w.poll(nowMs: 5_000)
        run(first, w, now: 5_000)
        j.append(rec(2))
        w.append(j)
        #expect(w.poll(nowMs: 5_100).isEmpty)
        w.requestSync()
        #expect(w.poll(nowMs: 5_100).count == 1)
        let q = FlushQueue()
        let o = Outbox(queue: q)
        j.replyAfterFsync(o)
        #expect(j.takeDurableWaiters().count == 1 && j.takeDurableWaiters().isEmpty)
        Journal(enabled: false).replyAfterFsync(o)
    }
}
