// Helpers for the loop tests: a raw loopback client socket, a delegate that records every event,
// and `spin`, which turns the real loop without blocking until a condition holds (with a 10 s
// deadline so a broken loop fails the test instead of hanging it). No mocks: real libuv, real
// sockets on 127.0.0.1, a kernel-chosen port.
import CLibUV
import Glibc
import LatchkeyCore
import LatchkeyLoop
import Testing

/// Turns `loop` (UV_RUN_NOWAIT) until `condition` holds or 10 s pass; returns the condition.
/// `also` runs between turns (a test client reading its side, for example).
@discardableResult func spin(_ loop: EventLoop, also: () -> Void = {}, until condition: () -> Bool) -> Bool {
    let deadline = SystemClock.monotonicMicros() + 10_000_000
    while !condition() {
        if SystemClock.monotonicMicros() > deadline { return false }
        uv_run(loop.raw, UV_RUN_NOWAIT)
        also()
    }
    return true
}

/// Turns the loop `n` times without blocking (for "nothing happens" checks: bytes already in
/// the kernel's receive queue are delivered on the first turn if the connection is reading).
func turn(_ loop: EventLoop, _ n: Int = 3) { for _ in 0..<n { uv_run(loop.raw, UV_RUN_NOWAIT) } }

/// Records a connection's events; `consume` decides how many offered bytes are taken.
final class Recorder: TCPConnectionDelegate {
    var received: [UInt8] = []
    /// Every offer, as its byte count (leftovers included).
    var offers: [Int] = []
    var ends: [UVError?] = []
    var drains = 0
    var closed = false
    var consume: (UnsafeRawBufferPointer) -> Int = { $0.count }

    func connection(_ connection: TCPConnection, received bytes: UnsafeRawBufferPointer) -> Int {
        offers.append(bytes.count)
        let used = consume(bytes)
        received.append(contentsOf: bytes[0..<used])
        return used
    }
    func connectionDidEnd(_ connection: TCPConnection, error: UVError?) { ends.append(error) }
    func connectionDidDrain(_ connection: TCPConnection) { drains += 1 }
    func connectionDidClose(_ connection: TCPConnection) { closed = true }
}

/// A blocking loopback client socket (plain POSIX, not on the loop).
final class RawClient {
    let fd: Int32

    init(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        // On loopback the kernel completes the handshake into the listen backlog, so a blocking
        // connect returns before the loop has accepted.
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(rc == 0, "connect failed: errno \(errno)")
    }

    deinit { closeSocket() }

    private var isOpen = true
    func closeSocket() {
        if isOpen { Glibc.close(fd) }
        isOpen = false
    }

    /// Sends all of `bytes` (blocking; loopback sends of a few KB never wait).
    func send(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            precondition(n > 0, "send failed: errno \(errno)")
            off += n
        }
    }

    /// Reads whatever is there now without waiting; appends it to `into`.
    func drain(into out: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { return }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}

/// A listener on 127.0.0.1:0 with one accepted connection and its recorder.
final class Pair {
    let loop: EventLoop
    let listener: TCPListener
    let client: RawClient
    let server: TCPConnection
    let recorder = Recorder()

    init() throws {
        loop = try EventLoop()
        var accepted: [TCPConnection] = []
        listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0, backlog: 16) { accepted.append($0) }
        client = RawClient(port: listener.port)
        guard spin(loop, until: { !accepted.isEmpty }) else { throw UVError(code: -1, operation: "accept timed out") }
        server = accepted[0]
        server.delegate = recorder
    }

    /// Closes everything and turns the loop until the connection's close callback has run.
    func shutdown() {
        server.close()
        listener.close()
        client.closeSocket()
        #expect(spin(loop, until: { self.recorder.closed }))
    }
}

/// `n` bytes of a pattern that shows reordering or loss (not all one value).
func pattern(_ n: Int, seed: UInt8 = 0) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed } }

/// Handles still linked into `loop` that are not closing (after a failed set-up there must be
/// none: a leaked handle would keep uv_loop_close from succeeding).
func openHandles(_ loop: EventLoop) -> Int {
    var count = 0
    withUnsafeMutablePointer(to: &count) { p in
        uv_walk(
            loop.raw,
            { h, arg in if let h, uv_is_closing(h) == 0 { arg!.assumingMemoryBound(to: Int.self).pointee += 1 } }, p)
    }
    return count
}
