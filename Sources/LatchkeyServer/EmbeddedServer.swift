import LatchkeyCore

// The embedding API: a whole Latchkey (RESP + AMQP + management, on free loopback ports) inside a Swift
// test process, its loop on its own thread. The clock and reset are driven with the LATCHKEY
// command over a loopback control connection, so they run on the loop thread like any client's
// command and need no cross-thread access to server state. docs/testing.md shows it in use.
#if canImport(Glibc)
import Glibc
#endif

/// Why an embedded server could not start, or a control command failed (the server's error text).
public struct EmbeddedServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An in-process server on free ports with the test commands enabled for loopback clients.
/// Thread-safe: every method may be called from any thread (control calls are serialised).
public final class EmbeddedServer: @unchecked Sendable {
    /// A reply to `command`: RESP2 values as Swift values.
    public enum Reply: Equatable, Sendable {
        case status(String)
        case error(String)
        case integer(Int64)
        case bulk([UInt8]?)
        case array([Reply]?)

        /// The bulk string's text, or nil.
        public var string: String? {
            if case .bulk(let b?) = self { return String(decoding: b, as: UTF8.self) }
            if case .status(let s) = self { return s }
            return nil
        }
    }

    /// The RESP port (Redis clients).
    public let respPort: Int
    /// The AMQP port, nil when started with `amqp: false`.
    public let amqpPort: Int?
    /// The management HTTP port (RabbitMQ's management API, /metrics, the live page), nil when
    /// started with `--management-port off` in `options`.
    public let managementPort: Int?
    /// Every listener's addresses by name, as in the ready file.
    public let listeners: [(name: String, addresses: [String])]
    /// `redis://127.0.0.1:PORT/0`.
    public var redisURL: String { "redis://127.0.0.1:\(respPort)/0" }
    /// `amqp://guest:guest@127.0.0.1:PORT/%2F`, nil without AMQP.
    public var amqpURL: String? { amqpPort.map { "amqp://guest:guest@127.0.0.1:\($0)/%2F" } }

    private let thread: ServerThread
    private var control: ControlConnection?
    private var lock = pthread_mutex_t()
    private var stopped = false

    /// Starts a server; `options` are extra `--directive value` words (as on the command line).
    public init(options: [String] = [], amqp: Bool = true) throws {
        let arguments =
            [
                "--port", "0", "--bind", "127.0.0.1", "--amqp-port", amqp ? "0" : "off", "--amqp-bind", "127.0.0.1",
                "--management-port", "0", "--management-bind", "127.0.0.1", "--enable-test-commands", "local",
                "--loglevel", "warning",
            ] + options
        let config: Config
        do { config = try ConfigParser.parse(arguments: arguments).config } catch {
            throw EmbeddedServerError(error.description)
        }
        let server: Server
        do { server = try Boot.makeServer(config: config) } catch { throw EmbeddedServerError("\(error)") }
        server.handlesSignals = false
        let ports: (respPort: Int, amqpPort: Int)
        do { ports = try server.start() } catch { throw EmbeddedServerError(error.description) }
        respPort = ports.respPort
        amqpPort = amqp ? ports.amqpPort : nil
        managementPort = server.managementPort > 0 ? server.managementPort : nil
        listeners = server.context.listenerAddresses
        thread = server.runInBackground()
        pthread_mutex_init(&lock, nil)
    }

    deinit {
        stop()
        pthread_mutex_destroy(&lock)
    }

    /// Sends one command on the control connection and returns its reply (errors included).
    public func command(_ arguments: String...) throws -> Reply { try command(arguments) }

    public func command(_ arguments: [String]) throws -> Reply {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if stopped { throw EmbeddedServerError("the server is stopped") }
        if control == nil { control = try ControlConnection(port: respPort) }
        return try control!.call(arguments)
    }

    /// The server clock, Unix milliseconds (LATCHKEY CLOCK GET).
    public func nowMs() throws -> Int64 { try integer("LATCHKEY", "CLOCK", "GET") }

    /// Moves the clock forward; keys and messages whose TTL passed are gone when this returns.
    @discardableResult public func advance(milliseconds: Int64) throws -> Int64 {
        try integer("LATCHKEY", "CLOCK", "ADVANCE", String(milliseconds))
    }

    @discardableResult public func advance(seconds: Double) throws -> Int64 {
        guard seconds.isFinite, seconds >= 0, seconds < 9.2e15 else {
            throw EmbeddedServerError("seconds out of range")
        }
        return try advance(milliseconds: Int64((seconds * 1000).rounded()))
    }

    /// Moves the clock forward to `unixMs` (never backwards).
    @discardableResult public func setClock(unixMs: Int64) throws -> Int64 {
        try integer("LATCHKEY", "CLOCK", "SET", String(unixMs))
    }

    public func freeze() throws { try ok("LATCHKEY", "CLOCK", "FREEZE") }
    public func resume() throws { try ok("LATCHKEY", "CLOCK", "RESUME") }

    /// LATCHKEY RESET: every database flushed, scripts and AMQP entities gone, real time again.
    public func reset() throws { try ok("LATCHKEY", "RESET") }

    /// Shuts the server down and waits for its thread; later calls do nothing.
    public func stop() {
        pthread_mutex_lock(&lock)
        let first = !stopped
        stopped = true
        control?.close()
        control = nil
        pthread_mutex_unlock(&lock)
        if first { thread.stop() }
    }

    private func integer(_ arguments: String...) throws -> Int64 {
        switch try command(arguments) {
        case .integer(let n): return n
        case .error(let e): throw EmbeddedServerError(e)
        case let other: throw EmbeddedServerError("unexpected reply \(other)")
        }
    }

    private func ok(_ arguments: String...) throws {
        switch try command(arguments) {
        case .status("OK"): return
        case .error(let e): throw EmbeddedServerError(e)
        case let other: throw EmbeddedServerError("unexpected reply \(other)")
        }
    }
}

/// A blocking loopback RESP2 connection: the embedding API's only way into the loop.
private final class ControlConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var offset = 0

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw EmbeddedServerError("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw EmbeddedServerError("connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    func close() { Glibc.close(fd) }

    func call(_ arguments: [String]) throws -> EmbeddedServer.Reply {
        var out = Array("*\(arguments.count)\r\n".utf8)
        for a in arguments {
            let bytes = Array(a.utf8)
            out += Array("$\(bytes.count)\r\n".utf8) + bytes + [13, 10]
        }
        var sent = 0
        while sent < out.count {
            let n = out.withUnsafeBytes { send(fd, $0.baseAddress! + sent, out.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw EmbeddedServerError("control connection: send failed") }
            sent += n
        }
        return try reply()
    }

    private func fill() throws {
        if offset > 0 {
            buffer.removeFirst(offset)
            offset = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
        if n < 0 && errno == EINTR { return }
        guard n > 0 else { throw EmbeddedServerError("control connection closed") }
        buffer += chunk[0..<n]
    }

    private func line() throws -> [UInt8] {
        while true {
            var i = offset
            while i + 1 < buffer.count {
                if buffer[i] == 13 && buffer[i + 1] == 10 {
                    let l = Array(buffer[offset..<i])
                    offset = i + 2
                    return l
                }
                i += 1
            }
            try fill()
        }
    }

    private func reply() throws -> EmbeddedServer.Reply {
        let l = try line()
        guard let kind = l.first else { throw EmbeddedServerError("empty reply line") }
        let rest = String(decoding: l.dropFirst(), as: UTF8.self)
        switch kind {
        case UInt8(ascii: "+"): return .status(rest)
        case UInt8(ascii: "-"): return .error(rest)
        case UInt8(ascii: ":"):
            guard let n = Int64(rest) else { throw EmbeddedServerError("bad integer reply") }
            return .integer(n)
        case UInt8(ascii: "$"):
            guard let n = Int(rest) else { throw EmbeddedServerError("bad bulk length") }
            if n < 0 { return .bulk(nil) }
            while buffer.count - offset < n + 2 { try fill() }
            let b = Array(buffer[offset..<offset + n])
            offset += n + 2
            return .bulk(b)
        case UInt8(ascii: "*"):
            guard let n = Int(rest) else { throw EmbeddedServerError("bad array length") }
            if n < 0 { return .array(nil) }
            var items: [EmbeddedServer.Reply] = []
            for _ in 0..<n { items.append(try reply()) }
            return .array(items)
        default: throw EmbeddedServerError("unexpected reply type")
        }
    }
}
