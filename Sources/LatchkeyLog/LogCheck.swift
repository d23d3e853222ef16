// `latchkey --check-log FILE [--fix]`, the counterpart of redis-check-aof: verifies a log
// without applying it, reports the first damaged offset, and with --fix truncates the file
// there (after which it replays cleanly). Prints nothing itself: main.swift prints the report.

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
        case .badHeader(_, let r): (offset, text) = (0, r)
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
        do {
            try FileIO.truncate(path, to: cut)
        } catch {
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
    /// The size of the file at `path`, or 0.
    static func existsSize(_ path: String) -> Int64 {
        guard let fd = try? FileIO.open(path, 0) else { return 0 }
        defer { _ = Glibc.close(fd) }
        return size(fd)
    }
}
