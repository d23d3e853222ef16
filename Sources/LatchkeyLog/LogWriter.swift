// The loop-side half of the log: appends each tick's framed records with one pwrite, tracks
// which logical offset is written and which is durable (so the server can hold replies until
// their records are fsynced: group commit), decides when an fsync is due (always / everysec /
// no), and survives disk errors by keeping unwritten and not-yet-durable bytes to rewrite when
// the disk recovers. Blocking calls are handed out as LogJobs; rewrites are LogWriter+Rewrite.
import Glibc
import LatchkeyCore

/// `appendfsync`.
public enum FsyncPolicy: String, Sendable { case always, everysec, no }

/// Appends records to the live log. Owned by the loop thread.
///
/// Offsets are *logical*: bytes ever accepted, continuous across rewrites (a rewrite changes the
/// file, not the logical position), so a reply held for offset N stays valid when the file is
/// swapped. `fileSize` is the physical size.
public final class LogWriter {
    /// The fsync slot: at most one fsync runs at a time; a new one covers everything written
    /// before it started (group commit).
    public enum State: Equatable, Sendable {
        case idle
        case syncing(target: Int64)
    }

    /// The last disk error, until the disk recovers.
    public enum Failure: Equatable, Sendable {
        case write(Int32)
        case fsync(Int32)
        public var code: Int32 {
            switch self {
            case .write(let c), .fsync(let c): return c
            }
        }
    }

    /// Test hook points.
    public enum FaultPoint: Sendable { case write, fsync, rewriteSnapshot, rewriteFinalize }

    public let path: String
    public private(set) var policy: FsyncPolicy
    var fd: Int32
    public internal(set) var state: State = .idle
    public internal(set) var failure: Failure?
    /// Logical end of the bytes in the file.
    public internal(set) var written: Int64
    /// Logical end of the bytes known to be on stable storage.
    public internal(set) var durable: Int64
    /// file offset = logical offset - base.
    var base: Int64 = 0
    /// Accepted bytes not yet in the file (only non-empty after a write error).
    var unwritten: [UInt8] = []
    /// The bytes of [durable, written): rewritten after an fsync error, because Linux may drop
    /// dirty pages whose writeback failed. Not kept under `appendfsync no`.
    var undurable: [UInt8] = []
    var lastSyncStartMs: Int64 = 0
    /// An fsync was asked for ahead of the everysec pace (`requestSync`).
    var syncRequested = false
    var lastRetryMs: Int64 = 0
    /// File size right after open or the last rewrite (INFO aof_base_size, auto-rewrite base).
    public internal(set) var baseSize: Int64
    /// Rewrite in progress, if any (LogWriter+Rewrite.swift).
    public internal(set) var rewrite: RewritePhase = .none
    var rewriteBuffer: [UInt8] = []
    /// The temp file of a streamed snapshot (LogWriter+Stream.swift).
    var stream = SnapshotStream()
    /// Replaced logs to close on a helper thread (see LogJob.closeRetired).
    var retiredFds: [Int32] = []
    public internal(set) var stats = RewriteStats()
    /// Recent fdatasync cost in µs (moving average over inline and background fsyncs).
    public internal(set) var syncCostMicros: Double = 0
    /// Under `always`, fsyncs cheaper than this run inline on the loop (see `syncInlineIfCheap`).
    public var inlineSyncThresholdMicros: Double = 1000
    /// Tests: return an errno to fail the given operation, 0 to let it run.
    public var faultInjector: ((FaultPoint) -> Int32)?

    /// Opens (or creates, with a header) the log at `path`. Call after replay has read and, if
    /// needed, truncated it. Removes a temp file a crashed rewrite left behind.
    public init(path: String, policy: FsyncPolicy) throws(LogIOError) {
        self.path = path
        self.policy = policy
        let fd = try FileIO.open(path, O_WRONLY | O_CREAT)
        self.fd = fd
        var size = FileIO.size(fd)
        if size == 0 {
            let header = RecordCodec.fileHeader()
            var n = 0
            var e = header.withUnsafeBytes { FileIO.pwriteAll(fd, $0, at: 0, written: &n) }
            if e == 0 { e = FileIO.datasync(fd) }
            if e == 0 { e = FileIO.syncDirectory(FileIO.directory(of: path)) }
            if e != 0 {
                close(fd)
                throw LogIOError("create", path, e)
            }
            size = Int64(header.count)
        } else {
            // What replay just read may still be only in the page cache (the previous process
            // crashed, the OS did not): make it durable before anything depends on it.
            let e = FileIO.datasync(fd)
            if e != 0 {
                close(fd)
                throw LogIOError("fsync", path, e)
            }
        }
        written = size
        durable = size
        baseSize = size
        unlink(Self.tempPath(for: path))
    }

    deinit {
        close(fd)
        for old in retiredFds { close(old) }
    }

    /// Physical size of the live log.
    public var fileSize: Int64 { written - base + Int64(unwritten.count) }
    /// Logical end of everything accepted (written or not).
    public var accepted: Int64 { written + Int64(unwritten.count) }
    /// True when every accepted byte is durable.
    public var isDurable: Bool { durable == accepted }

    /// The disk error as the front ends see it (ServerContext.persistence), else nil.
    public var failureReport: LogFailure? {
        switch failure {
        case nil: return nil
        case .write(let c): return LogFailure(operation: .write, code: c)
        case .fsync(let c): return LogFailure(operation: .fsync, code: c)
        }
    }

    /// Changes `appendfsync` at run time.
    public func setPolicy(_ p: FsyncPolicy) {
        policy = p
        if p == .no, unwritten.isEmpty, failure == nil {
            durable = written
            undurable.removeAll()
        }
    }

    /// Appends this tick's records (emptying the journal) and returns the logical offset that
    /// must be durable before this tick's replies may go out under `appendfsync always`.
    @discardableResult public func append(_ journal: Journal) -> Int64 {
        if journal.hasPending { journal.takeBytes { append(bytes: $0) } }
        return accepted
    }

    /// Appends already framed records with one pwrite (or queues them while the disk fails).
    public func append(bytes: UnsafeRawBufferPointer) {
        if bytes.isEmpty { return }
        if rewrite.isCapturing { RecordCodec.appendRaw(bytes, to: &rewriteBuffer) }
        if failure == nil && unwritten.isEmpty { writeOut(bytes) } else { RecordCodec.appendRaw(bytes, to: &unwritten) }
    }

    /// Runs the loop-side bookkeeping of a tick (or a cron call): retries a failed disk at most
    /// once a second, advances a pending rewrite, and returns the blocking jobs to start now.
    public func poll(nowMs: Int64) -> [LogJob] {
        var jobs: [LogJob] = []
        if !unwritten.isEmpty, failure == nil || nowMs - lastRetryMs >= 1000 {
            lastRetryMs = nowMs
            retryBacklog()
        }
        for old in retiredFds { jobs.append(LogJob(.closeRetired(fd: old))) }
        retiredFds.removeAll()
        if let job = advanceStream() { jobs.append(job) }
        if let job = advanceRewrite(nowMs: nowMs) { jobs.append(job) }
        if let job = nextSync(nowMs: nowMs) { jobs.append(job) }
        return jobs
    }

    /// Takes back the result of a job on the loop thread.
    public func complete(_ result: LogJobResult, nowMs: Int64) {
        switch result.job.kind {
        case .sync(_, let target):
            state = .idle
            noteSyncCost(result.micros)
            if result.error == 0 { syncSucceeded(upTo: target) } else { syncFailed(result.error, nowMs: nowMs) }
        case .rewriteSnapshot, .rewriteSnapshotSync: snapshotCompleted(result, nowMs: nowMs)
        case .closeRetired: break
        case .rewriteChunk(_, _, let bytes): chunkCompleted(result, bytes: bytes.count, nowMs: nowMs)
        case .rewriteFinalize: finalizeCompleted(result, nowMs: nowMs)
        }
    }

    /// Graceful shutdown: writes what is pending and fsyncs on the calling thread (blocking is
    /// fine here). Abandons a rewrite in progress (the live log is complete without it).
    /// Returns nil on success, else the error text.
    public func shutdown() -> String? {
        abandonRewrite()
        for old in retiredFds { close(old) }
        retiredFds.removeAll()
        retryBacklog()
        if !unwritten.isEmpty { return "write '\(path)': \(FileIO.describe(failure?.code ?? EIO))" }
        let e = FileIO.datasync(fd)
        if e != 0 { return "fsync '\(path)': \(FileIO.describe(e))" }
        syncSucceeded(upTo: written)
        return nil
    }

    // MARK: - writing

    private func writeOut(_ bytes: UnsafeRawBufferPointer) {
        var n = 0
        var e = faultInjector?(.write) ?? 0
        if e != 0 {
            // Simulate a partial write: half the bytes land, then the error.
            _ = FileIO.pwriteAll(
                fd, UnsafeRawBufferPointer(rebasing: bytes[0..<bytes.count / 2]), at: written - base, written: &n)
        } else {
            e = FileIO.pwriteAll(fd, bytes, at: written - base, written: &n)
        }
        if e == 0 {
            written += Int64(bytes.count)
            if policy == .no { durable = written } else { RecordCodec.appendRaw(bytes, to: &undurable) }
            if case .write = failure { failure = nil }
        } else {
            // Cut the partial record so the file ends on a record boundary; if even that fails
            // the next pwrite at the same offset overwrites it.
            if n > 0 { _ = ftruncate(fd, off_t(written - base)) }
            RecordCodec.appendRaw(bytes, to: &unwritten)
            failure = .write(e)
        }
    }

    func retryBacklog() {
        guard !unwritten.isEmpty else { return }
        let backlog = unwritten
        unwritten.removeAll()
        backlog.withUnsafeBytes { writeOut($0) }
    }

    // MARK: - fsync

    private func nextSync(nowMs: Int64) -> LogJob? {
        guard state == .idle, !rewrite.blocksSync, written > durable, policy != .no else { return nil }
        if case .fsync = failure { guard nowMs - lastRetryMs >= 1000 || lastRetryMs == nowMs else { return nil } }
        if policy == .everysec && nowMs - lastSyncStartMs < 1000 && !syncRequested { return nil }
        syncRequested = false
        lastSyncStartMs = nowMs
        state = .syncing(target: written)
        return LogJob(.sync(fd: fd, target: written), injected: faultInjector?(.fsync) ?? 0)
    }

    /// Under `always`, when fsyncs on this disk are cheap (a fast SSD or a write-back cache), an
    /// fsync on the loop costs less than the thread-pool round trip that group commit needs, so
    /// it runs here and nothing has to be held. One slow fsync raises the average past the
    /// threshold and later fsyncs go back to the helper thread. Returns true when it ran.
    public func syncInlineIfCheap(nowMs: Int64) -> Bool {
        guard policy == .always, state == .idle, !rewrite.blocksSync, written > durable, failure == nil,
            unwritten.isEmpty, syncCostMicros < inlineSyncThresholdMicros
        else { return false }
        let started = FileIO.monotonicMicros()
        let injected = faultInjector?(.fsync) ?? 0
        let e = injected != 0 ? injected : FileIO.datasync(fd)
        noteSyncCost(FileIO.monotonicMicros() - started)
        lastSyncStartMs = nowMs
        if e == 0 { syncSucceeded(upTo: written) } else { syncFailed(e, nowMs: nowMs) }
        return true
    }

    func noteSyncCost(_ micros: Int64) { syncCostMicros = syncCostMicros * 0.8 + Double(micros) * 0.2 }

    /// Under `everysec`, makes the next `poll` start an fsync without waiting for the second
    /// to pass (someone is waiting for durability: a publisher confirm).
    public func requestSync() { if policy == .everysec { syncRequested = true } }

    func syncSucceeded(upTo target: Int64) {
        guard target > durable else { return }
        let drop = Int(target - durable)
        if drop >= undurable.count {
            undurable.removeAll(keepingCapacity: undurable.count < 1 << 20)
        } else {
            undurable.removeFirst(drop)
        }
        durable = target
        if case .fsync = failure { failure = nil }
    }

    private func syncFailed(_ code: Int32, nowMs: Int64) {
        // Pages whose writeback failed may be gone from the cache while a later fsync reports
        // success; so everything after `durable` is written again before the next fsync.
        failure = .fsync(code)
        lastRetryMs = nowMs
        unwritten = undurable + unwritten
        undurable.removeAll()
        written = durable
    }

    static func tempPath(for path: String) -> String {
        let dir = FileIO.directory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return dir + "/temp-rewrite-" + name
    }
}
