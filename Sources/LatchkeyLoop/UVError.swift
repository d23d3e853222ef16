// The one place libuv status codes become Swift errors. Every libuv call that can fail goes
// through `uvCheck` (handle set-up through `Handle.make`/`Handle.check`, built on the same rule),
// so callers see a `UVError` naming the call and libuv's error text instead of a bare negative
// integer. Nothing here knows about sockets or protocols.
import CLibUV

/// A failed libuv call: the negative status code, its symbolic name ("EADDRINUSE") and text.
public struct UVError: Error, CustomStringConvertible, Sendable {
    /// libuv's negative status code (e.g. UV_EADDRINUSE).
    public let code: Int32
    /// The libuv call or operation that failed, e.g. "bind 127.0.0.1:6379".
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// libuv's symbolic name for the code, e.g. "EADDRINUSE".
    public var name: String { String(cString: uv_err_name(code)) }
    /// libuv's human text for the code, e.g. "address already in use".
    public var message: String { String(cString: uv_strerror(code)) }

    public var description: String { "\(operation): \(message) (\(name))" }

    /// True for "this address family/address is not available here" (no IPv6, no such address).
    public var isAddressUnavailable: Bool {
        code == UV_EADDRNOTAVAIL.rawValue || code == UV_EAFNOSUPPORT.rawValue || code == UV_EINVAL.rawValue
    }
}

/// Returns `status` when it is not negative; throws a `UVError` naming `operation` otherwise.
@discardableResult @inlinable public func uvCheck(
    _ status: Int32, _ operation: @autoclosure () -> String
) throws(UVError) -> Int32 {
    if status < 0 { throw UVError(code: status, operation: operation()) }
    return status
}
