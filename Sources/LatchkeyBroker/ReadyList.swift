// The ready messages of one queue in exact FIFO order by sequence number: a ring buffer with
// O(1) push/pop at both ends, plus ordered insertion so requeued messages return to their
// original position. Priority queues keep one ring per priority level.

/// A growable ring buffer of queue entries ordered by `seq`.
struct EntryRing {
    private var storage: [QueueEntry?] = []
    private var head = 0
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    private var capacity: Int { storage.count }

    @inline(__always) private func slot(_ i: Int) -> Int {
        let s = head + i
        return s >= capacity ? s - capacity : s
    }

    subscript(i: Int) -> QueueEntry {
        get { storage[slot(i)]! }
        set { storage[slot(i)] = newValue }
    }

    var first: QueueEntry? { count == 0 ? nil : storage[head] }

    private mutating func grow() { resize(max(16, capacity * 2)) }

    private mutating func resize(_ newCap: Int) {
        var n = [QueueEntry?](repeating: nil, count: newCap)
        let h = head
        let c = count
        // Entries are moved (swapped with the new ring's nils), not copied: no retain and release
        // of every message each time a growing queue doubles.
        storage.withUnsafeMutableBufferPointer { old in
            n.withUnsafeMutableBufferPointer { new in
                let cap = old.count
                for i in 0..<c {
                    let s = h + i
                    swap(&new[i], &old[s >= cap ? s - cap : s])
                }
            }
        }
        storage = n
        head = 0
    }

    mutating func append(_ e: QueueEntry) {
        if count == capacity { grow() }
        storage[slot(count)] = e
        count += 1
    }

    mutating func prepend(_ e: QueueEntry) {
        if count == capacity { grow() }
        head = head == 0 ? capacity - 1 : head - 1
        storage[head] = e
        count += 1
    }

    mutating func popFirst() -> QueueEntry? {
        guard count > 0 else { return nil }
        let e = storage[head]
        storage[head] = nil
        head = head + 1 == capacity ? 0 : head + 1
        count -= 1
        if count == 0 { head = 0 }
        // Give memory back once a large backlog has drained.
        if capacity > 4096 && count < capacity / 8 { resize(capacity / 2) }
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

    mutating func removeAll() {
        storage = []
        head = 0
        count = 0
    }

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
