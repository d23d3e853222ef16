// The string commands clients send around locks and result backends: MGET, MSET, MSETNX,
// APPEND, STRLEN. MGET answers nil for keys of other types (as Redis does); MSET/MSETNX
// overwrite any type; APPEND and STRLEN reply WRONGTYPE for lists and hashes.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

extension StringCommands {
    /// MGET key [key ...]
    static func mget(_ ctx: CommandContext) {
        ctx.reply.arrayHeader(ctx.argc - 1)
        for i in 1..<ctx.argc {
            if let e = ctx.lookupRead(ctx[i]), e.type == .string {
                ctx.reply.bulk(e.stringValue)
            } else {
                ctx.reply.null()
            }
        }
    }

    /// MSET key value [key value ...]
    static func mset(_ ctx: CommandContext) {
        guard msetPairsOrReply(ctx) else { return }
        msetAll(ctx)
        ctx.reply.ok()
    }

    /// MSETNX key value [key value ...]
    static func msetnx(_ ctx: CommandContext) {
        guard msetPairsOrReply(ctx) else { return }
        var i = 1
        while i < ctx.argc {
            if ctx.lookupRead(ctx[i]) != nil { return ctx.reply.integer(0) }
            i += 2
        }
        msetAll(ctx)
        ctx.reply.integer(1)
    }

    private static func msetPairsOrReply(_ ctx: CommandContext) -> Bool {
        if ctx.argc % 2 == 0 {
            ctx.reply.error(ErrorReplies.arity(ctx.spec?.fullName ?? "mset"))
            return false
        }
        var i = 2
        while i < ctx.argc {
            if ctx[i].count > Entry.maxValueLength {
                ctx.reply.error(ErrorReplies.stringTooLong)
                return false
            }
            i += 2
        }
        return true
    }

    private static func msetAll(_ ctx: CommandContext) {
        var i = 1
        while i < ctx.argc {
            ctx.journal(.set(db: ctx.db, key: ctx[i].bytes, value: ctx[i + 1].bytes, expireAtMs: 0))
            var ref = ctx.lookupWrite(ctx[i])
            let isNew = !ref.exists
            ref.setString(ctx[i + 1], expireAt: 0)
            if isNew { ctx.notifyKeyspaceEvent(.new, "new", ctx[i]) }
            ctx.notifyKeyspaceEvent(.string, "set", ctx[i])
            i += 2
        }
    }

    /// APPEND key value
    static func append(_ ctx: CommandContext) {
        var ref = ctx.lookupWrite(ctx[1])
        let add = ctx[2]
        var value: Bytes = []
        var expireAt: Int64 = 0
        if let e = ref.entry {
            guard let old = ctx.stringOrReply(e) else { return }
            let limit = min(Int64(Entry.maxValueLength), ctx.server.config.int(.protoMaxBulkLen))
            if Int64(old.count) + Int64(add.count) > limit { return ctx.reply.error(ErrorReplies.stringTooLong) }
            value.reserveCapacity(old.count + add.count)
            value.append(contentsOf: old.buffer)
            expireAt = e.expireAt
        }
        value.append(contentsOf: add.buffer)
        ctx.journal(.set(db: ctx.db, key: ctx[1].bytes, value: value, expireAtMs: expireAt))
        let isNew = !ref.exists
        ref.setString(value, expireAt: expireAt)
        if isNew { ctx.notifyKeyspaceEvent(.new, "new", ctx[1]) }
        ctx.notifyKeyspaceEvent(.string, "append", ctx[1])
        ctx.reply.integer(value.count)
    }

    /// STRLEN key
    static func strlen(_ ctx: CommandContext) {
        guard let e = ctx.lookupRead(ctx[1]) else { return ctx.reply.integer(0) }
        guard let v = ctx.stringOrReply(e) else { return }
        ctx.reply.integer(v.count)
    }
}
