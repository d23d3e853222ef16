// Reads AMQP primitive types (big-endian integers, shortstr, longstr, tables) from a payload
// in place. Every read is bounds-checked and fails with AMQPDecodeError, which the session maps
// to 502 SYNTAX_ERROR; what a truncated or malformed payload means is left to the caller.
import LatchkeyCore

/// Why a payload could not be decoded.
package enum AMQPDecodeError: Error, Equatable, Sendable {
    /// The payload ended before the field being read (or had bytes left over).
    case truncated
    /// A field-table value with a type letter RabbitMQ does not know.
    case unknownFieldType(UInt8)
    /// A class/method pair that is not in the spec.
    case unknownMethod(classID: UInt16, methodID: UInt16)
    /// A content header whose property flags are inconsistent (continuation bit set).
    case badPropertyFlags(UInt16)
    /// Tables/arrays nested deeper than `WireReader.maxNesting` (bounds recursion on hostile input).
    case nestingTooDeep
}

/// A cursor over one payload. Does not own the memory; valid while the payload is.
package struct WireReader {
    @usableFromInline let base: UnsafeRawBufferPointer
    /// Offset of the next unread byte.
    package var position: Int
    /// How many tables/arrays enclose the value being read.
    package var nesting = 0
    /// Deepest table/array nesting accepted. Real headers (x-death) nest 3-4 levels; without a
    /// bound a 128 KiB frame of nested `F` tags would recurse ~26,000 levels and exhaust the stack.
    package static let maxNesting = 64

    @inlinable package init(_ payload: UnsafeRawBufferPointer) {
        base = payload
        position = 0
    }

    /// Bytes not yet read.
    @inlinable package var remaining: Int { base.count - position }

    @inlinable mutating func take(_ n: Int) throws(AMQPDecodeError) -> Int {
        guard n >= 0, remaining >= n else { throw .truncated }
        let p = position
        position += n
        return p
    }

    @inlinable package mutating func u8() throws(AMQPDecodeError) -> UInt8 {
        let p = try take(1)
        return base[p]
    }

    @inlinable package mutating func u16() throws(AMQPDecodeError) -> UInt16 {
        let p = try take(2)
        return UInt16(base[p]) << 8 | UInt16(base[p + 1])
    }

    @inlinable package mutating func u32() throws(AMQPDecodeError) -> UInt32 { try bigEndian(UInt32.self) }

    @inlinable package mutating func u64() throws(AMQPDecodeError) -> UInt64 { try bigEndian(UInt64.self) }

    /// A big-endian integer of T's width (specialised per type; the loop unrolls).
    @inlinable mutating func bigEndian<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(AMQPDecodeError) -> T {
        let n = MemoryLayout<T>.size
        let p = try take(n)
        var v: T = 0
        for i in 0..<n { v = v << 8 | T(base[p + i]) }
        return v
    }

    /// Raw bytes of a given length, copied.
    @inlinable package mutating func bytes(_ n: Int) throws(AMQPDecodeError) -> Bytes {
        let p = try take(n)
        return Bytes(UnsafeRawBufferPointer(rebasing: base[p..<(p + n)]))
    }

    /// A view of the next `n` bytes (valid while the payload is).
    @inlinable package mutating func view(_ n: Int) throws(AMQPDecodeError) -> UnsafeRawBufferPointer {
        let p = try take(n)
        return UnsafeRawBufferPointer(rebasing: base[p..<(p + n)])
    }

    @inlinable package mutating func shortString() throws(AMQPDecodeError) -> Bytes { try bytes(Int(try u8())) }

    @inlinable package mutating func longString() throws(AMQPDecodeError) -> Bytes { try bytes(Int(try u32())) }

    package mutating func table() throws(AMQPDecodeError) -> FieldTable {
        let n = Int(try u32())
        return try FieldTable.decodeEntries(try view(n), nesting: nesting + 1)
    }
}

extension Array where Element == UInt8 {
    @inlinable package mutating func appendU8(_ v: UInt8) { append(v) }

    @inlinable package mutating func appendU16(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    @inlinable package mutating func appendU32(_ v: UInt32) {
        append(UInt8(truncatingIfNeeded: v >> 24))
        append(UInt8(truncatingIfNeeded: v >> 16))
        append(UInt8(truncatingIfNeeded: v >> 8))
        append(UInt8(truncatingIfNeeded: v))
    }

    @inlinable package mutating func appendU64(_ v: UInt64) {
        appendU32(UInt32(truncatingIfNeeded: v >> 32))
        appendU32(UInt32(truncatingIfNeeded: v))
    }

    /// Overwrites 4 bytes at `at` with a big-endian u32 (back-patching a length).
    @inlinable package mutating func patchU32(_ v: UInt32, at: Int) {
        self[at] = UInt8(truncatingIfNeeded: v >> 24)
        self[at + 1] = UInt8(truncatingIfNeeded: v >> 16)
        self[at + 2] = UInt8(truncatingIfNeeded: v >> 8)
        self[at + 3] = UInt8(truncatingIfNeeded: v)
    }

    /// A shortstr: u8 length + bytes. Longer values are truncated to 255 bytes (reply texts are
    /// the only server-built strings that can grow; names arrive already limited by the wire).
    @inlinable package mutating func appendShortString(_ s: Bytes) {
        let n = Swift.min(s.count, 255)  // ShortString.maxLength
        append(UInt8(n))
        if n == s.count { append(contentsOf: s) } else { append(contentsOf: s[0..<n]) }
    }

    @inlinable package mutating func appendLongString(_ s: Bytes) {
        appendU32(UInt32(truncatingIfNeeded: s.count))
        append(contentsOf: s)
    }

    package mutating func appendTable(_ t: FieldTable) { t.encode(into: &self) }
}
