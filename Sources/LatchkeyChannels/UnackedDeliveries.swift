// A channel's outstanding deliveries ordered by delivery tag: acks usually settle the oldest,
// so the list is a ring buffer (O(1) removal at the head, O(1) append), and lookups of one tag
// are a binary search. basic.get-ok and basic.deliver share the tag sequence. Settled slots are
// reused in place, never dropped in bulk: clearing or trimming an array of `Delivery?` destroys
// every slot through the generic Optional witness (~65 Ir each), which a consumer with a
// prefetch window used to pay for every message.
import LatchkeyBroker

/// Unacked deliveries of one channel, ascending by tag.
struct UnackedDeliveries {
    /// Ring storage: slot `slot(i)` holds the i-th oldest outstanding delivery.
    private var tags: [UInt64] = []
    private var items: [Delivery?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    private var capacity: Int { tags.count }

    @inline(__always) private func slot(_ i: Int) -> Int {
        let s = head + i
        return s >= capacity ? s - capacity : s
    }

    mutating func append(tag: UInt64, _ d: Delivery) {
        if count == capacity { grow() }
        let s = slot(count)
        tags[s] = tag
        items[s] = d
        count += 1
    }

    /// Doubles the ring, moving the deliveries (no retain/release of each).
    private mutating func grow() {
        let newCap = Swift.max(16, capacity * 2)
        var t = [UInt64](repeating: 0, count: newCap)
        var n = [Delivery?](repeating: nil, count: newCap)
        for i in 0..<count {
            let s = slot(i)
            t[i] = tags[s]
            swap(&n[i], &items[s])
        }
        tags = t
        items = n
        head = 0
    }

    /// The logical position of `tag` (0 = oldest), nil when it is not outstanding.
    private func index(of tag: UInt64) -> Int? {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tags[slot(mid)] < tag { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && tags[slot(lo)] == tag ? lo : nil
    }

    func contains(tag: UInt64) -> Bool { index(of: tag) != nil }

    /// Takes the delivery out of the oldest slot.
    @inline(__always) private mutating func popHead() -> (UInt64, Delivery) {
        var d: Delivery? = nil
        swap(&d, &items[head])
        let tag = tags[head]
        head = head + 1 == capacity ? 0 : head + 1
        count -= 1
        return (tag, d!)
    }

    /// Removes and returns the delivery with `tag` (nil when unknown).
    mutating func remove(tag: UInt64) -> Delivery? {
        guard let i = index(of: tag) else { return nil }
        if i == 0 { return popHead().1 }
        var d: Delivery? = nil
        swap(&d, &items[slot(i)])
        // Close the gap: later deliveries move down one slot (the empty slot ends up last).
        var j = i
        while j + 1 < count {
            let a = slot(j)
            let b = slot(j + 1)
            tags[a] = tags[b]
            items.swapAt(a, b)
            j += 1
        }
        count -= 1
        return d
    }

    /// Removes and returns every delivery with tag ≤ `tag` (all of them when `tag` is 0).
    mutating func removeUpTo(tag: UInt64) -> [(UInt64, Delivery)] {
        var out: [(UInt64, Delivery)] = []
        while count > 0 && (tag == 0 || tags[head] <= tag) { out.append(popHead()) }
        return out
    }

    /// Removes and returns everything.
    mutating func removeAll() -> [(UInt64, Delivery)] { removeUpTo(tag: 0) }

    /// Puts deliveries back (tx.rollback of acks), keeping tag order.
    mutating func restore(_ entries: [(UInt64, Delivery)]) {
        guard !entries.isEmpty else { return }
        var all = removeAll() + entries
        all.sort { $0.0 < $1.0 }
        tags = all.map(\.0)
        items = all.map { $0.1 }
        head = 0
        count = all.count
    }
}
