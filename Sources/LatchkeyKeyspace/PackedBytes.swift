// One byte string inside a list or hash, in 16 bytes: up to 14 bytes are kept inline (no heap
// allocation, which is what makes a list element or a small hash field cost about what Redis's
// listpack entry does), longer ones in an owned array. The representation is canonical (a given
// content is always stored the same way), so equality and hashing can follow the representation.
import LatchkeyCore

@frozen public enum PackedBytes: Hashable, Sendable {
    /// 14 data bytes across the first three words, the length in the last byte.
    case inline(UInt64, UInt32, UInt16, UInt8)
    case heap(Bytes)

    public static let inlineCapacity = 14

    @inlinable public init(_ v: ByteView) {
        if v.count <= PackedBytes.inlineCapacity {
            var t: (UInt64, UInt32, UInt16, UInt8) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &t) { raw in
                if v.count > 0 { raw.baseAddress!.copyMemory(from: v.base, byteCount: v.count) }
                raw[14] = UInt8(v.count)
            }
            self = .inline(t.0, t.1, t.2, t.3)
        } else {
            self = .heap(v.bytes)
        }
    }

    @inlinable public init(_ b: Bytes) {
        if b.count <= PackedBytes.inlineCapacity { self = b.withByteView { PackedBytes($0) } } else { self = .heap(b) }
    }

    @inlinable public var count: Int {
        switch self {
        case .inline(_, _, _, let n): return Int(n)
        case .heap(let b): return b.count
        }
    }

    /// Calls `body` with a view of the bytes (valid only inside `body`).
    @inlinable public func withByteView<R>(_ body: (ByteView) -> R) -> R {
        switch self {
        case .inline(let a, let b, let c, let n):
            var t = (a, b, c, n)
            return withUnsafeBytes(of: &t) { raw in
                body(ByteView(base: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: Int(n)))
            }
        case .heap(let bytes): return bytes.withByteView(body)
        }
    }

    /// An owned copy.
    @inlinable public var bytes: Bytes {
        if case .heap(let b) = self { return b }
        return withByteView { $0.bytes }
    }

    /// Content equality with a borrowed view.
    @inlinable public func equals(_ v: ByteView) -> Bool {
        guard v.count == count else { return false }
        return withByteView { mine in v.count == 0 || memcmpEqual(mine.base, v.base, v.count) }
    }

    /// Heap bytes beyond the 16-byte slot.
    @inlinable public var heapCost: Int {
        if case .heap(let b) = self { return ListValue.elementCost(b.count) }
        return 0
    }
}
