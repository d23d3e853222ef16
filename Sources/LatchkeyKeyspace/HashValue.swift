// The value of a hash key. Like Redis, small hashes (≤ 128 fields, values ≤ 64 bytes) are kept
// as one flat insertion-ordered array of PackedBytes searched linearly (Redis's listpack: HGETALL returns fields
// in insertion order), and bigger ones move to a dictionary for good, whose order is arbitrary
// (Redis's hashtable). Keeps an estimate of the bytes it holds for maxmemory.
import LatchkeyCore

/// A hash value. Mutate it only through `KeyRef.mutate`, which keeps memory accounting right.
/// Fields and values are PackedBytes (short ones inline, 16 bytes each).
public final class HashValue {
    /// Flat [field, value, field, value, ...] while small; nil once converted.
    var small: [PackedBytes]? = []
    var large: [PackedBytes: PackedBytes] = [:]
    public private(set) var memoryBytes = 48 + 32

    public static let maxSmallFields = 128
    public static let maxSmallValue = 64

    public init() {}

    public var count: Int { small.map { $0.count / 2 } ?? large.count }
    public var isEmpty: Bool { count == 0 }
    public var encodingName: String { small == nil ? "hashtable" : "listpack" }

    /// A pair's cost in the flat array (two slots plus heap bytes).
    static func smallCost(_ f: PackedBytes, _ v: PackedBytes) -> Int { 32 + f.heapCost + v.heapCost }
    /// A pair's cost in the dictionary (slots at its 3/4 load, plus metadata and heap bytes).
    static func largeCost(_ f: PackedBytes, _ v: PackedBytes) -> Int { 44 + f.heapCost + v.heapCost }

    private func smallIndex(_ field: ByteView) -> Int? {
        guard let s = small else { return nil }
        var i = 0
        while i < s.count {
            if s[i].equals(field) { return i }
            i += 2
        }
        return nil
    }

    public func get(_ field: ByteView) -> Bytes? {
        if let s = small { return smallIndex(field).map { s[$0 + 1].bytes } }
        return large[PackedBytes(field)]?.bytes
    }

    public func get(_ field: Bytes) -> Bytes? { field.withByteView { get($0) } }

    /// Calls `body` with a view of `field`'s value (nil when absent), without copying it out.
    public func withValue<R>(_ field: ByteView, _ body: (ByteView?) -> R) -> R {
        if let s = small {
            guard let i = smallIndex(field) else { return body(nil) }
            return s[i + 1].withByteView { body($0) }
        }
        guard let v = large[PackedBytes(field)] else { return body(nil) }
        return v.withByteView { body($0) }
    }

    /// Sets a field; returns true when it is new.
    @discardableResult public func set(_ field: Bytes, _ value: Bytes) -> Bool {
        field.withByteView { f in value.withByteView { set(f, $0) } }
    }

    /// Sets a field from borrowed bytes (a command's arguments); returns true when it is new.
    /// Short fields and values are stored inline, so a small hash's write allocates nothing
    /// but the flat array's growth.
    @discardableResult public func set(_ field: ByteView, _ value: ByteView) -> Bool {
        let v = PackedBytes(value)
        if small != nil {
            if let i = smallIndex(field) {
                memoryBytes += v.heapCost - small![i + 1].heapCost
                small![i + 1] = v
                if value.count > HashValue.maxSmallValue { convert() }
                return false
            }
            let f = PackedBytes(field)
            // One allocation for the first pair, instead of growing through capacity 1.
            if small!.isEmpty { small!.reserveCapacity(2) }
            small!.append(f)
            small!.append(v)
            memoryBytes += HashValue.smallCost(f, v)
            if small!.count / 2 > HashValue.maxSmallFields || value.count > HashValue.maxSmallValue
                || field.count > HashValue.maxSmallValue
            {
                convert()
            }
            return true
        }
        let f = PackedBytes(field)
        if let old = large.updateValue(v, forKey: f) {
            memoryBytes += v.heapCost - old.heapCost
            return false
        }
        memoryBytes += HashValue.largeCost(f, v)
        return true
    }

    /// Removes a field; returns whether it was there.
    @discardableResult public func remove(_ field: ByteView) -> Bool {
        if small != nil {
            guard let i = smallIndex(field) else { return false }
            memoryBytes -= HashValue.smallCost(small![i], small![i + 1])
            small!.removeSubrange(i...(i + 1))
            return true
        }
        let f = PackedBytes(field)
        guard let old = large.removeValue(forKey: f) else { return false }
        memoryBytes -= HashValue.largeCost(f, old)
        return true
    }

    private func convert() {
        guard let s = small else { return }
        var d: [PackedBytes: PackedBytes] = [:]
        d.reserveCapacity(s.count / 2)
        var i = 0
        while i < s.count {
            d[s[i]] = s[i + 1]
            memoryBytes += HashValue.largeCost(s[i], s[i + 1]) - HashValue.smallCost(s[i], s[i + 1])
            i += 2
        }
        small = nil
        large = d
    }

    /// Every (field, value), in the order HGETALL reports them.
    public func forEach(_ body: (Bytes, Bytes) -> Void) {
        if let s = small {
            var i = 0
            while i < s.count {
                body(s[i].bytes, s[i + 1].bytes)
                i += 2
            }
        } else {
            for (f, v) in large { body(f.bytes, v.bytes) }
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

@inlinable public func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    for i in 0..<n where a[i] != b[i] { return false }
    return true
}

extension Array where Element == UInt8 {
    /// Calls `body` with a ByteView over the array's bytes.
    @inlinable public func withByteView<R>(_ body: (ByteView) -> R) -> R {
        withUnsafeBufferPointer {
            body(ByteView(base: $0.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: $0.count))
        }
    }
}
