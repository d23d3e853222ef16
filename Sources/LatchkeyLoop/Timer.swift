// Loop-driven periodic work: a repeating uv_timer (the server's cron at `hz`) and a uv_prepare
// hook that runs right before the loop blocks for I/O (the server's before-sleep flush of the
// log and of client output). Both call a Swift closure on the loop thread; neither knows what
// the closure does.
import CLibUV

/// A uv_timer. `start` may be called again to change the period.
public final class LoopTimer: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private let callback: () -> Void
    private var closed = false

    /// Creates a stopped timer on `loop`; `callback` runs on the loop thread each time it fires.
    public init(loop: EventLoop, callback: @escaping () -> Void) throws(UVError) {
        handle = Handle.allocate(uv_timer_t.self)
        self.callback = callback
        let rc = uv_timer_init(loop.raw, handle)
        if rc < 0 {
            Handle.free(handle)
            throw UVError(code: rc, operation: "uv_timer_init")
        }
        Handle.attach(lk_as_handle(handle), owner: self)
    }

    /// Fires after `afterMs`, then every `repeatMs` (0 = once).
    public func start(afterMs: UInt64, repeatMs: UInt64) {
        guard !closed else { return }
        uv_timer_start(handle, { h in
            Handle.owner(lk_as_handle(h), as: LoopTimer.self)?.callback()
        }, afterMs, repeatMs)
    }

    /// Stops firing until started again.
    public func stop() {
        guard !closed else { return }
        uv_timer_stop(handle)
    }

    /// Keeps this timer from holding the loop open on its own.
    public func unref() { uv_unref(lk_as_handle(handle)) }

    /// Stops and releases the timer; the handle is freed in its close callback.
    /// Stops the hook; the handle is freed in its close callback.
    public func close() {
        if closed { return }
        closed = true
        Handle.close(lk_as_handle(handle))
    }
}

/// A uv_prepare hook: runs once per loop iteration, just before the loop polls for I/O.
public final class BeforeSleep: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_prepare_t>
    private let callback: () -> Void
    private var closed = false

    /// Starts the hook on `loop` at once; it does not keep the loop alive by itself.
    public init(loop: EventLoop, callback: @escaping () -> Void) throws(UVError) {
        handle = Handle.allocate(uv_prepare_t.self)
        self.callback = callback
        let rc = uv_prepare_init(loop.raw, handle)
        if rc < 0 {
            Handle.free(handle)
            throw UVError(code: rc, operation: "uv_prepare_init")
        }
        Handle.attach(lk_as_handle(handle), owner: self)
        uv_prepare_start(handle) { h in
            Handle.owner(lk_as_handle(h), as: BeforeSleep.self)?.callback()
        }
        // A prepare hook alone must not keep the loop alive.
        uv_unref(lk_as_handle(handle))
    }

    public func close() {
        if closed { return }
        closed = true
        Handle.close(lk_as_handle(handle))
    }
}
