// Start-up replay: reads a log file in large chunks, verifies the header and every frame's CRC,
// decodes each record and hands it to the caller's closure (which applies it to the keyspace or
// the broker). Decides torn tail (cut, reported) versus corruption (refuse, with file and
// offset); the rules are in docs/log-format.md. Applying records is the caller's business.
import Glibc

/// A damaged end of the log that replay treats as an interrupted write.
public struct TornTail: Equatable, Sendable {
    /// File offset of the first byte that is not part of a whole, valid record.
    public let offset: Int64
    /// Bytes from `offset` to the end of the file.
    public let discardedBytes: Int64
    public let reason: String
}

/// What a replay found.
public struct ReplayReport: Equatable, Sendable {
    public var path: String
    public var exists = false
    public var records = 0
    /// Offset just past the last valid record (0 for an empty file).
    public var validEnd: Int64 = 0
    public var fileSize: Int64 = 0
    public var tornTail: TornTail?
    /// True when the torn tail was cut from the file.
    public var truncated = false

    /// A line for the server log describing a torn tail, or nil.
    public var tornTailMessage: String? {
        guard let t = tornTail else { return nil }
        return "Log '\(path)': torn last record at offset \(t.offset) (\(t.reason)); "
            + (truncated
                ? "truncated \(t.discardedBytes) bytes (aof-load-truncated yes)"
                : "\(t.discardedBytes) bytes not replayed")
    }
}

/// Why a log cannot be replayed.
public enum LogReplayError: Error, Equatable, CustomStringConvertible {
    case io(LogIOError)
    case badHeader(path: String, reason: String)
    /// Damage before the tail: refuse to start.
    case corrupt(path: String, offset: Int64, reason: String)
    /// A torn tail while `aof-load-truncated no`.
    case tornTailRefused(path: String, offset: Int64, reason: String)
    /// The caller's closure threw while applying the record at `offset`.
    case rejected(path: String, offset: Int64, reason: String)

    public var description: String {
        switch self {
        case .io(let e): return "Cannot read the log: \(e)"
        case .badHeader(let p, let r):
            return "Bad file format reading the log '\(p)': \(r). Use 'latchkey --check-log \(p)' to inspect it."
        case .corrupt(let p, let o, let r):
            return "Bad file format reading the log '\(p)' at offset \(o): \(r). "
                + "Use 'latchkey --check-log \(p) --fix' to truncate it there."
        case .tornTailRefused(let p, let o, let r):
            return "Unexpected end of the log '\(p)' at offset \(o) (\(r)) and aof-load-truncated is no. "
                + "Use 'latchkey --check-log \(p) --fix' or set aof-load-truncated yes."
        case .rejected(let p, let o, let r): return "Cannot apply the record of '\(p)' at offset \(o): \(r)"
        }
    }
}

/// Replays log files.
public enum LogReader {
    /// A tail longer than this is never treated as a single torn write.
    static let maxTornScan: Int64 = 64 << 20

    /// Replays `path`, calling `apply` for each record in order. A missing file replays nothing.
    /// A torn tail is cut when `truncateTornTail` (aof-load-truncated yes); otherwise it throws.
    public static func replay(
        path: String, truncateTornTail: Bool, _ apply: (LogRecord) throws -> Void
    ) throws(LogReplayError) -> ReplayReport {
        var report = ReplayReport(path: path)
        let fd: Int32
        do { fd = try FileIO.open(path, O_RDONLY) } catch {
            if error.code == ENOENT { return report }
            throw .io(error)
        }
        defer { close(fd) }
        report.exists = true
        let size = FileIO.size(fd)
        report.fileSize = size
        if size == 0 { return report }

        var scan = try ChunkScanner(fd: fd, path: path, size: size)
        defer { scan.deallocate() }
        switch try scan.header() {
        case .ok: break
        case .incomplete:
            return try finishTorn(
                &report, TornTail(offset: 0, discardedBytes: size, reason: "incomplete file header"), truncateTornTail)
        case .badMagic: throw .badHeader(path: path, reason: "not a Latchkey log (bad magic)")
        case .badVersion(let v): throw .badHeader(path: path, reason: "unsupported log version \(v)")
        case .badChecksum: throw .badHeader(path: path, reason: "file header checksum mismatch")
        }
        report.validEnd = Int64(RecordCodec.headerSize)

        while true {
            let step = try scan.next()
            switch step {
            case .end: return report
            case .record(let offset, let record):
                do { try apply(record) } catch { throw .rejected(path: path, offset: offset, reason: "\(error)") }
                report.records += 1
                report.validEnd = scan.fileOffset
            case .malformed(let offset):
                throw .corrupt(path: path, offset: offset, reason: "CRC-valid record with a malformed payload")
            case .damaged(let offset, let reason):
                // Where the length points proves nothing: a flipped length bit can point exactly
                // at the end of the file as easily as past it. Only the absence of any valid record
                // after the damage makes it a torn last write (docs/log-format.md).
                if try validRecordExists(fd: fd, after: offset, size: size) {
                    throw .corrupt(path: path, offset: offset, reason: reason)
                }
                let torn = TornTail(offset: offset, discardedBytes: size - offset, reason: reason)
                return try finishTorn(&report, torn, truncateTornTail)
            }
        }
    }

    private static func finishTorn(
        _ report: inout ReplayReport, _ torn: TornTail, _ truncate: Bool
    ) throws(LogReplayError) -> ReplayReport {
        report.tornTail = torn
        guard truncate else { throw .tornTailRefused(path: report.path, offset: torn.offset, reason: torn.reason) }
        do { try FileIO.truncate(report.path, to: torn.offset) } catch { throw .io(error) }
        report.truncated = true
        return report
    }

    /// Whether a whole, CRC-valid, decodable record starts anywhere after `offset`: if so the
    /// damage is not a torn last write but corruption in the middle (e.g. a flipped length bit).
    static func validRecordExists(fd: Int32, after offset: Int64, size: Int64) throws(LogReplayError) -> Bool {
        let count = size - offset
        if count > maxTornScan { return true }
        var tail = [UInt8](repeating: 0, count: Int(count))
        let failure: LogIOError? = tail.withUnsafeMutableBytes { b in
            do { _ = try FileIO.preadFully(fd, b.baseAddress!, b.count, at: offset) } catch let e as LogIOError {
                return e
            } catch { return LogIOError("read", "log", EIO) }
            return nil
        }
        if let failure { throw .io(failure) }
        return tail.withUnsafeBytes { buf in
            var q = 1
            while q + RecordCodec.frameOverhead <= buf.count {
                if case .record(let type, let ps, let pc, _) = RecordCodec.frame(in: buf, at: q),
                    RecordCodec.decodePayload(type: type, UnsafeRawBufferPointer(rebasing: buf[ps..<ps + pc])) != nil
                {
                    return true
                }
                q += 1
            }
            return false
        }
    }
}

/// Reads a file through one growing buffer and yields frames without copying them.
struct ChunkScanner {
    enum Step {
        case record(offset: Int64, LogRecord)
        case malformed(offset: Int64)
        case damaged(offset: Int64, reason: String)
        case end
    }

    let fd: Int32
    let path: String
    let size: Int64
    var buf: UnsafeMutableRawBufferPointer
    /// File offset of buf[0]; valid bytes are buf[0..<filled]; the cursor is buf[pos].
    var bufStart: Int64 = 0
    var filled = 0
    var pos = 0

    init(fd: Int32, path: String, size: Int64) throws(LogReplayError) {
        self.fd = fd
        self.path = path
        self.size = size
        buf = .allocate(byteCount: 4 << 20, alignment: 16)
        try refill(minimum: 0)
    }

    func deallocate() { buf.deallocate() }

    var fileOffset: Int64 { bufStart + Int64(pos) }

    /// Moves unread bytes to the front, grows the buffer to hold `minimum` bytes, reads more.
    mutating func refill(minimum: Int) throws(LogReplayError) {
        let rest = filled - pos
        if minimum > buf.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: minimum, alignment: 16)
            bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buf[pos..<filled]))
            buf.deallocate()
            buf = bigger
        } else if rest > 0 && pos > 0 {
            buf.baseAddress!.copyMemory(from: buf.baseAddress! + pos, byteCount: rest)
        }
        bufStart += Int64(pos)
        pos = 0
        filled = rest
        do {
            filled += try FileIO.preadFully(
                fd, buf.baseAddress! + filled, buf.count - filled, at: bufStart + Int64(rest))
        } catch { throw .io(LogIOError("read", path, error.code)) }
    }

    var atEOF: Bool { bufStart + Int64(filled) >= size }

    mutating func header() throws(LogReplayError) -> HeaderCheck {
        let n = min(filled, RecordCodec.headerSize)
        let check = RecordCodec.checkHeader(UnsafeRawBufferPointer(rebasing: buf[0..<n]))
        if check == .ok { pos = RecordCodec.headerSize }
        return check
    }

    mutating func next() throws(LogReplayError) -> Step {
        while true {
            if pos == filled && atEOF { return .end }
            let view = UnsafeRawBufferPointer(rebasing: buf[0..<filled])
            switch RecordCodec.frame(in: view, at: pos) {
            case .record(let type, let ps, let pc, let next):
                let offset = fileOffset
                guard
                    let r = RecordCodec.decodePayload(type: type, UnsafeRawBufferPointer(rebasing: view[ps..<ps + pc]))
                else { return .malformed(offset: offset) }
                pos = next
                return .record(offset: offset, r)
            case .incomplete(let need):
                if atEOF { return .damaged(offset: fileOffset, reason: "record runs past the end of the file") }
                try refill(minimum: need)
            case .bad(let reason): return .damaged(offset: fileOffset, reason: reason)
            }
        }
    }
}
