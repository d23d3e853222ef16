import LatchkeyCore

// One Redis database: an open-addressing hash table (linear probing, one tag byte per slot,
// backward-shift deletion, so no tombstones) of entries that each live in ONE malloc'd block
// holding header, key and value. This keeps a 1M-lock keyspace near 80 bytes per key. The table
// knows nothing about expiry policy or commands; Keyspace adds lazy expiry on top.
#if canImport(Glibc)
import Glibc
#endif

/// Where a key is, or would go, in a database's table (internal: handlers use KeyRef).
@usableFromInline struct Probe {
    /// The slot holding the key (when `found`), or the empty slot where it would be inserted.
    @usableFromInline var slot: Int
    @usableFromInline var found: Bool
    @usableFromInline var hash: UInt64

    @inlinable init(slot: Int, found: Bool, hash: UInt64) {
        self.slot = slot
        self.found = found
        self.hash = hash
    }
}

/// One database of the keyspace.
public final class Database {
    @exclusivity(unchecked) @usableFromInline var slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    @exclusivity(unchecked) @usableFromInline var tags: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) @usableFromInline var mask: Int
    /// Number of keys (including expired keys not yet reclaimed).
    @exclusivity(unchecked) public private(set) var count: Int = 0
    /// Number of keys with a TTL (INFO keyspace `expires=`).
    @exclusivity(unchecked) public internal(set) var expiresCount: Int = 0
    /// Number of list and hash keys (the rewrite frames those at its start; see Persistence+RESP).
    @exclusivity(unchecked) public internal(set) var objectCount: Int = 0
    /// Bytes held by entries, their list/hash objects and the table.
    @exclusivity(unchecked) public internal(set) var memoryBytes: Int = 0
    @usableFromInline let seed: UInt64
    /// Where the active expiry sweep resumes.
    @exclusivity(unchecked) var sweepCursor = 0

    init(seed: UInt64) {
        self.seed = seed
        mask = 7
        slots = .allocate(capacity: 8)
        slots.initialize(repeating: nil, count: 8)
        tags = .allocate(capacity: 8)
        tags.initialize(repeating: 0, count: 8)
        memoryBytes = 8 * 9
    }

    deinit {
        freeAll()
        slots.deallocate()
        tags.deallocate()
    }

    public var capacity: Int { mask + 1 }

    // MARK: hashing and probing

    @inlinable static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let m = a.multipliedFullWidth(by: b)
        return m.high ^ m.low
    }

    /// A fast seeded hash of a key (multiply-fold over 8-byte words).
    @inlinable func hash(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var h = seed ^ (UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        while i + 8 <= n {
            h = Database.mix(h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self), 0xA076_1D64_78BD_642F)
            i += 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = Database.mix(h ^ tail, 0xE703_7ED1_A0B4_28DB)
        }
        return Database.mix(h, 0x8EBC_6AF0_9C88_C6E3)
    }

    @inlinable static func tag(_ h: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: h >> 57) | 0x80 }

    /// Finds `key`, or the empty slot it would occupy.
    @inlinable func probe(_ key: UnsafeRawPointer, _ n: Int) -> Probe {
        let h = hash(key, n)
        let t = Database.tag(h)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = tags[i]
            if s == 0 { return Probe(slot: i, found: false, hash: h) }
            if s == t {
                let e = Entry(raw: slots[i].unsafelyUnwrapped)
                if e.keyLength == n && memcmp(e.keyPointer, key, n) == 0 { return Probe(slot: i, found: true, hash: h) }
            }
            i = (i &+ 1) & mask
        }
    }

    @inlinable func probe(_ key: ByteView) -> Probe { probe(UnsafeRawPointer(key.base), key.count) }

    /// The entry in a slot that `probe` reported as found.
    @inlinable func entry(at slot: Int) -> Entry { Entry(raw: slots[slot].unsafelyUnwrapped) }

    // MARK: mutation

    /// Stores a new string entry. `probe` must be a not-found probe taken since the last mutation.
    @discardableResult func insert(
        _ probe: Probe, key: UnsafeRawPointer, keyCount: Int, value: UnsafeRawPointer?, valueCount: Int, expireAt: Int64
    ) -> Entry {
        let e = Entry.make(key: key, keyCount: keyCount, value: value, valueCount: valueCount, expireAt: expireAt)
        place(e, probe, expireAt: expireAt)
        return e
    }

    /// Stores a new list/hash entry holding `object`. `probe` as for `insert`.
    @discardableResult func insert(
        _ probe: Probe, key: UnsafeRawPointer, keyCount: Int, object: AnyObject, type: ValueType, expireAt: Int64
    ) -> Entry {
        let e = Entry.make(key: key, keyCount: keyCount, object: object, type: type, expireAt: expireAt)
        place(e, probe, expireAt: expireAt)
        memoryBytes += e.objectBytes
        objectCount += 1
        return e
    }

    private func place(_ e: Entry, _ probe: Probe, expireAt: Int64) {
        var slot = probe.slot
        if (count + 1) * 4 > capacity * 3 {
            grow()
            slot = emptySlot(for: probe.hash)
        }
        slots[slot] = e.raw
        tags[slot] = Database.tag(probe.hash)
        count += 1
        if expireAt != 0 { expiresCount += 1 }
        memoryBytes += e.allocationSize
    }

    /// Replaces the value of the entry at `slot` with a string; returns the (possibly moved) entry.
    @discardableResult func replaceString(
        at slot: Int, value: UnsafeRawPointer?, valueCount: Int, expireAt: Int64
    ) -> Entry {
        let old = entry(at: slot)
        if old.expireAt != 0 { expiresCount -= 1 }
        if expireAt != 0 { expiresCount += 1 }
        memoryBytes -= old.allocationSize + old.objectBytes
        if old.type != .string { objectCount -= 1 }
        old.releaseObject()
        let e = old.replacingString(value: value, valueCount: valueCount, expireAt: expireAt)
        slots[slot] = e.raw
        memoryBytes += e.allocationSize
        return e
    }

    /// Changes the expiry of the entry at `slot` (0 = persist).
    func setExpire(at slot: Int, _ expireAt: Int64) {
        let e = entry(at: slot)
        if e.expireAt != 0 { expiresCount -= 1 }
        if expireAt != 0 { expiresCount += 1 }
        e.expireAt = expireAt
    }

    /// Removes and frees the entry at `slot`, then shifts the rest of its cluster back so
    /// lookups never need tombstones.
    func remove(at slot: Int) {
        let e = entry(at: slot)
        if e.expireAt != 0 { expiresCount -= 1 }
        memoryBytes -= e.allocationSize + e.objectBytes
        if e.type != .string { objectCount -= 1 }
        e.free()
        count -= 1
        var hole = slot
        var k = slot
        while true {
            k = (k &+ 1) & mask
            if tags[k] == 0 { break }
            let moving = Entry(raw: slots[k].unsafelyUnwrapped)
            let home = Int(truncatingIfNeeded: hash(moving.keyPointer, moving.keyLength)) & mask
            // Move k into the hole when the hole lies on k's probe path (home ... k).
            if ((k &- home) & mask) >= ((k &- hole) & mask) {
                slots[hole] = slots[k]
                tags[hole] = tags[k]
                hole = k
            }
        }
        slots[hole] = nil
        tags[hole] = 0
    }

    /// Frees every entry and shrinks the table back to its initial size.
    public func removeAll() {
        freeAll()
        slots.deallocate()
        tags.deallocate()
        mask = 7
        slots = .allocate(capacity: 8)
        slots.initialize(repeating: nil, count: 8)
        tags = .allocate(capacity: 8)
        tags.initialize(repeating: 0, count: 8)
        count = 0
        expiresCount = 0
        objectCount = 0
        memoryBytes = 8 * 9
        sweepCursor = 0
    }

    private func freeAll() { for i in 0...mask where tags[i] != 0 { Entry(raw: slots[i].unsafelyUnwrapped).free() } }

    private func emptySlot(for h: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: h) & mask
        while tags[i] != 0 { i = (i &+ 1) & mask }
        return i
    }

    private func grow() {
        let oldSlots = slots
        let oldTags = tags
        let oldCapacity = capacity
        let newCapacity = oldCapacity * 2
        slots = .allocate(capacity: newCapacity)
        slots.initialize(repeating: nil, count: newCapacity)
        tags = .allocate(capacity: newCapacity)
        tags.initialize(repeating: 0, count: newCapacity)
        mask = newCapacity - 1
        for i in 0..<oldCapacity where oldTags[i] != 0 {
            let raw = oldSlots[i].unsafelyUnwrapped
            let e = Entry(raw: raw)
            let h = hash(e.keyPointer, e.keyLength)
            let j = emptySlot(for: h)
            slots[j] = raw
            tags[j] = Database.tag(h)
        }
        oldSlots.deallocate()
        oldTags.deallocate()
        memoryBytes += (newCapacity - oldCapacity) * 9
        sweepCursor = 0
    }

    // MARK: iteration

    /// Whether `slot` holds an entry (for cursors that walk the table).
    @inlinable func isOccupied(_ slot: Int) -> Bool { slot <= mask && tags[slot] != 0 }
}
