// The keyspace: N databases with absolute millisecond expiry. Lookups apply lazy expiry (an
// expired key is deleted on access and reported through `onExpire`, so the caller can journal
// it and count it). Handlers read with `lookupRead` (an Entry) and write through the KeyRef
// `lookupWrite` returns; table slots and probes never leave this module. Commands, replies and
// the log are left to LatchkeyCommands.
import LatchkeyCore

/// All databases of the server.
public final class Keyspace {
    public let databases: [Database]
    /// Called for every key removed because it expired (lazily or by the active cycle), before
    /// its memory is freed. The command layer journals a delete here.
    @exclusivity(unchecked) public var onExpire: ((_ db: Int, _ key: ByteView) -> Void)?

    public init(databases: Int = 16, seed: UInt64 = UInt64.random(in: 0...UInt64.max)) {
        precondition(databases >= 1)
        var dbs: [Database] = []
        for i in 0..<databases { dbs.append(Database(seed: seed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)) }
        self.databases = dbs
    }

    public var databaseCount: Int { databases.count }

    // MARK: lookups

    /// Finds `key` in `db`, deleting it first when it has expired at `now`.
    @inlinable func lookup(_ db: Database, dbIndex: Int, _ key: ByteView, now: Int64) -> Probe {
        var p = db.probe(key)
        if p.found {
            let e = db.entry(at: p.slot)
            let at = e.expireAt
            if at != 0 && at <= now {
                expire(db, dbIndex: dbIndex, slot: p.slot)
                p = db.probe(key)
            }
        }
        return p
    }

    /// The live entry for `key`, or nil. For reading.
    @inlinable public func lookupRead(db dbIndex: Int, _ key: ByteView, now: Int64) -> Entry? {
        let db = databases[dbIndex]
        let p = lookup(db, dbIndex: dbIndex, key, now: now)
        return p.found ? db.entry(at: p.slot) : nil
    }

    /// A handle on `key` (live or absent) for a caller about to modify it. `key` must stay valid
    /// while the handle is used; the handle is valid until another handle changes the database.
    @inlinable public func lookupWrite(db dbIndex: Int, _ key: ByteView, now: Int64) -> KeyRef {
        let db = databases[dbIndex]
        return KeyRef(db: db, dbIndex: dbIndex, key: key, probe: lookup(db, dbIndex: dbIndex, key, now: now))
    }

    @usableFromInline func expire(_ db: Database, dbIndex: Int, slot: Int) {
        onExpire?(dbIndex, db.entry(at: slot).key)
        db.remove(at: slot)
    }

    // MARK: writes

    /// Sets a string value, replacing any value and TTL (`expireAt` 0 = no TTL).
    public func setString(db dbIndex: Int, _ key: ByteView, _ value: ByteView, expireAt: Int64, now: Int64) {
        let db = databases[dbIndex]
        let p = lookup(db, dbIndex: dbIndex, key, now: now)
        if p.found {
            db.replaceString(
                at: p.slot, value: UnsafeRawPointer(value.base), valueCount: value.count, expireAt: expireAt)
        } else {
            db.insert(
                p, key: UnsafeRawPointer(key.base), keyCount: key.count, value: UnsafeRawPointer(value.base),
                valueCount: value.count, expireAt: expireAt)
        }
    }

    /// Owned-bytes variant (replay, tests).
    public func setString(db: Int, _ key: Bytes, _ value: Bytes, expireAt: Int64, now: Int64) {
        key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                let kb = k.baseAddress ?? UnsafePointer(bitPattern: 1)!
                let vb = v.baseAddress ?? UnsafePointer(bitPattern: 1)!
                setString(
                    db: db, ByteView(base: kb, count: k.count), ByteView(base: vb, count: v.count), expireAt: expireAt,
                    now: now)
            }
        }
    }

    /// Deletes a live key; returns whether it existed. (An expired key counts as absent.)
    @discardableResult public func delete(db dbIndex: Int, _ key: ByteView, now: Int64) -> Bool {
        let db = databases[dbIndex]
        let p = lookup(db, dbIndex: dbIndex, key, now: now)
        guard p.found else { return false }
        db.remove(at: p.slot)
        return true
    }

    /// Sets the absolute expiry of a live key (0 removes it); returns whether the key exists.
    @discardableResult public func setExpire(db dbIndex: Int, _ key: ByteView, at: Int64, now: Int64) -> Bool {
        let db = databases[dbIndex]
        let p = lookup(db, dbIndex: dbIndex, key, now: now)
        guard p.found else { return false }
        db.setExpire(at: p.slot, at)
        return true
    }

    /// Removes every key of one database.
    public func flush(db: Int) { databases[db].removeAll() }

    /// Removes every key of every database.
    public func flushAll() { for d in databases { d.removeAll() } }

    /// Keys in `db` (may include expired keys not yet reclaimed, as Redis's DBSIZE does).
    public func size(db: Int) -> Int { databases[db].count }

    /// Bytes used by all databases.
    public var memoryBytes: Int { databases.reduce(0) { $0 + $1.memoryBytes } }

    // MARK: scanning

    /// Calls `body` with every live key of `db` matching the glob `pattern` (KEYS).
    public func forEachKey(db dbIndex: Int, matching pattern: ByteView?, now: Int64, _ body: (ByteView) -> Void) {
        let db = databases[dbIndex]
        for slot in 0..<db.capacity where db.isOccupied(slot) {
            let e = db.entry(at: slot)
            if e.expireAt != 0 && e.expireAt <= now { continue }
            if let pattern, !Glob.matches(pattern, e.key) { continue }
            body(e.key)
        }
    }

    /// One SCAN step over live keys matching `pattern` and `type` (see `walkBuckets`).
    public func scan(
        db dbIndex: Int, cursor: Int, count: Int, matching pattern: ByteView?, type: ValueType?, now: Int64,
        _ body: (ByteView) -> Void
    ) -> Int {
        walkBuckets(db: dbIndex, cursor: cursor, count: count) { e in
            let live = e.expireAt == 0 || e.expireAt > now
            if live && (type == nil || e.type == type) && (pattern == nil || Glob.matches(pattern!, e.key)) {
                body(e.key)
            }
        }.next
    }

    static func reverseBits(_ x: UInt64) -> UInt64 {
        var v = x
        v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return v.byteSwapped
    }
}
