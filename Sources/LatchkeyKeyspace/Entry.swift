// One key/value entry in a single malloc'd block: [expireAt:Int64][keyLen:UInt32][info:UInt32]
// [key bytes][value bytes]. `info` holds the value length (low 30 bits) and its type (top 2 bits),
// so strings need no second allocation. Types other than string (lists, hashes, later) will keep
// a retained object pointer in the value area. Database owns entries; nothing else frees them.
#if canImport(Glibc)
import Glibc
#endif
import LatchkeyCore

/// The type of a stored value, as TYPE reports it.
public enum ValueType: UInt32, Sendable {
    case string = 0

    /// The TYPE reply word.
    public var name: StaticString {
        switch self {
        case .string: return "string"
        }
    }
}

/// An owned value, for APIs that move whole values (replay, tests). The hot path reads entries
/// in place instead. Add cases here (list, hash) as data types land.
public enum Value: Equatable, Sendable {
    case string(Bytes)
}

/// A borrowed handle on an entry. Valid until the next mutation of its database.
@frozen
public struct Entry {
    public let raw: UnsafeMutableRawPointer

    @inlinable init(raw: UnsafeMutableRawPointer) { self.raw = raw }

    @usableFromInline static let headerSize = 16
    @usableFromInline static let lengthMask: UInt32 = 0x3FFF_FFFF
    /// The longest value an entry can hold (1 GB - 1); commands refuse longer ones.
    public static let maxValueLength = Int(lengthMask)

    /// Absolute expiry in Unix ms; 0 when the key has no TTL.
    @inlinable
    public var expireAt: Int64 {
        get { raw.load(as: Int64.self) }
        nonmutating set { raw.storeBytes(of: newValue, as: Int64.self) }
    }

    @inlinable
    public var keyLength: Int { Int(raw.load(fromByteOffset: 8, as: UInt32.self)) }

    @inlinable
    var info: UInt32 { raw.load(fromByteOffset: 12, as: UInt32.self) }

    @inlinable
    public var valueLength: Int { Int(info & Entry.lengthMask) }

    @inlinable
    public var type: ValueType { ValueType(rawValue: info >> 30) ?? .string }

    @inlinable
    public var keyPointer: UnsafeRawPointer { UnsafeRawPointer(raw + Entry.headerSize) }

    @inlinable
    public var key: ByteView {
        ByteView(base: (raw + Entry.headerSize).assumingMemoryBound(to: UInt8.self), count: keyLength)
    }

    /// The string value in place (type must be `.string`).
    @inlinable
    public var stringValue: ByteView {
        ByteView(base: (raw + Entry.headerSize + keyLength).assumingMemoryBound(to: UInt8.self), count: valueLength)
    }

    /// An owned copy of the value.
    public var value: Value { .string(stringValue.bytes) }

    /// Bytes this entry costs in glibc malloc (chunk header and 16-byte rounding included).
    @inlinable
    public var allocationSize: Int { max(32, (Entry.headerSize + keyLength + valueLength + 8 + 15) & ~15) }

    static func make(key: UnsafeRawPointer, keyCount: Int, value: UnsafeRawPointer?, valueCount: Int,
                     expireAt: Int64) -> Entry {
        precondition(valueCount <= Int(Entry.lengthMask) && keyCount <= Int(UInt32.max))
        let raw = malloc(Entry.headerSize + keyCount + valueCount)!
        raw.storeBytes(of: expireAt, as: Int64.self)
        raw.storeBytes(of: UInt32(keyCount), toByteOffset: 8, as: UInt32.self)
        raw.storeBytes(of: UInt32(valueCount), toByteOffset: 12, as: UInt32.self)
        if keyCount > 0 { memcpy(raw + Entry.headerSize, key, keyCount) }
        if valueCount > 0, let value { memcpy(raw + Entry.headerSize + keyCount, value, valueCount) }
        return Entry(raw: raw)
    }

    /// Writes a new string value (in place when the size is unchanged, else reallocated).
    func replacingString(value: UnsafeRawPointer?, valueCount: Int, expireAt: Int64) -> Entry {
        precondition(valueCount <= Int(Entry.lengthMask))
        let k = keyLength
        var target = self
        if valueCount != valueLength {
            target = Entry(raw: realloc(raw, Entry.headerSize + k + valueCount)!)
        }
        target.expireAt = expireAt
        target.raw.storeBytes(of: UInt32(valueCount), toByteOffset: 12, as: UInt32.self)
        // memmove: the new value may alias the old one (SET k <value read from k>).
        if valueCount > 0, let value { memmove(target.raw + Entry.headerSize + k, value, valueCount) }
        return target
    }

    func free() { Glibc.free(raw) }
}
