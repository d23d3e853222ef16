import LatchkeyCore

// One key/value entry in a single malloc'd block: [expireAt:Int64][keyLen:UInt32][info:UInt32]
// [key bytes][value bytes]. `info` holds the value length (low 30 bits) and its type (top 2 bits),
// so strings need no second allocation. Lists and hashes keep a retained object pointer (8 bytes)
// in the value area, released when the entry is freed or overwritten. Database owns entries.
#if canImport(Glibc)
import Glibc
#endif

/// The type of a stored value, as TYPE reports it.
public enum ValueType: UInt32, Sendable {
    case string = 0
    case list = 1
    case hash = 2

    /// The TYPE reply word.
    public var name: StaticString {
        switch self {
        case .string: return "string"
        case .list: return "list"
        case .hash: return "hash"
        }
    }

    /// The type a TYPE word names (SCAN ... TYPE), compared case-insensitively.
    public static func named(_ word: ByteView) -> ValueType? {
        if word.equalsUppercase("STRING") { return .string }
        if word.equalsUppercase("LIST") { return .list }
        if word.equalsUppercase("HASH") { return .hash }
        return nil
    }
}

/// An owned value, for APIs that move whole values (replay, tests). The hot path reads entries
/// in place instead. Add cases here (list, hash) as data types land.
public enum Value: Equatable, Sendable {
    case string(Bytes)
    case list([Bytes])
    /// Field, value pairs flattened, in HGETALL order.
    case hash([Bytes])
}

/// A borrowed handle on an entry. Valid until the next mutation of its database.
@frozen public struct Entry {
    public let raw: UnsafeMutableRawPointer

    @inlinable init(raw: UnsafeMutableRawPointer) { self.raw = raw }

    @usableFromInline static let headerSize = 16
    @usableFromInline static let lengthMask: UInt32 = 0x3FFF_FFFF
    /// The longest value an entry can hold (1 GB - 1); commands refuse longer ones.
    public static let maxValueLength = Int(lengthMask)

    /// Absolute expiry in Unix ms; 0 when the key has no TTL.
    @inlinable public var expireAt: Int64 {
        get { raw.load(as: Int64.self) }
        nonmutating set { raw.storeBytes(of: newValue, as: Int64.self) }
    }

    @inlinable public var keyLength: Int { Int(raw.load(fromByteOffset: 8, as: UInt32.self)) }

    @inlinable var info: UInt32 { raw.load(fromByteOffset: 12, as: UInt32.self) }

    @inlinable public var valueLength: Int { Int(info & Entry.lengthMask) }

    @inlinable public var type: ValueType { ValueType(rawValue: info >> 30) ?? .string }

    @inlinable public var keyPointer: UnsafeRawPointer { UnsafeRawPointer(raw + Entry.headerSize) }

    @inlinable public var key: ByteView {
        ByteView(base: (raw + Entry.headerSize).assumingMemoryBound(to: UInt8.self), count: keyLength)
    }

    /// The string value in place (type must be `.string`).
    @inlinable public var stringValue: ByteView {
        ByteView(base: (raw + Entry.headerSize + keyLength).assumingMemoryBound(to: UInt8.self), count: valueLength)
    }

    /// The retained object of a list or hash entry.
    @inlinable var objectPointer: UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(bitPattern: (raw + Entry.headerSize + keyLength).loadUnaligned(as: UInt.self))
            .unsafelyUnwrapped
    }

    /// The list value (type must be `.list`).
    @inlinable public var list: ListValue { Unmanaged<ListValue>.fromOpaque(objectPointer).takeUnretainedValue() }

    /// The hash value (type must be `.hash`).
    @inlinable public var hash: HashValue { Unmanaged<HashValue>.fromOpaque(objectPointer).takeUnretainedValue() }

    /// Heap bytes held by the entry's object (0 for strings, which live in the entry).
    public var objectBytes: Int {
        switch type {
        case .string: return 0
        case .list: return list.memoryBytes
        case .hash: return hash.memoryBytes
        }
    }

    /// An owned copy of the value.
    public var value: Value {
        switch type {
        case .string: return .string(stringValue.bytes)
        case .list: return .list(list.elements)
        case .hash:
            var flat: [Bytes] = []
            hash.forEach {
                flat.append($0)
                flat.append($1)
            }
            return .hash(flat)
        }
    }

    /// Bytes this entry's block costs in glibc malloc (chunk header and 16-byte rounding
    /// included); an object's own bytes are counted separately (`objectBytes`).
    @inlinable public var allocationSize: Int { max(32, (Entry.headerSize + keyLength + valueLength + 8 + 15) & ~15) }

    static func make(
        key: UnsafeRawPointer, keyCount: Int, value: UnsafeRawPointer?, valueCount: Int, expireAt: Int64
    ) -> Entry {
        precondition(valueCount <= Int(Entry.lengthMask) && keyCount <= Int(UInt32.max))
        let raw = malloc(Entry.headerSize + keyCount + valueCount)!
        raw.storeBytes(of: expireAt, as: Int64.self)
        raw.storeBytes(of: UInt32(keyCount), toByteOffset: 8, as: UInt32.self)
        raw.storeBytes(of: UInt32(valueCount), toByteOffset: 12, as: UInt32.self)
        if keyCount > 0 { memcpy(raw + Entry.headerSize, key, keyCount) }
        if valueCount > 0, let value { memcpy(raw + Entry.headerSize + keyCount, value, valueCount) }
        return Entry(raw: raw)
    }

    /// A new entry holding `object` retained (`type` .list or .hash).
    static func make(key: UnsafeRawPointer, keyCount: Int, object: AnyObject, type: ValueType, expireAt: Int64) -> Entry
    {
        let e = make(key: key, keyCount: keyCount, value: nil, valueCount: 8, expireAt: expireAt)
        e.storeObject(object, type: type)
        return e
    }

    func storeObject(_ object: AnyObject, type: ValueType) {
        let p = UInt(bitPattern: Unmanaged.passRetained(object).toOpaque())
        (raw + Entry.headerSize + keyLength).storeBytes(of: p, as: UInt.self)
        raw.storeBytes(of: UInt32(8) | (type.rawValue << 30), toByteOffset: 12, as: UInt32.self)
    }

    /// Drops the object reference of a list/hash entry (before it is freed or overwritten).
    func releaseObject() {
        guard type != .string else { return }
        Unmanaged<AnyObject>.fromOpaque(objectPointer).release()
    }

    /// Writes a new string value (in place when the size is unchanged, else reallocated).
    /// The caller has released any object the entry held.
    func replacingString(value: UnsafeRawPointer?, valueCount: Int, expireAt: Int64) -> Entry {
        precondition(valueCount <= Int(Entry.lengthMask))
        let k = keyLength
        var target = self
        if valueCount != valueLength { target = Entry(raw: realloc(raw, Entry.headerSize + k + valueCount)!) }
        target.expireAt = expireAt
        target.raw.storeBytes(of: UInt32(valueCount), toByteOffset: 12, as: UInt32.self)
        // memmove: the new value may alias the old one (SET k <value read from k>).
        if valueCount > 0, let value { memmove(target.raw + Entry.headerSize + k, value, valueCount) }
        return target
    }

    func free() {
        releaseObject()
        Glibc.free(raw)
    }
}
