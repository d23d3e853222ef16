// Owns one uv_loop_t: creation, run, stop, teardown, plus a thread-safe wake-up (LoopWaker) so
// another thread can ask the loop to do something (tests stop an in-process server this way).
// The loop also owns one shared read buffer that connections read into when they hold no
// partial request, so idle and request/response clients need no buffer of their own.
import CLibUV
import LatchkeyCore

#if canImport(Glibc)
import Glibc
#endif

/// One libuv event loop. Every handle created on it must be used from the thread running it.
public final class EventLoop {
    /// The underlying libuv loop.
    public let raw: UnsafeMutablePointer<uv_loop_t>
    /// Scratch space for reads (see TCPConnection); valid only inside one read callback.
    let sharedReadBuffer: UnsafeMutableRawPointer
    /// Set by `stop()`, so a spinning `run` ends as a blocking one would.
    private var stopRequested = false
    static let sharedReadBufferSize = 64 * 1024

    /// Initialises a new libuv loop (not the process-wide default loop).
    public init() throws(UVError) {
        raw = .allocate(capacity: 1)
        do throws(UVError) { try uvCheck(uv_loop_init(raw), "uv_loop_init") } catch {
            raw.deallocate()
            throw error
        }
        sharedReadBuffer = .allocate(byteCount: EventLoop.sharedReadBufferSize, alignment: 16)
    }

    deinit {
        // Normally every owner has closed its handle already. Anything still open (a start-up
        // that failed half way) is closed here, and one more turn runs the close callbacks so
        // uv_loop_close succeeds and the memory is returned.
        if uv_loop_close(raw) == UV_EBUSY.rawValue {
            uv_walk(raw, { h, _ in if let h, uv_is_closing(h) == 0 { Handle.close(h) } }, nil)
            uv_run(raw, UV_RUN_DEFAULT)
            uv_loop_close(raw)
        }
        raw.deallocate()
        sharedReadBuffer.deallocate()
    }

    /// Runs until no active handle remains or `stop()` is called.
    ///
    /// With `spinMicros > 0` the loop keeps polling without blocking for that long after the last
    /// time `activity` changed (the server passes its input byte counter), and only then sleeps in
    /// epoll. A request/reply client's next request usually arrives within tens of microseconds;
    /// catching it while still awake avoids the wake-up cost of a sleeping core, which dominates
    /// round-trip workloads on VMs. An idle server blocks as usual and burns no CPU.
    public func run(spinMicros: Int64 = 0, activity: (() -> UInt64)? = nil) {
        stopRequested = false
        guard spinMicros > 0, let activity else {
            uv_run(raw, UV_RUN_DEFAULT)
            return
        }
        var seen = activity()
        var lastActive = SystemClock.monotonicMicros()
        while !stopRequested {
            let spinning = SystemClock.monotonicMicros() - lastActive < spinMicros
            if uv_run(raw, spinning ? UV_RUN_NOWAIT : UV_RUN_ONCE) == 0 { break }
            let now = activity()
            if now != seen {
                seen = now
                lastActive = SystemClock.monotonicMicros()
            }
        }
    }

    /// Makes `run()` return after the current iteration.
    public func stop() {
        stopRequested = true
        uv_stop(raw)
    }
}

/// A uv_async handle: `wake()` may be called from any thread; `callback` runs on the loop.
/// Several wakes before the loop notices are coalesced into one callback, as libuv documents.
/// `wake()` racing with `close()` is safe: both take a mutex, and a closed waker ignores wakes.
public final class LoopWaker: HandleOwner, @unchecked Sendable {
    private let handle: UnsafeMutablePointer<uv_async_t>
    private let callback: () -> Void
    private var closed = false
    /// Heap-allocated so its address is stable (a mutex must not move).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    /// Creates the async handle on `loop`; `callback` runs on the loop thread after `wake()`.
    public init(loop: EventLoop, callback: @escaping () -> Void) throws(UVError) {
        handle = try Handle.make(uv_async_t.self, "uv_async_init") {
            uv_async_init(loop.raw, $0) { h in Handle.owner(lk_as_handle(h), as: LoopWaker.self)?.callback() }
        }
        self.callback = callback
        pthread_mutex_init(mutex, nil)
        Handle.attach(lk_as_handle(handle), owner: self)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Thread-safe: asks the loop to run the callback soon (ignored once closed).
    public func wake() {
        pthread_mutex_lock(mutex)
        if !closed { uv_async_send(handle) }
        pthread_mutex_unlock(mutex)
    }

    /// Loop thread only. The handle is released once libuv has finished with it.
    public func close() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if closed { return }
        closed = true
        Handle.close(lk_as_handle(handle))
    }
}
