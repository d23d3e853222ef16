// Online compaction (BGREWRITEAOF / auto rewrite), loop side. Phases: the caller's snapshot of
// live state is written to a temp file on a helper thread while the writer keeps appending to
// the live log and captures the same bytes in a rewrite buffer; then (fsync slot idle) the
// buffer is appended to the temp file, and a helper fsyncs it, renames it over the live log and
// fsyncs the directory; finally the bytes captured during that step go to the new file. The old
// file stays complete and authoritative until the rename, so a crash at any point replays.
// The server streams its snapshot in slices instead (LogWriter+Stream.swift); both paths meet
// at `.snapshotWritten`.
import Glibc

/// Where a rewrite is.
public enum RewritePhase: Equatable, Sendable {
    case none
    /// The loop frames the snapshot a slice per tick; helpers append the slices to the temp
    /// file `fd` (LogWriter+Stream.swift).
    case streaming(fd: Int32, startedMs: Int64)
    /// A helper thread is writing (or, streamed, fsyncing) the snapshot.
    case snapshotting(startedMs: Int64)
    /// The snapshot is on disk in the temp file (`fd`, `size` bytes); waiting for the fsync slot.
    case snapshotWritten(fd: Int32, size: Int64, startedMs: Int64)
    /// The temp file holds everything up to logical `target`; a helper renames it into place.
    case finalizing(fd: Int32, size: Int64, target: Int64, startedMs: Int64)

    /// True while a rewrite runs (INFO aof_rewrite_in_progress).
    public var inProgress: Bool { self != .none }
    var isCapturing: Bool { self != .none }
    /// No fsync on the old file while the new one is being put in place.
    var blocksSync: Bool {
        if case .finalizing = self { return true }
        return false
    }
}

/// Rewrite counters for INFO persistence.
public struct RewriteStats: Equatable, Sendable {
    public var completed = 0
    public var lastOK = true
    /// Duration of the last rewrite in seconds, -1 before the first.
    public var lastDurationSec: Int64 = -1
    public init() {}
}

extension LogWriter {
    /// Starts a rewrite. First appends the journal's pending records (so nothing is both in the
    /// snapshot and in the rewrite buffer), then calls `snapshot` on the loop thread for the
    /// live state as records, then returns the job that writes it. Returns nil when a rewrite
    /// is already running (BGREWRITEAOF answers "already in progress").
    public func beginRewrite(journal: Journal, nowMs: Int64, snapshot: () -> [LogRecord]) -> LogJob? {
        beginRewrite(journal: journal, nowMs: nowMs, framed: { _ in }, records: snapshot)
    }

    /// The same, for front ends that frame their state straight into one buffer on the loop
    /// (`RecordCodec.encode` / `encodeSet`): no record value per key, so the loop pause is a copy.
    public func beginRewrite(journal: Journal, nowMs: Int64, framedSnapshot: (inout [UInt8]) -> Void) -> LogJob? {
        beginRewrite(journal: journal, nowMs: nowMs, framed: framedSnapshot, records: { [] })
    }

    private func beginRewrite(
        journal: Journal, nowMs: Int64, framed: (inout [UInt8]) -> Void, records: () -> [LogRecord]
    ) -> LogJob? {
        guard rewrite == .none else { return nil }
        append(journal)
        var bytes: [UInt8] = []
        framed(&bytes)
        let list = records()
        rewriteBuffer.removeAll()
        rewrite = .snapshotting(startedMs: nowMs)
        let job = LogJob.Kind.rewriteSnapshot(tempPath: Self.tempPath(for: path), framed: bytes, snapshot: list)
        return LogJob(job, injected: faultInjector?(.rewriteSnapshot) ?? 0)
    }

    /// `auto-aof-rewrite-min-size` / `auto-aof-rewrite-percentage` (Redis's rule: the log is
    /// bigger than the minimum and has grown by at least `percentage`% over its size after the
    /// last rewrite; percentage 0 disables).
    public func shouldAutoRewrite(minSize: Int64, percentage: Int64) -> Bool {
        guard rewrite == .none, percentage > 0, fileSize > minSize else { return false }
        let base = baseSize > 0 ? baseSize : 1
        return fileSize * 100 / base - 100 >= percentage
    }

    func snapshotCompleted(_ result: LogJobResult, nowMs: Int64) {
        guard case .snapshotting(let started) = rewrite else {
            // Abandoned meanwhile (shutdown): drop the temp file.
            if result.error == 0 { discardTemp(result.fd) }
            return
        }
        if result.error != 0 {
            endRewrite(ok: false, startedMs: started, nowMs: nowMs)
            return
        }
        rewrite = .snapshotWritten(fd: result.fd, size: result.size, startedMs: started)
    }

    /// Moves a written snapshot into the finalize phase once no fsync is in flight.
    func advanceRewrite(nowMs: Int64) -> LogJob? {
        guard case .snapshotWritten(let tfd, let size, let started) = rewrite, state == .idle else { return nil }
        var n = 0
        let e = rewriteBuffer.withUnsafeBytes { b in b.isEmpty ? 0 : FileIO.pwriteAll(tfd, b, at: size, written: &n) }
        if e != 0 {
            discardTemp(tfd)
            endRewrite(ok: false, startedMs: started, nowMs: nowMs)
            return nil
        }
        let newSize = size + Int64(rewriteBuffer.count)
        let target = accepted
        rewriteBuffer.removeAll(keepingCapacity: true)
        rewrite = .finalizing(fd: tfd, size: newSize, target: target, startedMs: started)
        let job = LogJob.Kind.rewriteFinalize(
            fd: tfd, tempPath: Self.tempPath(for: path), finalPath: path, target: target)
        return LogJob(job, injected: faultInjector?(.rewriteFinalize) ?? 0)
    }

    func finalizeCompleted(_ result: LogJobResult, nowMs: Int64) {
        guard case .finalizing(let tfd, let size, let target, let started) = rewrite else { return }
        guard result.renamed else {
            discardTemp(tfd)
            endRewrite(ok: false, startedMs: started, nowMs: nowMs)
            return
        }
        // The new file is live and durable up to `target`; bytes accepted since are in the
        // rewrite buffer (they also went to the old, now unlinked, file).
        // Closing the replaced file frees it (it is unlinked): a helper does that (`poll`).
        retiredFds.append(fd)
        fd = tfd
        base = target - size
        written = target
        durable = max(durable, target)
        undurable.removeAll()
        unwritten = rewriteBuffer
        rewriteBuffer.removeAll()
        failure = nil
        baseSize = size
        endRewrite(ok: result.error == 0, startedMs: started, nowMs: nowMs)
        retryBacklog()
    }

    /// Drops a rewrite in progress (shutdown). The live log is complete without it.
    func abandonRewrite() {
        switch rewrite {
        case .none, .snapshotting: break
        case .streaming: orphanStream()
        case .snapshotWritten(let tfd, _, _), .finalizing(let tfd, _, _, _): discardTemp(tfd)
        }
        rewrite = .none
        rewriteBuffer.removeAll()
    }

    func discardTemp(_ tfd: Int32) {
        close(tfd)
        unlink(Self.tempPath(for: path))
    }

    func endRewrite(ok: Bool, startedMs: Int64, nowMs: Int64) {
        rewrite = .none
        rewriteBuffer.removeAll()
        stats.lastOK = ok
        stats.lastDurationSec = max(0, (nowMs - startedMs) / 1000)
        if ok { stats.completed += 1 }
    }
}
