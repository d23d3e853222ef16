// Keyspace notifications (Redis's notify.c): a command that changed a key calls
// `ctx.notifyKeyspaceEvent(.generic, "del", key)`, and when `notify-keyspace-events` enables the
// class this publishes `<event>` on `__keyspace@<db>__:<key>` (K) and `<key>` on
// `__keyevent@<db>__:<event>` (E) through the ordinary pub/sub path.
import LatchkeyCore

extension CommandEngine {
    static let keyspacePrefix = Bytes("__keyspace@".utf8)
    static let keyeventPrefix = Bytes("__keyevent@".utf8)
    static let channelInfix = Bytes("__:".utf8)

    /// Publishes one event if its class is enabled (callers usually go through
    /// `CommandContext.notifyKeyspaceEvent`, which tests the class first without allocating).
    public func notifyKeyspaceEvent(_ type: KeyspaceEventFlags, _ event: StaticString, key: Bytes, db: Int) {
        let flags = keyspaceEvents
        guard flags.contains(type), !flags.isDisjoint(with: [.keyspace, .keyevent]) else { return }
        let eventBytes = Bytes(UnsafeBufferPointer(start: event.utf8Start, count: event.utf8CodeUnitCount))
        var dbDigits = Bytes()
        ASCII.appendDecimal(Int64(db), to: &dbDigits)
        if flags.contains(.keyspace) {
            let channel = CommandEngine.keyspacePrefix + dbDigits + CommandEngine.channelInfix + key
            pubsub.publish(channel: channel, message: eventBytes, nowMs: context.nowMs)
        }
        if flags.contains(.keyevent) {
            let channel = CommandEngine.keyeventPrefix + dbDigits + CommandEngine.channelInfix + eventBytes
            pubsub.publish(channel: channel, message: key, nowMs: context.nowMs)
        }
    }
}
