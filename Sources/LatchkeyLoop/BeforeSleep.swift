// A uv_prepare hook: a Swift closure that runs once per loop iteration, right before the loop
// blocks for I/O (the server's before-sleep flush of the log and of client output, as Redis's
// beforeSleep). It does not keep the loop alive and does not know what the closure does.
import CLibUV

/// A uv_prepare hook: runs once per loop iteration, just before the loop polls for I/O.
public final class BeforeSleep: HandleOwner {
    private let handle: UnsafeMutablePointer<uv_prepare_t>
    private let callback: () -> Void
    private var closed = false

    /// Starts the hook on `loop` at once; it does not keep the loop alive by itself.
    public init(loop: EventLoop, callback: @escaping () -> Void) throws(UVError) {
        handle = try Handle.make(uv_prepare_t.self, "uv_prepare_init") { uv_prepare_init(loop.raw, $0) }
        self.callback = callback
        let h = handle
        try Handle.check(
            uv_prepare_start(h) { h in Handle.owner(lk_as_handle(h), as: BeforeSleep.self)?.callback() },
            "uv_prepare_start", closing: h)
        Handle.attach(lk_as_handle(handle), owner: self)
        // A prepare hook alone must not keep the loop alive.
        uv_unref(lk_as_handle(handle))
    }

    /// Stops the hook; the handle is freed in its close callback.
    public func close() {
        if closed { return }
        closed = true
        Handle.close(lk_as_handle(handle))
    }
}
