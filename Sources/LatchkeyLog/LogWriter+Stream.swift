// Incremental rewrite snapshots, loop side: the rewrite starts capturing (the rewrite buffer
// collects every byte accepted from now on) and creates the temp file; then the server frames
// the live state a bounded slice per loop tick and hands each slice here, which turns it into a
// job that writes it at its own offset in the temp file; when the last slice is written, one
// fdatasync job ends the snapshot and the usual finalize (LogWriter+Rewrite.swift) follows.
//
// Why a snapshot taken across ticks, while clients keep writing, still rewrites to the right
// state: every record is an idempotent effect with absolute times, and the rewritten file is
// replayed in order: the snapshot first, then the rewrite buffer.
// - A key changed after the rewrite began has that change in the buffer, which replays after
//   the snapshot, so the last word on it is always its newest effect, whatever state (older or
//   newer) the snapshot caught.
// - A key the cursor visits twice is simply set twice to a value the buffer later settles.
// - A key deleted meanwhile (DEL, expiry) is deleted again by the buffer's delete record.
// - FLUSHDB/FLUSHALL in the buffer wipes whatever the snapshot put there before it; keys
//   written after the flush are in the buffer too.
// - A key nobody touches during the walk is visited at least once: the keyspace walk is SCAN's
//   reverse-binary cursor, which keeps that promise while the table grows.
// - Expired keys are skipped (replay would drop them anyway).
// The old file stays complete and authoritative until the rename, so a crash at any point of
// the walk replays the old file; the stale temp file is removed at the next start.
import Glibc

/// The temp file of a streamed snapshot and the slices in flight to it.
struct SnapshotStream {
    var fd: Int32 = -1
    /// Where the next slice goes (bytes handed out so far, header included).
    var size: Int64 = 0
    /// Slice jobs not yet completed, and their bytes (back-pressure).
    var inFlight = 0
    var bytesInFlight = 0
    /// The caller framed its last slice.
    var framingDone = false
    /// The rewrite ended (failed or abandoned) with slices still in flight: close `fd` when the
    /// last one returns (closing earlier could let a new file reuse the descriptor under them).
    var orphaned = false
}

/// How `beginStreamedRewrite` went.
public enum StreamedRewriteStart: Equatable, Sendable {
    case started
    /// A rewrite is already running.
    case busy
    /// The temp file could not be created (errno); the rewrite is reported failed.
    case failed(Int32)
}

extension LogWriter {
    /// Slices in flight beyond this many bytes make `wantsSnapshotSlice` false until some return.
    static let streamBytesInFlightLimit = 16 << 20

    /// Starts a rewrite whose snapshot arrives in slices (`appendSnapshotSlice`). First appends the
    /// journal's pending records (so none is both before the capture and in the buffer), then
    /// starts capturing and creates the temp file with its header.
    public func beginStreamedRewrite(journal: Journal, nowMs: Int64) -> StreamedRewriteStart {
        guard rewrite == .none, !stream.orphaned else { return .busy }
        append(journal)
        let temp = Self.tempPath(for: path)
        let tfd: Int32
        do { tfd = try FileIO.open(temp, O_WRONLY | O_CREAT | O_TRUNC) } catch {
            endRewrite(ok: false, startedMs: nowMs, nowMs: nowMs)
            return .failed(error.code)
        }
        let header = RecordCodec.fileHeader()
        var n = 0
        let e = header.withUnsafeBytes { FileIO.pwriteAll(tfd, $0, at: 0, written: &n) }
        if e != 0 {
            discardTemp(tfd)
            endRewrite(ok: false, startedMs: nowMs, nowMs: nowMs)
            return .failed(e)
        }
        rewriteBuffer.removeAll()
        stream = SnapshotStream(fd: tfd, size: Int64(header.count))
        rewrite = .streaming(fd: tfd, startedMs: nowMs)
        return .started
    }

    /// True while the streamed snapshot takes another slice now: streaming, not yet complete,
    /// and not too many bytes waiting for the helper threads.
    public var wantsSnapshotSlice: Bool {
        guard case .streaming = rewrite else { return false }
        return !stream.framingDone && stream.bytesInFlight < Self.streamBytesInFlightLimit
    }

    /// Hands over one framed slice; returns the job that writes it (nil when empty or when no
    /// streamed snapshot runs). `last` marks the final slice.
    public func appendSnapshotSlice(_ bytes: [UInt8], last: Bool) -> LogJob? {
        guard case .streaming(let tfd, _) = rewrite, !stream.framingDone else { return nil }
        if last { stream.framingDone = true }
        if bytes.isEmpty { return nil }
        let job = LogJob(
            .rewriteChunk(fd: tfd, offset: stream.size, bytes: bytes), injected: faultInjector?(.rewriteSnapshot) ?? 0)
        stream.size += Int64(bytes.count)
        stream.inFlight += 1
        stream.bytesInFlight += bytes.count
        return job
    }

    /// Once every slice is framed and written: the fdatasync that completes the snapshot.
    func advanceStream() -> LogJob? {
        guard case .streaming(let tfd, let started) = rewrite, stream.framingDone, stream.inFlight == 0 else {
            return nil
        }
        let size = stream.size
        stream = SnapshotStream()
        rewrite = .snapshotting(startedMs: started)
        return LogJob(
            .rewriteSnapshotSync(fd: tfd, size: size, tempPath: Self.tempPath(for: path)),
            injected: faultInjector?(.rewriteSnapshot) ?? 0)
    }

    func chunkCompleted(_ result: LogJobResult, bytes: Int, nowMs: Int64) {
        stream.inFlight -= 1
        stream.bytesInFlight -= bytes
        if result.error != 0, case .streaming(_, let started) = rewrite {
            orphanStream()
            endRewrite(ok: false, startedMs: started, nowMs: nowMs)
        }
        if stream.orphaned && stream.inFlight == 0 {
            close(stream.fd)
            stream = SnapshotStream()
        }
    }

    /// Ends a streamed snapshot early: the temp file goes now, its descriptor once no slice
    /// job can still write to it.
    func orphanStream() {
        unlink(Self.tempPath(for: path))
        if stream.inFlight == 0 {
            close(stream.fd)
            stream = SnapshotStream()
        } else {
            stream.orphaned = true
        }
    }
}
