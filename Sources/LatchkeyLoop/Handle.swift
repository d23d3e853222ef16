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

extension HandleOwner {
    func handleDidClose() {}
}

enum Handle {
    /// Allocates zeroed memory for a handle of type `T`.
    static func allocate<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: 1)
        UnsafeMutableRawPointer(p).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
        return p
    }

    /// Frees a handle that libuv never initialised (its init call failed).
    static func free(_ h: UnsafeMutableRawPointer) { h.deallocate() }

    /// Makes `owner` reachable from callbacks and keeps it alive until `close`.
    static func attach(_ h: UnsafeMutablePointer<uv_handle_t>, owner: HandleOwner) {
        h.pointee.data = Unmanaged.passRetained(owner as AnyObject).toOpaque()
    }

    /// The owner stored by `attach`.
    @inline(__always)
    static func owner<T: AnyObject>(_ h: UnsafeMutablePointer<uv_handle_t>?, as _: T.Type) -> T? {
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
