// Online compaction: the rewritten log replays to the same state as the live one; records
// written while the snapshot and the rename run are kept; a "crash" (replaying the file at the
// live path) at every phase gives a correct state; failures leave the old log authoritative.
import Glibc
import LatchkeyCore
import LatchkeyTestSupport
import Testing

@testable import LatchkeyLog

@Suite("Log rewrite") struct LogRewriteTests {
    /// Drives a writer and a model in step.
    final class Harness {
        let dir = TempDir()
        let path: String
        let w: LogWriter
        let j = Journal(enabled: true)
        var model = KVModel()
        var now: Int64 = 1_000

        init(policy: FsyncPolicy = .always) throws {
            path = dir.file("live.aof")
            w = try LogWriter(path: path, policy: policy)
        }

        /// One loop tick: apply, journal, write, fsync inline.
        func tick(_ records: [LogRecord], sync: Bool = true) {
            for r in records {
                model.apply(r)
                j.append(r)
            }
            w.append(j)
            if sync { for job in w.poll(nowMs: now) { w.complete(job.run(), nowMs: now) } }
        }

        func churn(_ round: Int, keys: Int = 50) -> [LogRecord] {
            (0..<keys).map { k in
                k % 7 == round % 7
                    ? .delete(db: 0, key: b("key\(k)"))
                    : .set(db: k % 2, key: b("key\(k)"), value: b("r\(round)-\(k)"), expireAtMs: Int64(round))
            }
        }

        func replayed() throws -> KVModel { try KVModel.replaying(path).0 }
    }

    @Test("rewrite then replay equals the live state, with writes during every phase kept")
    func rewriteKeepsConcurrentWrites() throws {
        let h = try Harness()
        defer { h.dir.remove() }
        for round in 0..<20 { h.tick(h.churn(round)) }
        let sizeBefore = h.w.fileSize

        let snapshotJob = try #require(h.w.beginRewrite(journal: h.j, nowMs: h.now) { h.model.snapshot() })
        #expect(h.w.rewrite.inProgress)
        #expect(h.w.beginRewrite(journal: h.j, nowMs: h.now) { [] } == nil)
        h.tick(h.churn(20))  // written while the snapshot is being written
        h.w.complete(snapshotJob.run(), nowMs: h.now)
        #expect(try h.replayed() == h.model)  // crash before finalize: old file complete

        let finalize = h.w.poll(nowMs: h.now)
        #expect(finalize.count == 1)
        h.tick(h.churn(21), sync: false)  // written while the rename runs
        #expect(h.w.poll(nowMs: h.now).isEmpty)  // no fsync on the old file meanwhile
        #expect(try h.replayed() == h.model)  // crash before rename: still the old file
        h.w.complete(finalize[0].run(), nowMs: h.now)
        #expect(h.w.rewrite == .none && h.w.stats.completed == 1 && h.w.stats.lastOK)
        #expect(try h.replayed() == h.model)  // captured bytes went to the new file
        h.tick(h.churn(22))
        #expect(h.w.isDurable)
        #expect(try h.replayed() == h.model)
        #expect(h.w.fileSize < sizeBefore)
        #expect(h.w.baseSize <= h.w.fileSize)
        #expect(!FileIO.exists(LogWriter.tempPath(for: h.path)))
    }

    @Test("a framed snapshot (encodeSet from borrowed bytes) rewrites to the same state") func framedSnapshot() throws {
        let h = try Harness()
        defer { h.dir.remove() }
        for round in 0..<10 { h.tick(h.churn(round)) }
        let model = h.model
        let job = try #require(
            h.w.beginRewrite(journal: h.j, nowMs: h.now) { out in
                for (db, keys) in model.dbs {
                    for (k, e) in keys {
                        _ = k.withUnsafeBytes { kb in
                            e.value.withUnsafeBytes { vb in
                                RecordCodec.encodeSet(db: db, key: kb, value: vb, expireAtMs: e.expireAtMs, into: &out)
                            }
                        }
                    }
                }
            })
        h.tick(h.churn(10))
        h.w.complete(job.run(), nowMs: h.now)
        h.tick(h.churn(11))
        #expect(h.w.stats.completed == 1)
        #expect(try h.replayed() == h.model)
    }

    @Test("a crash right after the rename loses only unacknowledged writes") func crashAfterRename() throws {
        let h = try Harness()
        defer { h.dir.remove() }
        for round in 0..<5 { h.tick(h.churn(round)) }
        let job = try #require(h.w.beginRewrite(journal: h.j, nowMs: h.now) { h.model.snapshot() })
        h.w.complete(job.run(), nowMs: h.now)
        let finalize = h.w.poll(nowMs: h.now)
        let acknowledged = h.model
        let durableBefore = h.w.durable
        h.tick(h.churn(5), sync: false)
        // These records are not durable (no fsync ran), so their replies were never sent.
        #expect(h.w.durable == durableBefore)
        _ = finalize[0].run()  // renamed, but the loop never saw the result: crash now
        #expect(try h.replayed() == acknowledged)
    }

    @Test("a finalize waits for the fsync in flight") func finalizeWaitsForSync() throws {
        let h = try Harness()
        defer { h.dir.remove() }
        h.tick(h.churn(0))
        let job = try #require(h.w.beginRewrite(journal: h.j, nowMs: h.now) { h.model.snapshot() })
        h.tick(h.churn(1), sync: false)
        let sync = h.w.poll(nowMs: h.now)
        #expect(sync.count == 1)
        h.w.complete(job.run(), nowMs: h.now)
        #expect(h.w.poll(nowMs: h.now).isEmpty)
        h.w.complete(sync[0].run(), nowMs: h.now)
        let finalize = h.w.poll(nowMs: h.now)
        #expect(finalize.count == 1)
        h.w.complete(finalize[0].run(), nowMs: h.now)
        #expect(try h.replayed() == h.model)
    }

    @Test(
        "a failed snapshot or rename leaves the old log authoritative",
        arguments: [LogWriter.FaultPoint.rewriteSnapshot, .rewriteFinalize]) func failedRewrite(
            _ point: LogWriter.FaultPoint
        ) throws
    {
        let h = try Harness()
        defer { h.dir.remove() }
        for round in 0..<5 { h.tick(h.churn(round)) }
        h.w.faultInjector = { $0 == point ? ENOSPC : 0 }
        let job = try #require(h.w.beginRewrite(journal: h.j, nowMs: h.now) { h.model.snapshot() })
        h.w.complete(job.run(), nowMs: h.now)
        h.tick(h.churn(5))
        #expect(h.w.rewrite == .none)
        #expect(!h.w.stats.lastOK)
        #expect(!FileIO.exists(LogWriter.tempPath(for: h.path)))
        h.w.faultInjector = nil
        h.tick(h.churn(6))
        #expect(try h.replayed() == h.model)
    }

    @Test("auto rewrite - min size and growth over the post-rewrite size") func autoRule() throws {
        let h = try Harness(policy: .no)
        defer { h.dir.remove() }
        #expect(!h.w.shouldAutoRewrite(minSize: 0, percentage: 100))  // size == base
        while h.w.fileSize < 2 * h.w.baseSize { h.tick(h.churn(0, keys: 1)) }
        #expect(h.w.shouldAutoRewrite(minSize: 0, percentage: 100))
        #expect(!h.w.shouldAutoRewrite(minSize: h.w.fileSize, percentage: 100))
        #expect(!h.w.shouldAutoRewrite(minSize: 0, percentage: 0))
        #expect(!h.w.shouldAutoRewrite(minSize: 0, percentage: 1_000_000))
    }

    @Test("a temp file left by a crashed rewrite is removed at open") func staleTemp() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let path = dir.file("x.aof")
        RawFile.write(LogWriter.tempPath(for: path), [1, 2, 3])
        _ = try LogWriter(path: path, policy: .no)
        #expect(!FileIO.exists(LogWriter.tempPath(for: path)))
    }
}
