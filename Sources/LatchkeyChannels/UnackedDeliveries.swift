// A channel's outstanding deliveries ordered by delivery tag: acks usually settle the oldest,
// so the list is an array with a moving head (O(1) prefix removal), and lookups of one tag are
// a binary search. basic.get-ok and basic.deliver share the tag sequence.
import LatchkeyBroker

/// Unacked deliveries of one channel, ascending by tag.
struct UnackedDeliveries {
    private var tags: [UInt64] = []
    private var items: [Delivery?] = []
    private var head = 0

    var count: Int { tags.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func append(tag: UInt64, _ d: Delivery) {
        tags.append(tag)
        items.append(d)
    }

    private func index(of tag: UInt64) -> Int? {
        var lo = head
        var hi = tags.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if tags[mid] < tag { lo = mid + 1 } else { hi = mid }
        }
        return lo < tags.count && tags[lo] == tag ? lo : nil
    }

    func contains(tag: UInt64) -> Bool { index(of: tag) != nil }

    /// Removes and returns the delivery with `tag` (nil when unknown).
    mutating func remove(tag: UInt64) -> Delivery? {
        guard let i = index(of: tag) else { return nil }
        let d = items[i]
        if i == head {
            items[i] = nil
            head += 1
            compact()
        } else {
            tags.remove(at: i)
            items.remove(at: i)
        }
        return d
    }

    /// Removes and returns every delivery with tag ≤ `tag` (all of them when `tag` is 0).
    mutating func removeUpTo(tag: UInt64) -> [(UInt64, Delivery)] {
        var out: [(UInt64, Delivery)] = []
        while head < tags.count && (tag == 0 || tags[head] <= tag) {
            out.append((tags[head], items[head]!))
            items[head] = nil
            head += 1
        }
        compact()
        return out
    }

    /// Removes and returns everything.
    mutating func removeAll() -> [(UInt64, Delivery)] { removeUpTo(tag: 0) }

    /// Puts deliveries back (tx.rollback of acks), keeping tag order.
    mutating func restore(_ entries: [(UInt64, Delivery)]) {
        guard !entries.isEmpty else { return }
        var all = (head..<tags.count).map { (tags[$0], items[$0]!) } + entries
        all.sort { $0.0 < $1.0 }
        tags = all.map(\.0)
        items = all.map { $0.1 }
        head = 0
    }

    private mutating func compact() {
        // Emptying both arrays costs ~300 Ir, so a get/ack or deliver/ack ping-pong (one
        // outstanding at a time) lets a few settled slots pile up before resetting.
        if head == tags.count && head >= 32 {
            tags.removeAll(keepingCapacity: true)
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > tags.count {
            tags.removeFirst(head)
            items.removeFirst(head)
            head = 0
        }
    }
}
