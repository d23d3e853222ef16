// The ready messages of one queue in exact FIFO order by sequence number: a ring buffer with
// O(1) push/pop at both ends, plus ordered insertion so requeued messages return to their
// original position. Priority queues keep one ring per priority level.

/// The memory of an `EntryRing`: `capacity` slots of which only the `count` from `head`
/// (wrapping) are initialized. Manual rather than `[QueueEntry?]`: an array of optionals destroys
/// every slot, empty or not, through the runtime's generic Optional witness when it is freed,
/// which made each doubling and each shrink of a large queue cost ~80 Ir per slot.
final class EntryRingBuffer {
    let base: UnsafeMutablePointer<QueueEntry>
    let capacity: Int
    var head = 0
    var count = 0

    init(capacity: Int) {
        base = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    deinit {
        for i in 0..<count { (base + slot(i)).deinitialize(count: 1) }
        base.deallocate()
    }

    @inline(__always) func slot(_ i: Int) -> Int {
        let s = head + i
        return s >= capacity ? s - capacity : s
    }

    /// A new buffer of `newCapacity` (at least `count`) with the entries, oldest first; `move`
    /// takes them out of this one (no retain/release), otherwise they are copied (shared ring).
    func resized(to newCapacity: Int, move: Bool) -> EntryRingBuffer {
        let n = EntryRingBuffer(capacity: newCapacity)
        for i in 0..<count {
            if move {
                (n.base + i).moveInitialize(from: base + slot(i), count: 1)
            } else {
                (n.base + i).initialize(to: base[slot(i)])
            }
        }
        n.count = count
        if move {
            count = 0
            head = 0
        }
        return n
    }
}

/// A growable ring buffer of queue entries ordered by `seq` (a value: copies share the buffer
/// until one of them changes it).
struct EntryRing {
    private var buffer: EntryRingBuffer? = nil

    var count: Int { buffer?.count ?? 0 }

    var isEmpty: Bool { count == 0 }

    /// The buffer, unshared, with room for one more entry when `room`.
    @inline(__always) private mutating func writable(room: Bool) -> EntryRingBuffer {
        // Uniqueness first: a local reference taken before the check would count as a second owner.
        let unique = isKnownUniquelyReferenced(&buffer)
        guard let b = buffer else {
            let n = EntryRingBuffer(capacity: 16)
            buffer = n
            return n
        }
        if !unique {
            let n = b.resized(to: room && b.count == b.capacity ? b.capacity * 2 : b.capacity, move: false)
            buffer = n
            return n
        }
        if room && b.count == b.capacity {
            let n = b.resized(to: b.capacity * 2, move: true)
            buffer = n
            return n
        }
        return b
    }

    subscript(i: Int) -> QueueEntry {
        get {
            precondition(i >= 0 && i < count, "EntryRing index out of range")
            let b = buffer!
            return b.base[b.slot(i)]
        }
        set {
            precondition(i >= 0 && i < count, "EntryRing index out of range")
            let b = writable(room: false)
            b.base[b.slot(i)] = newValue
        }
    }

    var first: QueueEntry? {
        guard let b = buffer, b.count > 0 else { return nil }
        return b.base[b.head]
    }

    mutating func append(_ e: QueueEntry) {
        let b = writable(room: true)
        (b.base + b.slot(b.count)).initialize(to: e)
        b.count += 1
    }

    mutating func prepend(_ e: QueueEntry) {
        let b = writable(room: true)
        b.head = b.head == 0 ? b.capacity - 1 : b.head - 1
        (b.base + b.head).initialize(to: e)
        b.count += 1
    }

    mutating func popFirst() -> QueueEntry? {
        guard count > 0 else { return nil }
        let b = writable(room: false)
        let e = (b.base + b.head).move()
        b.head = b.head + 1 == b.capacity ? 0 : b.head + 1
        b.count -= 1
        if b.count == 0 { b.head = 0 }
        // Give memory back once a large backlog has drained.
        if b.capacity > 4096 && b.count < b.capacity / 8 { buffer = b.resized(to: b.capacity / 2, move: true) }
        return e
    }

    /// Inserts keeping `seq` order. Requeues are usually older than everything ready, so the
    /// front check makes the common case O(1).
    mutating func insertOrdered(_ e: QueueEntry) {
        if count == 0 || e.seq < self[0].seq { return prepend(e) }
        if e.seq > self[count - 1].seq { return append(e) }
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid].seq < e.seq { lo = mid + 1 } else { hi = mid }
        }
        append(e)  // grow if needed, then shift the tail right by one
        var i = count - 1
        while i > lo {
            self[i] = self[i - 1]
            i -= 1
        }
        self[lo] = e
    }

    mutating func removeAll() { buffer = nil }

    /// Entries in order (for purge accounting and deletion).
    func forEach(_ body: (QueueEntry) -> Void) { for i in 0..<count { body(self[i]) } }
}

/// The ready list: one ring, or one per priority level when x-max-priority is set.
struct ReadyList {
    private var rings: [EntryRing]
    private(set) var count = 0
    /// Sum of body sizes of ready messages (x-max-length-bytes).
    private(set) var bodyBytes = 0

    init(maxPriority: Int) { rings = Array(repeating: EntryRing(), count: maxPriority + 1) }

    var isEmpty: Bool { count == 0 }

    @inline(__always) private func level(_ e: QueueEntry) -> Int { min(Int(e.message.priority), rings.count - 1) }

    /// The entry that would be delivered next (highest priority, oldest).
    var first: QueueEntry? {
        if rings.count == 1 { return rings[0].first }
        var p = rings.count - 1
        while p >= 0 {
            if let e = rings[p].first { return e }
            p -= 1
        }
        return nil
    }

    mutating func append(_ e: QueueEntry) {
        rings[level(e)].append(e)
        count += 1
        bodyBytes += e.message.bodyCount
    }

    mutating func insertOrdered(_ e: QueueEntry) {
        rings[level(e)].insertOrdered(e)
        count += 1
        bodyBytes += e.message.bodyCount
    }

    mutating func popFirst() -> QueueEntry? {
        var p = rings.count - 1
        while p >= 0 {
            if let e = rings[p].popFirst() {
                count -= 1
                bodyBytes -= e.message.bodyCount
                return e
            }
            p -= 1
        }
        return nil
    }

    /// Every entry, without removing (log rewrite).
    func allEntries() -> [QueueEntry] {
        var out: [QueueEntry] = []
        out.reserveCapacity(count)
        for r in rings { r.forEach { out.append($0) } }
        return out
    }

    /// Removes everything and returns the removed entries (oldest first within each level).
    mutating func removeAll() -> [QueueEntry] {
        var out: [QueueEntry] = []
        out.reserveCapacity(count)
        for p in rings.indices.reversed() {
            rings[p].forEach { out.append($0) }
            rings[p].removeAll()
        }
        count = 0
        bodyBytes = 0
        return out
    }
}
