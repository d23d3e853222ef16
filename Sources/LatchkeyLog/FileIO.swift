// Thin, checked wrappers over the Glibc calls the log uses (open, pread/pwrite loops, fsync,
// ftruncate, rename, directory fsync). Each returns an errno (0 = success) or throws LogIOError,
// so callers decide between refusing, retrying and reporting. No policy lives here.
import Glibc

/// A failed system call on a log file.
public struct LogIOError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32
    public init(_ operation: String, _ path: String, _ code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }
    /// strerror text, e.g. "No space left on device".
    public var reason: String { FileIO.describe(code) }
    public var description: String { "\(operation) '\(path)': \(reason)" }
}

/// errno-returning file helpers.
public enum FileIO {
    /// The text of an errno value.
    public static func describe(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }

    /// open(2), retrying on EINTR.
    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(LogIOError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw LogIOError("open", path, errno) }
        }
    }

    /// Writes all of `bytes` at `offset`; returns 0 or the errno of the failing pwrite.
    /// `written` reports how many bytes reached the file before a failure.
    public static func pwriteAll(
        _ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, written: inout Int
    ) -> Int32 {
        written = 0
        while written < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(offset) + off_t(written))
            if n > 0 { written += n } else if n == 0 { return ENOSPC } else if errno != EINTR { return errno }
        }
        return 0
    }

    /// Reads up to `count` bytes at `offset` into `buf`; returns bytes read (short only at EOF).
    public static func preadFully(
        _ fd: Int32, _ buf: UnsafeMutableRawPointer, _ count: Int, at offset: Int64
    ) throws(LogIOError) -> Int {
        var got = 0
        while got < count {
            let n = pread(fd, buf + got, count - got, off_t(offset) + off_t(got))
            if n > 0 {
                got += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw LogIOError("read", "fd \(fd)", errno)
            }
        }
        return got
    }

    /// fdatasync(2) (the file size is data for it, so appends are covered); returns errno or 0.
    public static func datasync(_ fd: Int32) -> Int32 {
        while fdatasync(fd) != 0 { if errno != EINTR { return errno } }
        return 0
    }

    /// fsyncs a directory so a rename or a create in it survives a power cut; returns errno or 0.
    public static func syncDirectory(_ dir: String) -> Int32 {
        let fd = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { return errno }
        defer { close(fd) }
        return fsync(fd) == 0 ? 0 : errno
    }

    /// A monotonic clock in microseconds (fsync cost accounting).
    public static func monotonicMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }

    /// The size of an open file.
    public static func size(_ fd: Int32) -> Int64 {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : -1
    }

    /// Whether `path` exists.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The directory part of a path ("." when there is none).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let d = String(path[..<slash])
        return d.isEmpty ? "/" : d
    }

    /// Truncates `path` to `length` and fsyncs it.
    public static func truncate(_ path: String, to length: Int64) throws(LogIOError) {
        let fd = try open(path, O_WRONLY)
        defer { close(fd) }
        if ftruncate(fd, off_t(length)) != 0 { throw LogIOError("truncate", path, errno) }
        let e = datasync(fd)
        if e != 0 { throw LogIOError("fsync", path, e) }
    }
}
