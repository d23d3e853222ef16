import LatchkeyCore
import Testing

@testable import LatchkeyServer

// Test helpers: an in-process server on a loopback port running on its own thread, a blocking
// socket client, and a tiny test front end (PING, BIG n) for output-limit tests.
#if canImport(Glibc)
import Glibc
#endif

/// A server on 127.0.0.1 with a free port, its loop on a background thread.
final class LiveServer {
    let server: Server
    let thread: ServerThread
    let port: Int

    let amqpPort: Int

    /// `amqp` adds an AMQP-side front end on a kernel-chosen port; `prepare` runs before start.
    init(
        _ options: [String] = [], frontEnd: ((ServerContext) -> FrontEnd)? = nil, amqp: FrontEnd? = nil,
        clock: Clock = SystemClock(), prepare: (Server) -> Void = { _ in }
    ) throws {
        let config = try ConfigParser.parse(
            arguments: [
                "--port", "0", "--amqp-port", amqp == nil ? "off" : "0", "--management-port", "0", "--bind",
                "127.0.0.1", "--amqp-bind", "127.0.0.1", "--loglevel", "nothing",
            ] + options
        ).config
        server = try Server(config: config, clock: clock)
        server.handlesSignals = false
        server.addFrontEnd(frontEnd?(server.context) ?? StandInFrontEnd(context: server.context), kind: .resp)
        if let amqp { server.addFrontEnd(amqp, kind: .amqp) }
        prepare(server)
        (port, amqpPort) = try server.start()
        thread = server.runInBackground()
    }

    /// Graceful shutdown; returns once the loop thread has ended.
    func stop() { thread.stop() }
}

/// A blocking TCP client; every receive gives up after 10 s so a broken server fails the test
/// instead of hanging it.
final class TestClient {
    let fd: Int32

    /// `receiveBuffer` shrinks SO_RCVBUF (before connecting) so the kernel can hold only a little
    /// unread output for this client, which makes the server's writes partial.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 { throw TestError("connect failed: errno \(errno)") }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// True when bytes (or EOF) are waiting to be read right now.
    func hasPendingInput() -> Bool {
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) >= 0
    }

    /// One recv of up to `max` bytes ([] at EOF or error).
    func receiveSome(max: Int = 65536) -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        return n > 0 ? Array(buf[0..<n]) : []
    }

    /// Reads until `count` bytes arrived or the peer closed.
    func receive(count: Int) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            let chunk = receiveSome(max: min(1 << 20, count - out.count))
            if chunk.isEmpty { break }
            out += chunk
        }
        return out
    }

    /// Reads until the peer closes; returns how many bytes arrived.
    func receiveUntilClosed() -> Int {
        var total = 0
        while true {
            let chunk = receiveSome(max: 1 << 20)
            if chunk.isEmpty { return total }
            total += chunk.count
        }
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Answers inline `BIG n` with n bytes of 'x' (no framing), `SHUTDOWN` by asking the server to
/// shut down (as the SHUTDOWN command does, from inside `receive`), anything else with +PONG.
final class BigFrontEnd: FrontEnd {
    weak var context: ServerContext?
    init(context: ServerContext? = nil) { self.context = context }
    func makeSession(client: ClientInfo) -> ProtocolSession { BigSession(outbox: client.outbox, context: context) }
    func cron() {}
}

final class BigSession: ProtocolSession {
    let outbox: Outbox
    weak var context: ServerContext?
    init(outbox: Outbox, context: ServerContext?) {
        self.outbox = outbox
        self.context = context
    }

    func receive(_ input: UnsafeRawBufferPointer) -> Int {
        var pos = 0
        while let nl = input[pos...].firstIndex(of: 10) {
            let end = nl > pos && input[nl - 1] == 13 ? nl - 1 : nl
            let line = String(decoding: input[pos..<end], as: UTF8.self).split(separator: " ")
            pos = nl + 1
            if line.first == "SHUTDOWN" {
                outbox.bytes.append(contentsOf: Array("+OK\r\n".utf8))
                context?.control?.requestShutdown(save: false)
            } else if line.first == "BIG", line.count == 2, let n = Int(line[1]) {
                outbox.bytes.append(contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: n))
            } else {
                outbox.bytes.append(contentsOf: Array("+PONG\r\n".utf8))
            }
            outbox.markDirty()
        }
        return pos
    }

    func connectionClosed() {}
}

/// Answers every line with "AMQP\n" (a stand-in for an AMQP front end in listener tests).
final class LineFrontEnd: FrontEnd {
    let reply: String
    init(reply: String) { self.reply = reply }
    func makeSession(client: ClientInfo) -> ProtocolSession {
        LineSession(outbox: client.outbox, reply: Array(reply.utf8))
    }
    func cron() {}
}

final class LineSession: ProtocolSession {
    let outbox: Outbox
    let reply: [UInt8]
    init(outbox: Outbox, reply: [UInt8]) {
        self.outbox = outbox
        self.reply = reply
    }

    func receive(_ input: UnsafeRawBufferPointer) -> Int {
        var pos = 0
        while let nl = input[pos...].firstIndex(of: 10) {
            pos = nl + 1
            outbox.bytes.append(contentsOf: reply)
            outbox.markDirty()
        }
        return pos
    }

    func connectionClosed() {}
}

/// A manual clock the test thread may advance while the loop thread reads it.
final class LockedClock: Clock, @unchecked Sendable {
    private var now: Int64
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init(now: Int64 = 1_700_000_000_000) {
        self.now = now
        pthread_mutex_init(mutex, nil)
    }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    func nowMs() -> Int64 {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return now
    }
    func advance(ms: Int64) {
        pthread_mutex_lock(mutex)
        now += ms
        pthread_mutex_unlock(mutex)
    }
}
