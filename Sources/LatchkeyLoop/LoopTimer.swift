// Loop-driven periodic work: a uv_timer that calls a Swift closure on the loop thread, once or
// repeatedly (the server's cron at `hz`, the log's fsync tick, one-shot grace timers). It does
// not know what the closure does.
import CLibUV

/// A uv_timer. `start` may be called again to change the period.
public final class LoopTimer: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private let callback: () -> Void
    private var closed = false

    /// Creates a stopped timer on `loop`; `callback` runs on the loop thread each time it fires.
    public init(loop: EventLoop, callback: @escaping () -> Void) throws(UVError) {
        handle = try Handle.make(uv_timer_t.self, "uv_timer_init") { uv_timer_init(loop.raw, $0) }
        self.callback = callback
        Handle.attach(lk_as_handle(handle), owner: self)
    }

    /// Fires after `afterMs`, then every `repeatMs` (0 = once).
    public func start(afterMs: UInt64, repeatMs: UInt64) {
        guard !closed else { return }
        let rc = uv_timer_start(
            handle, { h in Handle.owner(lk_as_handle(h), as: LoopTimer.self)?.callback() }, afterMs, repeatMs)
        // libuv refuses only a closing handle or a nil callback; `closed` rules out the first and
        // the callback is a literal, so this cannot fail (checked in debug builds).
        assert(rc == 0, "uv_timer_start: \(UVError(code: rc, operation: "uv_timer_start"))")
    }

    /// Stops firing until started again.
    public func stop() {
        guard !closed else { return }
        uv_timer_stop(handle)
    }

    /// Stops and releases the timer; the handle is freed in its close callback.
    public func close() {
        if closed { return }
        closed = true
        Handle.close(lk_as_handle(handle))
    }
}
