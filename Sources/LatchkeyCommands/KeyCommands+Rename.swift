// RENAME, RENAMENX and OBJECT ENCODING/REFCOUNT/IDLETIME. A rename moves the value object and its
// expiry (no copy) and is journaled as one `rename` effect; a list renamed onto a key that
// clients block on wakes them, as Redis's dbAdd signals it.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

extension KeyCommands {
    /// RENAME key newkey
    static func rename(_ ctx: CommandContext) { renameGeneric(ctx, onlyIfAbsent: false) }
    /// RENAMENX key newkey
    static func renamenx(_ ctx: CommandContext) { renameGeneric(ctx, onlyIfAbsent: true) }

    static func renameGeneric(_ ctx: CommandContext, onlyIfAbsent: Bool) {
        guard let src = ctx.lookupRead(ctx[1]) else { return ctx.reply.error(ErrorReplies.noSuchKey) }
        let isList = src.type == .list
        if ctx[1].equals(ctx[2].bytes) {
            if onlyIfAbsent { ctx.reply.integer(0) } else { ctx.reply.ok() }
            return
        }
        if onlyIfAbsent && ctx.lookupRead(ctx[2]) != nil { return ctx.reply.integer(0) }
        ctx.journal(.rename(db: ctx.db, from: ctx[1].bytes, to: ctx[2].bytes))
        let replacing = ctx.lookupRead(ctx[2]) != nil
        ctx.keyspace.rename(db: ctx.db, from: ctx[1], to: ctx[2], now: ctx.nowMs)
        ctx.notifyKeyspaceEvent(.generic, "rename_from", ctx[1])
        if !replacing { ctx.notifyKeyspaceEvent(.new, "new", ctx[2]) }
        ctx.notifyKeyspaceEvent(.generic, "rename_to", ctx[2])
        if isList { ctx.engine.signalListReady(db: ctx.db, key: ctx[2]) }
        if onlyIfAbsent { ctx.reply.integer(1) } else { ctx.reply.ok() }
    }

    /// OBJECT ENCODING key
    static func objectEncoding(_ ctx: CommandContext) {
        guard let e = ctx.lookupRead(ctx[2]) else { return ctx.reply.null() }
        switch e.type {
        case .string:
            let v = e.stringValue
            if v.count <= 20, ASCII.parseInt64(v) != nil { return ctx.reply.bulk(string: "int") }
            ctx.reply.bulk(string: v.count <= 44 ? "embstr" : "raw")
        case .list: ctx.reply.bulk(string: e.list.encodingName)
        case .hash: ctx.reply.bulk(string: e.hash.encodingName)
        }
    }

    /// OBJECT REFCOUNT key
    static func objectRefcount(_ ctx: CommandContext) {
        guard ctx.lookupRead(ctx[2]) != nil else { return ctx.reply.null() }
        ctx.reply.integer(1)
    }

    /// OBJECT IDLETIME key (access times are not tracked: always 0).
    static func objectIdletime(_ ctx: CommandContext) {
        guard ctx.lookupRead(ctx[2]) != nil else { return ctx.reply.null() }
        ctx.reply.integer(0)
    }
}
