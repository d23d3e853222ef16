// The ownership rule for every libuv handle, written once: the handle's `data` field holds a
// retained reference to the Swift object that owns it, so the object lives at least as long as
// the handle is open; the handle's memory is freed only in its close callback, after libuv is
// done with it (never in deinit while the handle is open).
import CLibUV

/// A Swift object that owns one libuv handle.
protocol HandleOwner: AnyObject {
    /// Runs in the close callback, before the handle memory is freed and the owner released.
    func handleDidClose()
}

extension HandleOwner { func handleDidClose() {} }

enum Handle {
    /// Allocates zeroed memory for a handle of type `T` and runs its libuv init call on it
    /// (`uv_timer_init(loop.raw, $0)`). If the init fails the memory is freed (libuv never saw
    /// the handle) and the failure is thrown naming `operation`. The caller attaches its owner
    /// once it is fully initialised; until then callbacks find no owner and do nothing.
    static func make<T>(
        _: T.Type, _ operation: @autoclosure () -> String, _ initialise: (UnsafeMutablePointer<T>) -> Int32
    ) throws(UVError) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
        UnsafeMutableRawPointer(p).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
        let rc = initialise(p)
        if rc < 0 {
            p.deallocate()
            throw UVError(code: rc, operation: operation())
        }
        return p
    }

    /// `uvCheck` for a call on an initialised handle during set-up: on failure the handle is
    /// closed (an initialised handle is linked into the loop and may only be freed by its close
    /// callback) and the error is thrown.
    static func check<T>(
        _ status: Int32, _ operation: @autoclosure () -> String, closing h: UnsafeMutablePointer<T>
    ) throws(UVError) {
        if status >= 0 { return }
        close(UnsafeMutableRawPointer(h).assumingMemoryBound(to: uv_handle_t.self))
        throw UVError(code: status, operation: operation())
    }

    /// Makes `owner` reachable from callbacks and keeps it alive until `close`.
    static func attach(_ h: UnsafeMutablePointer<uv_handle_t>, owner: HandleOwner) {
        h.pointee.data = Unmanaged.passRetained(owner as AnyObject).toOpaque()
    }

    /// The owner stored by `attach`.
    @inline(__always) static func owner<T: AnyObject>(_ h: UnsafeMutablePointer<uv_handle_t>?, as _: T.Type) -> T? {
        guard let h, let data = h.pointee.data else { return nil }
        return Unmanaged<T>.fromOpaque(data).takeUnretainedValue()
    }

    /// Closes the handle; the callback tells the owner, releases it and frees the memory.
    static func close(_ h: UnsafeMutablePointer<uv_handle_t>) {
        if uv_is_closing(h) != 0 { return }
        uv_close(h) { h in
            guard let h else { return }
            if let data = h.pointee.data {
                let unmanaged = Unmanaged<AnyObject>.fromOpaque(data)
                (unmanaged.takeUnretainedValue() as? HandleOwner)?.handleDidClose()
                h.pointee.data = nil
                unmanaged.release()
            }
            UnsafeMutableRawPointer(h).deallocate()
        }
    }
}
