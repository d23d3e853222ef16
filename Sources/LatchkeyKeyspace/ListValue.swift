// The value of a list key: a ring buffer of 16-byte PackedBytes slots (short elements inline,
// longer ones on the heap), so pushes and pops at either end are O(1), indexing is O(1), and a
// short element costs about 16 bytes. Middle edits (LINSERT, LREM, LTRIM) rebuild the buffer, as
// Redis's are O(n) too. The object keeps an estimate of the bytes it holds so the keyspace can
// count it against maxmemory; an Entry holds it retained (see Entry.swift).
import LatchkeyCore

/// A list value. Mutate it only through `KeyRef.mutate`, which keeps memory accounting right.
public final class ListValue {
    @usableFromInline var ring: [PackedBytes?]
    @usableFromInline var head = 0
    public private(set) var count = 0
    /// Estimated heap bytes held (ring slots plus element buffers).
    public private(set) var memoryBytes: Int

    public init() {
        ring = Array(repeating: nil, count: 4)
        memoryBytes = ListValue.baseCost + 4 * ListValue.slotSize
    }

    /// Bytes per ring slot.
    static let slotSize = 16

    public convenience init(_ elements: [Bytes]) {
        self.init()
        for e in elements { pushBack(e) }
    }

    /// The object plus its ring's array header.
    static let baseCost = 48 + 32
    /// glibc chunk for a Swift array buffer of `n` bytes (32-byte header, 16-byte rounding).
    @inlinable public static func elementCost(_ n: Int) -> Int { n == 0 ? 0 : max(32, (32 + n + 8 + 15) & ~15) }

    @inlinable public var isEmpty: Bool { count == 0 }

    @inlinable func physical(_ i: Int) -> Int { (head + i) & (ring.count - 1) }

    /// Element `i` (0 ..< count), as an owned copy.
    @inlinable public subscript(i: Int) -> Bytes { ring[physical(i)].unsafelyUnwrapped.bytes }

    /// Element `i` as stored (borrow its bytes with `withByteView`, no copy).
    @inlinable public func packed(_ i: Int) -> PackedBytes { ring[physical(i)].unsafelyUnwrapped }

    private func growIfFull() {
        guard count == ring.count else { return }
        var bigger: [PackedBytes?] = Array(repeating: nil, count: ring.count * 2)
        for i in 0..<count { bigger[i] = ring[physical(i)] }
        memoryBytes += ring.count * ListValue.slotSize
        ring = bigger
        head = 0
    }

    public func pushFront(_ e: Bytes) { pushFront(PackedBytes(e)) }

    public func pushBack(_ e: Bytes) { pushBack(PackedBytes(e)) }

    private func pushFront(_ x: PackedBytes) {
        growIfFull()
        head = (head - 1) & (ring.count - 1)
        ring[head] = x
        count += 1
        memoryBytes += x.heapCost
    }

    private func pushBack(_ x: PackedBytes) {
        growIfFull()
        ring[physical(count)] = x
        count += 1
        memoryBytes += x.heapCost
    }

    public func popFront() -> Bytes? {
        guard count > 0 else { return nil }
        let e = ring[head].unsafelyUnwrapped
        ring[head] = nil
        head = (head + 1) & (ring.count - 1)
        count -= 1
        memoryBytes -= e.heapCost
        return e.bytes
    }

    public func popBack() -> Bytes? {
        guard count > 0 else { return nil }
        let p = physical(count - 1)
        let e = ring[p].unsafelyUnwrapped
        ring[p] = nil
        count -= 1
        memoryBytes -= e.heapCost
        return e.bytes
    }

    /// Pops from the head (`left`) or the tail.
    public func pop(left: Bool) -> Bytes? { left ? popFront() : popBack() }
    /// Pushes at the head (`left`) or the tail.
    public func push(_ e: Bytes, left: Bool) { if left { pushFront(e) } else { pushBack(e) } }

    /// Pushes borrowed bytes (a command's argument): a short element is packed inline straight
    /// from them, with no intermediate copy.
    public func push(_ v: ByteView, left: Bool) {
        if left { pushFront(PackedBytes(v)) } else { pushBack(PackedBytes(v)) }
    }

    public func set(_ i: Int, _ e: Bytes) {
        let p = physical(i)
        let x = PackedBytes(e)
        memoryBytes += x.heapCost - ring[p].unsafelyUnwrapped.heapCost
        ring[p] = x
    }

    /// Every element, head first.
    public var elements: [Bytes] { (0..<count).map { self[$0] } }

    /// Replaces every element (the rebuild path of LINSERT, LREM, LTRIM).
    public func replaceAll(_ elements: [Bytes]) {
        var capacity = 4
        while capacity < elements.count { capacity *= 2 }
        ring = Array(repeating: nil, count: capacity)
        head = 0
        count = 0
        memoryBytes = ListValue.baseCost + capacity * ListValue.slotSize
        for e in elements { pushBack(e) }
    }

    /// Inserts `e` so that it ends up at `index` (0 ... count).
    public func insert(_ e: Bytes, at index: Int) {
        var all = elements
        all.insert(e, at: index)
        replaceAll(all)
    }

    /// LREM: removes up to |count| elements equal to `value` (all when 0; from the tail when
    /// negative); returns how many it removed.
    public func remove(count: Int64, value: Bytes) -> Int {
        var all = elements
        var removed = 0
        let limit = count == 0 ? Int.max : Int(clamping: count.magnitude)
        if count >= 0 {
            var out: [Bytes] = []
            out.reserveCapacity(all.count)
            for e in all { if removed < limit && e == value { removed += 1 } else { out.append(e) } }
            all = out
        } else {
            var i = all.count - 1
            while i >= 0 && removed < limit {
                if all[i] == value {
                    all.remove(at: i)
                    removed += 1
                }
                i -= 1
            }
        }
        if removed > 0 { replaceAll(all) }
        return removed
    }

    /// LTRIM with resolved bounds: keeps `start...stop` (empties the list when the range is empty).
    public func trim(start: Int, stop: Int) {
        if start > stop || start >= count {
            replaceAll([])
            return
        }
        let end = min(stop, count - 1)
        if start == 0 && end == count - 1 { return }
        var kept: [Bytes] = []
        kept.reserveCapacity(end - start + 1)
        for i in start...end { kept.append(self[i]) }
        replaceAll(kept)
    }

    /// Redis's encoding name: small lists are one listpack, bigger ones a quicklist.
    public var encodingName: String {
        if count > 128 { return "quicklist" }
        var total = 0
        for i in 0..<count { total += packed(i).count + 11 }
        return total <= 8192 ? "listpack" : "quicklist"
    }
}
