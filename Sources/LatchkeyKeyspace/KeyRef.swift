// The write handle handlers get from `Keyspace.lookupWrite`: one key of one database, live or
// absent, with every mutation a command needs (set a string, store a list/hash, change expiry,
// remove, resize an object). It hides the table's probe and slot, and keeps the database's
// counters (keys with TTL, memory) right whatever the value type.
import LatchkeyCore

/// A key about to be modified. Valid until another handle (or a keyspace call) changes the
/// same database; every method here keeps this handle itself valid.
@frozen public struct KeyRef {
    public let db: Database
    public let dbIndex: Int
    public let key: ByteView
    @usableFromInline var probe: Probe

    @inlinable init(db: Database, dbIndex: Int, key: ByteView, probe: Probe) {
        self.db = db
        self.dbIndex = dbIndex
        self.key = key
        self.probe = probe
    }

    /// The live entry, or nil when the key is absent.
    @inlinable public var entry: Entry? { probe.found ? db.entry(at: probe.slot) : nil }

    @inlinable public var exists: Bool { probe.found }

    /// Sets a string value (replacing any value of any type) with absolute expiry `expireAt`
    /// (0 = none). `value` may point into the current value (memmove).
    public mutating func setString(_ value: UnsafeRawPointer?, count: Int, expireAt: Int64) {
        if probe.found {
            db.replaceString(at: probe.slot, value: value, valueCount: count, expireAt: expireAt)
        } else {
            db.insert(
                probe, key: UnsafeRawPointer(key.base), keyCount: key.count, value: value, valueCount: count,
                expireAt: expireAt)
            probe = db.probe(key)
        }
    }

    public mutating func setString(_ value: ByteView, expireAt: Int64) {
        setString(UnsafeRawPointer(value.base), count: value.count, expireAt: expireAt)
    }

    public mutating func setString(_ value: Bytes, expireAt: Int64) {
        value.withUnsafeBytes { setString($0.baseAddress, count: $0.count, expireAt: expireAt) }
    }

    /// Stores `list` under the key (replacing any value), with expiry `expireAt`.
    public mutating func setList(_ list: ListValue, expireAt: Int64 = 0) { setObject(list, .list, expireAt) }

    /// Stores `hash` under the key (replacing any value), with expiry `expireAt`.
    public mutating func setHash(_ hash: HashValue, expireAt: Int64 = 0) { setObject(hash, .hash, expireAt) }

    private mutating func setObject(_ object: AnyObject, _ type: ValueType, _ expireAt: Int64) {
        if probe.found { remove() }
        db.insert(
            probe, key: UnsafeRawPointer(key.base), keyCount: key.count, object: object, type: type, expireAt: expireAt)
        probe = db.probe(key)
    }

    /// Runs `body` on the key's list or hash object and accounts for its change in size.
    /// An object left empty removes the key, as Redis never keeps empty lists or hashes.
    @discardableResult public mutating func mutate<R>(_ body: (Entry) -> R) -> R {
        let e = db.entry(at: probe.slot)
        let before = e.objectBytes
        let r = body(e)
        db.memoryBytes += e.objectBytes - before
        let empty = e.type == .list ? e.list.isEmpty : e.type == .hash ? e.hash.isEmpty : false
        if empty { remove() }
        return r
    }

    /// Removes the key (a no-op when absent).
    public mutating func remove() {
        guard probe.found else { return }
        db.remove(at: probe.slot)
        probe = db.probe(key)
    }

    /// Sets the absolute expiry (0 = persist). The key must exist.
    public func setExpire(_ at: Int64) {
        precondition(probe.found)
        db.setExpire(at: probe.slot, at)
    }
}

extension Keyspace {
    /// Moves the value and expiry of `from` to `to` (replacing `to`); both live in `db`. Returns
    /// false when `from` is absent. RENAME and replay use it; the value is not copied.
    @discardableResult public func rename(db dbIndex: Int, from: ByteView, to: ByteView, now: Int64) -> Bool {
        var src = lookupWrite(db: dbIndex, from, now: now)
        guard let e = src.entry else { return false }
        let at = e.expireAt
        if from.count == to.count && memcmpEqual(from.base, to.base, from.count) { return true }
        switch e.type {
        case .string:
            let value = e.stringValue.bytes
            src.remove()
            var dst = lookupWrite(db: dbIndex, to, now: now)
            dst.setString(value, expireAt: at)
        case .list:
            let list = e.list
            src.remove()
            var dst = lookupWrite(db: dbIndex, to, now: now)
            dst.setList(list, expireAt: at)
        case .hash:
            let hash = e.hash
            src.remove()
            var dst = lookupWrite(db: dbIndex, to, now: now)
            dst.setHash(hash, expireAt: at)
        }
        return true
    }
}
