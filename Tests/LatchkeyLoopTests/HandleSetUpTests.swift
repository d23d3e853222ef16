// Handle set-up failures (Handle.make / Handle.check): a libuv call that fails after its handle
// was initialised must close that handle (it is linked into the loop) and throw a UVError naming
// the call, so nothing is leaked and the loop can still be closed.
import CLibUV
import Glibc
import LatchkeyCore
import Testing

@testable import LatchkeyLoop

@Suite("Handle set-up") struct HandleSetUpTests {
    @Test("a signal watcher for an invalid signal throws EINVAL from uv_signal_start and leaves no open handle")
    func badSignal() throws {
        let loop = try EventLoop()
        #expect { _ = try SignalWatcher(loop: loop, signal: 9999) { _ in } } throws: { e in
            (e as? UVError)?.name == "EINVAL" && (e as? UVError)?.operation == "uv_signal_start"
        }
        #expect(openHandles(loop) == 0)
        turn(loop)
        #expect(uv_loop_alive(loop.raw) == 0)
    }

    @Test("adopting a descriptor that is not open throws from uv_tcp_open and leaves no open handle")
    func badDescriptor() throws {
        let loop = try EventLoop()
        // A number far above any descriptor this process has open (tests run in parallel, so a
        // just-closed number could already belong to another test's socket).
        let fd: Int32 = 100_000
        #expect(fcntl(fd, F_GETFD) == -1)
        #expect { _ = try TCPConnection(adopting: fd, loop: loop) } throws: { e in
            (e as? UVError)?.operation == "uv_tcp_open"
        }
        #expect(openHandles(loop) == 0)
        turn(loop)
        #expect(uv_loop_alive(loop.raw) == 0)
    }

    @Test("every handle type sets up and closes cleanly on a fresh loop") func setUpAndClose() throws {
        let loop = try EventLoop()
        let timer = try LoopTimer(loop: loop) {}
        let hook = try BeforeSleep(loop: loop) {}
        let signal = try SignalWatcher(loop: loop, signal: SIGUSR2) { _ in }
        let waker = try LoopWaker(loop: loop) {}
        let listener = try TCPListener(loop: loop, host: "127.0.0.1", port: 0, backlog: 1) { _ in }
        #expect(openHandles(loop) == 5)
        timer.close()
        hook.close()
        signal.close()
        waker.close()
        listener.close()
        #expect(openHandles(loop) == 0)
        turn(loop)
        #expect(uv_loop_alive(loop.raw) == 0)
    }
}
