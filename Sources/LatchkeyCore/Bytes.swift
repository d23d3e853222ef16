// Byte types shared by every module: `Bytes` owns keys, values and message bodies;
// `ByteView` borrows a slice of a connection's read buffer for the duration of one request.
// Nothing here knows about any protocol.

/// An owned, binary-safe byte string (keys, values, names, bodies).
public typealias Bytes = [UInt8]

/// A non-owning view of bytes inside a buffer that outlives the view (a connection's read
/// buffer while one request is being handled). Never store a `ByteView`: copy it with `bytes`.
@frozen public struct ByteView {
    public let base: UnsafePointer<UInt8>
    public let count: Int

    @inlinable public init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    @inlinable public subscript(i: Int) -> UInt8 { base[i] }

    /// An owned copy.
    @inlinable public var bytes: Bytes { Bytes(UnsafeBufferPointer(start: base, count: count)) }

    @inlinable public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Byte-for-byte equality with an owned byte string.
    @inlinable public func equals(_ other: Bytes) -> Bool {
        guard other.count == count else { return false }
        return other.withUnsafeBufferPointer { o in count == 0 || memcmpBytes(base, o.baseAddress!, count) }
    }

    /// ASCII case-insensitive equality with an upper-case ASCII literal (command names, options).
    @inlinable public func equalsUppercase(_ upper: StaticString) -> Bool {
        guard upper.utf8CodeUnitCount == count else { return false }
        let u = upper.utf8Start
        for i in 0..<count where ASCII.upper(base[i]) != u[i] { return false }
        return true
    }

    /// The bytes as a String, for error texts and logs only (lossy for invalid UTF-8).
    public var string: String { String(decoding: buffer, as: UTF8.self) }
}

@inlinable func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}

extension Array where Element == UInt8 {
    /// A byte string from a Swift string's UTF-8 (for constants and edges, not hot paths).
    @inlinable public init(utf8 s: String) { self = Array(s.utf8) }

    /// The bytes as a String, for error texts and logs only.
    public var string: String { String(decoding: self, as: UTF8.self) }
}
