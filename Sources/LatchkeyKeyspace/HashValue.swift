// The value of a hash key. Like Redis, small hashes (≤ 128 fields, values ≤ 64 bytes) are kept
// as one flat insertion-ordered array searched linearly (Redis's listpack: HGETALL returns fields
// in insertion order), and bigger ones move to a dictionary for good, whose order is arbitrary
// (Redis's hashtable). Keeps an estimate of the bytes it holds for maxmemory.
import LatchkeyCore

/// A hash value. Mutate it only through `KeyRef.mutate`, which keeps memory accounting right.
public final class HashValue {
    /// Flat [field, value, field, value, ...] while small; nil once converted.
    var small: [Bytes]? = []
    var large: [Bytes: Bytes] = [:]
    public private(set) var memoryBytes = 48 + 32

    public static let maxSmallFields = 128
    public static let maxSmallValue = 64

    public init() {}

    public var count: Int { small.map { $0.count / 2 } ?? large.count }
    public var isEmpty: Bool { count == 0 }
    public var encodingName: String { small == nil ? "hashtable" : "listpack" }

    static func cost(_ f: Bytes, _ v: Bytes) -> Int {
        ListValue.elementCost(f.count) + ListValue.elementCost(v.count) + 16
    }

    private func smallIndex(_ field: ByteView) -> Int? {
        guard let s = small else { return nil }
        var i = 0
        while i < s.count {
            if s[i].count == field.count && s[i].withUnsafeBufferPointer({ f in
                field.count == 0 || memcmpEqual(f.baseAddress!, field.base, field.count)
            }) { return i }
            i += 2
        }
        return nil
    }

    public func get(_ field: ByteView) -> Bytes? {
        if let s = small { return smallIndex(field).map { s[$0 + 1] } }
        return large[field.bytes]
    }

    public func get(_ field: Bytes) -> Bytes? {
        field.withByteView { get($0) }
    }

    /// Sets a field; returns true when it is new.
    @discardableResult
    public func set(_ field: Bytes, _ value: Bytes) -> Bool {
        if small != nil {
            if let i = field.withByteView({ smallIndex($0) }) {
                memoryBytes += ListValue.elementCost(value.count) - ListValue.elementCost(small![i + 1].count)
                small![i + 1] = value
                if value.count > HashValue.maxSmallValue { convert() }
                return false
            }
            small!.append(field)
            small!.append(value)
            memoryBytes += HashValue.cost(field, value)
            if small!.count / 2 > HashValue.maxSmallFields || value.count > HashValue.maxSmallValue
                || field.count > HashValue.maxSmallValue { convert() }
            return true
        }
        if let old = large.updateValue(value, forKey: field) {
            memoryBytes += ListValue.elementCost(value.count) - ListValue.elementCost(old.count)
            return false
        }
        memoryBytes += HashValue.cost(field, value) + 16
        return true
    }

    /// Removes a field; returns whether it was there.
    @discardableResult
    public func remove(_ field: ByteView) -> Bool {
        if small != nil {
            guard let i = smallIndex(field) else { return false }
            memoryBytes -= HashValue.cost(small![i], small![i + 1])
            small!.removeSubrange(i...(i + 1))
            return true
        }
        guard let old = large.removeValue(forKey: field.bytes) else { return false }
        memoryBytes -= HashValue.cost(field.bytes, old) + 16
        return true
    }

    private func convert() {
        guard let s = small else { return }
        var d: [Bytes: Bytes] = [:]
        d.reserveCapacity(s.count / 2)
        var i = 0
        while i < s.count {
            d[s[i]] = s[i + 1]
            i += 2
        }
        small = nil
        large = d
        memoryBytes += d.count * 16
    }

    /// Every (field, value), in the order HGETALL reports them.
    public func forEach(_ body: (Bytes, Bytes) -> Void) {
        if let s = small {
            var i = 0
            while i < s.count {
                body(s[i], s[i + 1])
                i += 2
            }
        } else {
            for (f, v) in large { body(f, v) }
        }
    }

    /// A snapshot of the pairs (HRANDFIELD, HSCAN, snapshots).
    public var pairs: [(Bytes, Bytes)] {
        var out: [(Bytes, Bytes)] = []
        out.reserveCapacity(count)
        forEach { out.append(($0, $1)) }
        return out
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}

extension Array where Element == UInt8 {
    /// Calls `body` with a ByteView over the array's bytes.
    @inlinable
    public func withByteView<R>(_ body: (ByteView) -> R) -> R {
        withUnsafeBufferPointer { body(ByteView(base: $0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count)) }
    }
}
