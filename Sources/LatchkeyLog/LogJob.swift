// The blocking halves of the log's work, packaged as Sendable values the server runs on a helper
// thread (LatchkeyLoop's BackgroundWork): fdatasync for group commit / everysec, writing a
// rewrite snapshot to a temp file, and the rewrite's fsync + rename + directory fsync. A job
// touches only its file descriptor and paths, never the writer; the result goes back to
// `LogWriter.complete(_:)` on the loop thread.
import Glibc

/// Work the writer hands to a helper thread.
public struct LogJob: Sendable {
    public enum Kind: Sendable {
        /// fdatasync(fd); on success everything up to logical offset `target` is durable.
        case sync(fd: Int32, target: Int64)
        /// Write a new log holding `framed` (records already framed on the loop) then `snapshot`
        /// (records framed here) to `tempPath`, and fdatasync it.
        case rewriteSnapshot(tempPath: String, framed: [UInt8], snapshot: [LogRecord])
        /// Write one slice of a streamed snapshot to the temp file at `offset` (slices carry
        /// their own offsets, so they may run on several helper threads at once).
        case rewriteChunk(fd: Int32, offset: Int64, bytes: [UInt8])
        /// fdatasync a streamed snapshot of `size` bytes; on failure close and remove the temp file.
        case rewriteSnapshotSync(fd: Int32, size: Int64, tempPath: String)
        /// close(fd) of the log a rewrite replaced: the last reference to an unlinked file of
        /// possibly many megabytes, whose freeing can take long enough to pause the loop.
        case closeRetired(fd: Int32)
        /// fdatasync the completed temp file, rename it over the live log, fsync the directory.
        case rewriteFinalize(fd: Int32, tempPath: String, finalPath: String, target: Int64)
    }

    public let kind: Kind
    /// Test hook: an errno to report instead of doing the work (0 = do it).
    let injected: Int32

    init(_ kind: Kind, injected: Int32 = 0) {
        self.kind = kind
        self.injected = injected
    }

    /// Does the blocking work. Call on a helper thread, never on the loop.
    public func run() -> LogJobResult {
        switch kind {
        case .sync(let fd, _):
            let started = FileIO.monotonicMicros()
            let e = injected != 0 ? injected : FileIO.datasync(fd)
            return LogJobResult(job: self, error: e, micros: FileIO.monotonicMicros() - started)
        case .rewriteSnapshot(let tempPath, let framed, let snapshot): return writeSnapshot(tempPath, framed, snapshot)
        case .rewriteChunk(let fd, let offset, let bytes):
            if injected != 0 { return LogJobResult(job: self, error: injected) }
            var n = 0
            let e = bytes.withUnsafeBytes { FileIO.pwriteAll(fd, $0, at: offset, written: &n) }
            return LogJobResult(job: self, error: e)
        case .closeRetired(let fd):
            close(fd)
            return LogJobResult(job: self, error: 0)
        case .rewriteSnapshotSync(let fd, let size, let tempPath):
            let e = injected != 0 ? injected : FileIO.datasync(fd)
            if e != 0 {
                close(fd)
                unlink(tempPath)
                return LogJobResult(job: self, error: e)
            }
            return LogJobResult(job: self, error: 0, fd: fd, size: size)
        case .rewriteFinalize(let fd, let tempPath, let finalPath, _):
            if injected != 0 { return LogJobResult(job: self, error: injected) }
            var e = FileIO.datasync(fd)
            if e != 0 { return LogJobResult(job: self, error: e) }
            if rename(tempPath, finalPath) != 0 { return LogJobResult(job: self, error: errno) }
            e = FileIO.syncDirectory(FileIO.directory(of: finalPath))
            return LogJobResult(job: self, error: e, renamed: true)
        }
    }

    private func writeSnapshot(_ tempPath: String, _ framed: [UInt8], _ snapshot: [LogRecord]) -> LogJobResult {
        let fd: Int32
        do { fd = try FileIO.open(tempPath, O_WRONLY | O_CREAT | O_TRUNC) } catch {
            return LogJobResult(job: self, error: error.code)
        }
        var chunk = RecordCodec.fileHeader()
        chunk.reserveCapacity(1 << 20)
        var offset: Int64 = 0
        var e: Int32 = 0
        func flush() {
            var n = 0
            e = chunk.withUnsafeBytes { FileIO.pwriteAll(fd, $0, at: offset, written: &n) }
            offset += Int64(n)
            chunk.removeAll(keepingCapacity: true)
        }
        flush()
        if e == 0 {
            var n = 0
            e = framed.withUnsafeBytes { FileIO.pwriteAll(fd, $0, at: offset, written: &n) }
            offset += Int64(n)
        }
        for record in snapshot where e == 0 {
            RecordCodec.encode(record, into: &chunk)
            if chunk.count >= 1 << 20 {
                flush()
                if e != 0 { break }
            }
        }
        if e == 0 { flush() }
        if e == 0 { e = injected }
        if e == 0 { e = FileIO.datasync(fd) }
        if e != 0 {
            close(fd)
            unlink(tempPath)
            return LogJobResult(job: self, error: e)
        }
        return LogJobResult(job: self, error: 0, fd: fd, size: offset)
    }
}

/// What a job did; hand it to `LogWriter.complete(_:)` on the loop thread.
public struct LogJobResult: Sendable {
    public let job: LogJob
    /// 0 on success, else the errno of the failing step.
    public let error: Int32
    /// rewriteSnapshot: the open temp file and its size.
    let fd: Int32
    let size: Int64
    /// rewriteFinalize: the rename happened (the new file is live even if `error` != 0).
    let renamed: Bool
    /// sync: how long the fdatasync took.
    let micros: Int64

    init(job: LogJob, error: Int32, fd: Int32 = -1, size: Int64 = 0, renamed: Bool = false, micros: Int64 = 0) {
        self.job = job
        self.error = error
        self.fd = fd
        self.size = size
        self.renamed = renamed
        self.micros = micros
    }
}
