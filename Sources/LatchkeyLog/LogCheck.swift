// `latchkey --check-log FILE [--fix]`, the counterpart of redis-check-aof: verifies a log
// without applying it, reports the first damaged offset, and with --fix truncates the file
// there (after which it replays cleanly), first copying what it cuts to FILE.cut-<offset>. It
// never "fixes" a file whose header is not a Latchkey log's. Prints nothing itself: main.swift does.

import Glibc

/// The outcome of checking a log file.
public struct LogCheckResult: Equatable, Sendable {
    /// 0 = valid (or fixed), 1 = damaged and not fixed, 2 = unreadable.
    public var exitCode: Int32
    public var records: Int
    /// First damaged offset, if any.
    public var damagedAt: Int64?
    public var fixed: Bool
    /// Human-readable lines, one per finding.
    public var lines: [String]
}

/// Checks (and optionally fixes) `path`.
public func checkLog(_ path: String, fix: Bool) -> LogCheckResult {
    var result = LogCheckResult(exitCode: 0, records: 0, damagedAt: nil, fixed: false, lines: [])
    do {
        let report = try LogReader.replay(path: path, truncateTornTail: false) { _ in }
        guard report.exists else {
            result.exitCode = 2
            result.lines.append("Cannot open '\(path)': No such file or directory")
            return result
        }
        result.records = report.records
        result.lines.append("Log '\(path)' is valid: \(report.records) records, \(report.fileSize) bytes")
        return result
    } catch {
        let (offset, text): (Int64?, String)
        switch error {
        case .io(let e):
            result.exitCode = 2
            result.lines.append("Cannot read '\(path)': \(e.reason)")
            return result
        case .badHeader(_, let r):
            // Not recognisably ours (or a version we cannot read): cutting it to 0 bytes would
            // destroy a file we do not understand, so --fix refuses.
            result.exitCode = 1
            result.damagedAt = 0
            result.lines.append("Log '\(path)' has a bad header: \(r)")
            if fix { result.lines.append("Refusing to fix '\(path)': it is not recognisably a Latchkey log") }
            return result
        case .corrupt(_, let o, let r): (offset, text) = (o, "corrupt record: \(r)")
        case .tornTailRefused(_, let o, let r): (offset, text) = (o, "torn last record: \(r)")
        case .rejected(_, let o, let r): (offset, text) = (o, r)
        }
        result.damagedAt = offset
        let size = FileIO.existsSize(path)
        result.lines.append("Log '\(path)' is damaged at offset \(offset ?? 0) of \(size) bytes: \(text)")
        guard fix, let cut = offset else {
            result.exitCode = 1
            if !fix { result.lines.append("Run with --fix to truncate the log at offset \(offset ?? 0)") }
            return result
        }
        let backup = "\(path).cut-\(cut)"
        do { try FileIO.copyTail(of: path, from: cut, to: backup) } catch {
            result.exitCode = 2
            result.lines.append("Cannot keep the bytes to cut in '\(backup)': \(error.reason); nothing was changed")
            return result
        }
        result.lines.append("Saved the \(size - cut) bytes from offset \(cut) to '\(backup)'")
        do { try FileIO.truncate(path, to: cut) } catch {
            result.exitCode = 2
            result.lines.append("Cannot truncate '\(path)': \(error.reason)")
            return result
        }
        result.fixed = true
        result.lines.append("Successfully truncated the log to \(cut) bytes (\(size - cut) bytes discarded)")
        let again = checkLog(path, fix: false)
        result.records = again.records
        result.exitCode = again.exitCode
        result.lines.append(contentsOf: again.lines)
        return result
    }
}

extension FileIO {
    /// Copies `path`'s bytes from `offset` to the end into a new file `destination` (which must
    /// not exist yet) and fsyncs it, so a --fix never loses what it cuts.
    static func copyTail(of path: String, from offset: Int64, to destination: String) throws(LogIOError) {
        let src = try open(path, O_RDONLY)
        defer { _ = Glibc.close(src) }
        let dst = try open(destination, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        defer { _ = Glibc.close(dst) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        var at = offset
        var out: Int64 = 0
        while true {
            let n = try preadFully(src, chunk.baseAddress!, chunk.count, at: at)
            if n == 0 { break }
            var written = 0
            let e = pwriteAll(dst, UnsafeRawBufferPointer(rebasing: chunk[0..<n]), at: out, written: &written)
            if e != 0 { throw LogIOError("write", destination, e) }
            at += Int64(n)
            out += Int64(n)
        }
        let e = datasync(dst)
        if e != 0 { throw LogIOError("fsync", destination, e) }
    }

    /// The size of the file at `path`, or 0.
    static func existsSize(_ path: String) -> Int64 {
        guard let fd = try? FileIO.open(path, 0) else { return 0 }
        defer { _ = Glibc.close(fd) }
        return size(fd)
    }
}
