import LatchkeyCore

// Redis-style log lines ("12345:M 27 Nov 2026 10:00:00.000 * Server started") to stdout or the
// `logfile`, filtered by `loglevel`. Only the server's own events are logged here; the ready line
// the test fixtures wait for is printed separately (see Server.readyLine).
#if canImport(Glibc)
import Glibc
#endif

/// The server's log.
public final class ServerLog {
    /// Redis's levels; the symbol is what appears in each line.
    public enum Level: Int, Comparable {
        case debug = 0
        case verbose, notice, warning
        var symbol: String {
            switch self {
            case .debug: return "."
            case .verbose: return "-"
            case .notice: return "*"
            case .warning: return "#"
            }
        }
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// Lines below this level are dropped; nil = `loglevel nothing`.
    public var minimum: Level?
    /// Where lines go: the logfile's descriptor, or 1 (stdout).
    private let fd: Int32
    private let pid = getpid()

    /// Logs to `logfile` (appending) when set, otherwise to stdout.
    public init(level: String, logfile: String) {
        minimum = ServerLog.minimum(for: level)
        let opened = logfile.isEmpty ? -1 : open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        fd = opened >= 0 ? opened : 1
    }

    deinit { if fd != 1 { close(fd) } }

    /// The lowest level written for a `loglevel` value (nil = `nothing`).
    public static func minimum(for level: String) -> Level? {
        switch level {
        case "debug": return .debug
        case "verbose": return .verbose
        case "warning": return .warning
        case "nothing": return nil
        default: return .notice
        }
    }

    /// Whether a line at `level` would be written (to skip building expensive messages).
    public func enabled(_ level: Level) -> Bool { minimum.map { level >= $0 } ?? false }

    /// Writes one line at `level`; the message is built only when the level is enabled.
    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard enabled(level) else { return }
        let line = "\(pid):M \(ServerLog.timestamp()) \(level.symbol) \(message())\n"
        ServerLog.writeAll(fd, line)
    }

    /// Writes a whole line with write(2) (unbuffered, so lines never interleave or get stuck).
    static func writeAll(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return
                }
                off += n
            }
        }
    }

    /// Shorthands for `log(level, message)`.
    public func debug(_ m: @autoclosure () -> String) { log(.debug, m()) }
    public func verbose(_ m: @autoclosure () -> String) { log(.verbose, m()) }
    public func notice(_ m: @autoclosure () -> String) { log(.notice, m()) }
    public func warning(_ m: @autoclosure () -> String) { log(.warning, m()) }

    /// "27 Nov 2026 10:00:00.000" in local time.
    static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var secs = tv.tv_sec
        var tmv = tm()
        localtime_r(&secs, &tmv)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, buf.count, "%d %b %Y %H:%M:%S.", &tmv)
        let head = buf.withUnsafeBufferPointer { p in
            String(decoding: UnsafeRawBufferPointer(start: p.baseAddress, count: n), as: UTF8.self)
        }
        let ms = Int(tv.tv_usec / 1000)
        return head + (ms < 10 ? "00" : ms < 100 ? "0" : "") + String(ms)
    }
}
