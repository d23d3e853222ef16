// INCR, INCRBY, DECR, DECRBY: counting semaphores. The value must be a Redis integer (string2ll
// rules); the TTL is kept, as Redis keeps it when a counter changes in place.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

enum CounterCommands {
    /// INCR key
    static func incr(_ ctx: CommandContext) { incrDecr(ctx, by: 1) }
    /// DECR key
    static func decr(_ ctx: CommandContext) { incrDecr(ctx, by: -1) }

    /// INCRBY key increment
    static func incrby(_ ctx: CommandContext) {
        guard let n = ctx.int64OrReply(2) else { return }
        incrDecr(ctx, by: n)
    }

    /// DECRBY key decrement
    static func decrby(_ ctx: CommandContext) {
        guard let n = ctx.int64OrReply(2) else { return }
        if n == Int64.min {
            ctx.reply.error(ErrorReplies.decrementOverflow)
            return
        }
        incrDecr(ctx, by: -n)
    }

    static func incrDecr(_ ctx: CommandContext, by delta: Int64) {
        let dbIndex = ctx.db
        let key = ctx[1]
        var ref = ctx.lookupWrite(key)
        var current: Int64 = 0
        var expireAt: Int64 = 0
        if let e = ref.entry {
            guard let s = ctx.stringOrReply(e) else { return }
            guard let v = ASCII.parseInt64(s) else {
                ctx.reply.error(ErrorReplies.notInteger)
                return
            }
            current = v
            expireAt = e.expireAt
        }
        let (result, overflow) = current.addingReportingOverflow(delta)
        if overflow {
            ctx.reply.error(ErrorReplies.overflow)
            return
        }
        let text = ASCII.decimal(result)
        ctx.journal(.set(db: dbIndex, key: key.bytes, value: text, expireAtMs: expireAt))
        let isNew = !ref.exists
        ref.setString(text, expireAt: expireAt)
        if isNew { ctx.notifyKeyspaceEvent(.new, "new", key) }
        ctx.notifyKeyspaceEvent(.string, "incrby", key)
        ctx.reply.integer(result)
    }
}
