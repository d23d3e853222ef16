// How handlers reach keys: `lookupRead` / `lookupWrite` on the selected database at the
// command's time, and the type checks that reply WRONGTYPE (Redis's checkType) so no handler
// reads a value as the wrong kind. Helpers ending in OrReply have replied when they return nil.
import LatchkeyCore
import LatchkeyKeyspace

extension CommandContext {
    /// The live entry for `key` in the selected database, or nil.
    @inlinable public func lookupRead(_ key: ByteView) -> Entry? { keyspace.lookupRead(db: db, key, now: nowMs) }

    /// A write handle on `key` in the selected database.
    @inlinable public func lookupWrite(_ key: ByteView) -> KeyRef { keyspace.lookupWrite(db: db, key, now: nowMs) }

    /// Replies WRONGTYPE and returns false unless `entry` is absent or of type `type`.
    public func typeOrReply(_ entry: Entry?, _ type: ValueType) -> Bool {
        guard let entry, entry.type != type else { return true }
        reply.error(ErrorReplies.wrongType)
        return false
    }

    /// The string value of `entry`, or nil after replying WRONGTYPE.
    public func stringOrReply(_ entry: Entry) -> ByteView? {
        guard entry.type == .string else {
            reply.error(ErrorReplies.wrongType)
            return nil
        }
        return entry.stringValue
    }

    /// The list at `entry`: `.absent`, or `.wrongType` after replying WRONGTYPE.
    func listOrReply(_ entry: Entry?) -> Lookup<ListValue> { valueOrReply(entry, .list) { $0.list } }

    /// The hash at `entry`: `.absent`, or `.wrongType` after replying WRONGTYPE.
    func hashOrReply(_ entry: Entry?) -> Lookup<HashValue> { valueOrReply(entry, .hash) { $0.hash } }

    @inline(__always) private func valueOrReply<T>(
        _ entry: Entry?, _ type: ValueType, _ value: (Entry) -> T
    ) -> Lookup<T> {
        guard let entry else { return .absent }
        guard typeOrReply(entry, type) else { return .wrongType }
        return .found(value(entry))
    }
}

/// The outcome of a typed lookup.
enum Lookup<T> {
    case absent
    case wrongType
    case found(T)
}
