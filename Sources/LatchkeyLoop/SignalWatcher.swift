// Turns process signals into loop callbacks: SIGINT/SIGTERM (graceful shutdown) are delivered on
// the loop thread through uv_signal, and SIGPIPE is ignored process-wide so a write to a closed
// socket becomes an EPIPE error on that connection instead of killing the server.
import CLibUV

#if canImport(Glibc)
import Glibc
#endif

/// Watches one signal number; `callback` runs on the loop thread with the signal number.
public final class SignalWatcher: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_signal_t>
    private let callback: (Int32) -> Void
    private var closed = false

    /// Starts watching `signal` on `loop`; the watcher does not keep the loop alive by itself.
    public init(loop: EventLoop, signal: Int32, callback: @escaping (Int32) -> Void) throws(UVError) {
        handle = try Handle.make(uv_signal_t.self, "uv_signal_init") { uv_signal_init(loop.raw, $0) }
        self.callback = callback
        let h = handle
        try Handle.check(
            uv_signal_start(
                h, { h, signum in Handle.owner(lk_as_handle(h), as: SignalWatcher.self)?.callback(signum) }, signal),
            "uv_signal_start", closing: h)
        Handle.attach(lk_as_handle(handle), owner: self)
        // Watching for a signal must not keep the loop alive once everything else is closed.
        uv_unref(lk_as_handle(handle))
    }

    /// Ignores SIGPIPE for the whole process (call once at start-up).
    public static func ignoreSIGPIPE() { signal(SIGPIPE, SIG_IGN) }

    /// Stops watching; the handle is freed in its close callback.
    public func close() {
        if closed { return }
        closed = true
        Handle.close(lk_as_handle(handle))
    }
}
