// Generic key commands: DEL/UNLINK, EXISTS, TYPE, the EXPIRE family with NX/XX/GT/LT, TTL/PTTL,
// EXPIRETIME/PEXPIRETIME, PERSIST, KEYS, SCAN, DBSIZE, FLUSHDB/FLUSHALL (RENAME and OBJECT are in
// KeyCommands+Rename.swift). Deadlines are computed once as absolute ms and journaled as such (a
// deadline already past is journaled as a delete). These commands work on keys of every type.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

enum KeyCommands {
    /// DEL key [key ...] — also UNLINK (memory is freed at once either way).
    static func del(_ ctx: CommandContext) {
        var removed: Int64 = 0
        for i in 1..<ctx.argc {
            let key = ctx[i]
            var ref = ctx.lookupWrite(key)
            if ref.exists {
                ctx.journal(.delete(db: ctx.db, key: key.bytes))
                ref.remove()
                ctx.notifyKeyspaceEvent(.generic, "del", key)
                removed += 1
            }
        }
        ctx.reply.integer(removed)
    }

    /// EXISTS key [key ...] — repeated keys count each time.
    static func exists(_ ctx: CommandContext) {
        var n: Int64 = 0
        for i in 1..<ctx.argc where ctx.lookupRead(ctx[i]) != nil { n += 1 }
        ctx.reply.integer(n)
    }

    /// TYPE key
    static func type(_ ctx: CommandContext) {
        guard let e = ctx.lookupRead(ctx[1]) else {
            ctx.reply.status("none")
            return
        }
        ctx.reply.status(e.type.name)
    }

    /// EXPIRE key seconds [NX | XX | GT | LT]
    static func expire(_ ctx: CommandContext) { expireGeneric(ctx, base: ctx.nowMs, seconds: true, command: "expire") }
    /// PEXPIRE key milliseconds [NX | XX | GT | LT]
    static func pexpire(_ ctx: CommandContext) {
        expireGeneric(ctx, base: ctx.nowMs, seconds: false, command: "pexpire")
    }
    /// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
    static func expireat(_ ctx: CommandContext) { expireGeneric(ctx, base: 0, seconds: true, command: "expireat") }
    /// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
    static func pexpireat(_ ctx: CommandContext) { expireGeneric(ctx, base: 0, seconds: false, command: "pexpireat") }

    static func expireGeneric(_ ctx: CommandContext, base: Int64, seconds: Bool, command: String) {
        var nx = false
        var xx = false
        var gt = false
        var lt = false
        for i in 3..<ctx.argc {
            if ctx.arg(i, is: "NX") {
                nx = true
            } else if ctx.arg(i, is: "XX") {
                xx = true
            } else if ctx.arg(i, is: "GT") {
                gt = true
            } else if ctx.arg(i, is: "LT") {
                lt = true
            } else {
                ctx.reply.error(ErrorReplies.unsupportedOption(ctx[i].string))
                return
            }
        }
        if nx && (xx || gt || lt) {
            ctx.reply.error(ErrorReplies.expireOptionsNX)
            return
        }
        if gt && lt {
            ctx.reply.error(ErrorReplies.expireOptionsGTLT)
            return
        }
        guard var when = ctx.int64OrReply(2) else { return }
        if seconds {
            if when > Int64.max / 1000 || when < Int64.min / 1000 {
                ctx.reply.error(ErrorReplies.invalidExpire(command))
                return
            }
            when *= 1000
        }
        if when > Int64.max - base {
            ctx.reply.error(ErrorReplies.invalidExpire(command))
            return
        }
        when += base
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            ctx.reply.integer(0)
            return
        }
        let current = e.expireAt  // 0 = no TTL (Redis's -1)
        if (nx && current != 0) || (xx && current == 0) || (gt && (current == 0 || when <= current))
            || (lt && current != 0 && when >= current)
        {
            ctx.reply.integer(0)
            return
        }
        if when <= ctx.nowMs {
            ctx.journal(.delete(db: ctx.db, key: ctx[1].bytes))
            ref.remove()
            ctx.notifyKeyspaceEvent(.generic, "del", ctx[1])
        } else {
            ctx.journal(.expireAt(db: ctx.db, key: ctx[1].bytes, atMs: when))
            ref.setExpire(when)
            ctx.notifyKeyspaceEvent(.generic, "expire", ctx[1])
        }
        ctx.reply.integer(1)
    }

    /// TTL key
    static func ttl(_ ctx: CommandContext) { ttlGeneric(ctx, ms: false, absolute: false) }
    /// PTTL key
    static func pttl(_ ctx: CommandContext) { ttlGeneric(ctx, ms: true, absolute: false) }
    /// EXPIRETIME key
    static func expiretime(_ ctx: CommandContext) { ttlGeneric(ctx, ms: false, absolute: true) }
    /// PEXPIRETIME key
    static func pexpiretime(_ ctx: CommandContext) { ttlGeneric(ctx, ms: true, absolute: true) }

    static func ttlGeneric(_ ctx: CommandContext, ms: Bool, absolute: Bool) {
        guard let e = ctx.lookupRead(ctx[1]) else {
            ctx.reply.integer(-2)
            return
        }
        let at = e.expireAt
        if at == 0 {
            ctx.reply.integer(-1)
            return
        }
        var v = absolute ? at : max(0, at - ctx.nowMs)
        // Rounded seconds, (v + 500) / 1000 without overflowing near Int64.max (PXAT max).
        if !ms { v = v / 1000 + (v % 1000 + 500) / 1000 }
        ctx.reply.integer(v)
    }

    /// PERSIST key
    static func persist(_ ctx: CommandContext) {
        let ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry, e.expireAt != 0 else {
            ctx.reply.integer(0)
            return
        }
        ctx.journal(.persist(db: ctx.db, key: ctx[1].bytes))
        ref.setExpire(0)
        ctx.notifyKeyspaceEvent(.generic, "persist", ctx[1])
        ctx.reply.integer(1)
    }

    /// KEYS pattern
    static func keys(_ ctx: CommandContext) {
        var found: [Bytes] = []
        let pattern = ctx[1]
        let all = pattern.count == 1 && pattern[0] == 42
        ctx.keyspace.forEachKey(db: ctx.db, matching: all ? nil : pattern, now: ctx.nowMs) { found.append($0.bytes) }
        ctx.reply.arrayHeader(found.count)
        for k in found { ctx.reply.bulk(k) }
    }

    /// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
    static func scan(_ ctx: CommandContext) {
        guard let cursor = parseCursor(ctx[1]) else {
            ctx.reply.error(ErrorReplies.invalidCursor)
            return
        }
        var typeFilter: ValueType? = nil
        var unknownType = false
        let options = ScanOptions.parse(ctx, from: 2) { i in
            guard ctx.arg(i, is: "TYPE") && i + 1 < ctx.argc else { return 0 }
            if let t = ValueType.named(ctx[i + 1]) { typeFilter = t } else { unknownType = true }
            return 2
        }
        guard let options else { return }
        var found: [Bytes] = []
        let next = ctx.keyspace.scan(
            db: ctx.db, cursor: cursor, count: Int(min(options.count, 1 << 30)), matching: options.pattern,
            type: typeFilter,
            now: ctx.nowMs
        ) { key in if !unknownType { found.append(key.bytes) } }
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(Bytes(String(UInt64(truncatingIfNeeded: next)).utf8))
        ctx.reply.arrayHeader(found.count)
        for k in found { ctx.reply.bulk(k) }
    }

    /// Redis reads cursors with strtoul: optional sign, decimal digits up to 2^64-1 ("-N" wraps
    /// around), and the empty string is cursor 0; a leading space or any other byte is invalid.
    /// strtoul sees a C string, so a NUL byte ends the cursor ("7\0x" is 7, "\0..." is 0).
    /// The bit pattern is what the reverse-binary walk uses.
    static func parseCursor(_ v: ByteView) -> Int? {
        var end = 0
        while end < v.count && v[end] != 0 { end += 1 }
        var i = 0
        var negative = false
        if end > 0 && (v[0] == 43 || v[0] == 45) {  // + -
            negative = v[0] == 45
            i = 1
            if end == 1 { return nil }  // a sign with no digits: strtoul stops at the sign
        }
        guard let x = ASCII.parseDigits(v.base, from: i, to: end) else { return nil }
        return Int(truncatingIfNeeded: negative ? 0 &- x : x)
    }

    /// DBSIZE
    static func dbsize(_ ctx: CommandContext) { ctx.reply.integer(ctx.keyspace.size(db: ctx.db)) }

    /// FLUSHDB [ASYNC | SYNC]
    static func flushdb(_ ctx: CommandContext) {
        guard flushOptionOK(ctx) else { return }
        ctx.journal(.flushDB(db: ctx.db))
        ctx.engine.touchAllWatched(db: ctx.db)
        ctx.keyspace.flush(db: ctx.db)
        ctx.reply.ok()
    }

    /// FLUSHALL [ASYNC | SYNC]
    static func flushall(_ ctx: CommandContext) {
        guard flushOptionOK(ctx) else { return }
        ctx.journal(.flushAll)
        ctx.engine.touchAllWatched(db: nil)
        ctx.keyspace.flushAll()
        ctx.reply.ok()
    }

    private static func flushOptionOK(_ ctx: CommandContext) -> Bool {
        if ctx.argc == 1 || (ctx.argc == 2 && (ctx.arg(1, is: "ASYNC") || ctx.arg(1, is: "SYNC"))) { return true }
        ctx.reply.error(ErrorReplies.syntax)
        return false
    }
}

/// The options SCAN and HSCAN share, read in Redis's order: `COUNT n` (at least 1) and
/// `MATCH pattern` (`*` alone is no pattern), then the command's own words through `own`, which
/// returns how many arguments it took (0: not its word, a syntax error).
struct ScanOptions {
    var count: Int64 = 10
    var pattern: ByteView? = nil

    /// Reads `ctx.argv[start...]`; nil after replying an error.
    static func parse(_ ctx: CommandContext, from start: Int, own: (Int) -> Int) -> ScanOptions? {
        var options = ScanOptions()
        var i = start
        while i < ctx.argc {
            let more = i + 1 < ctx.argc
            if ctx.arg(i, is: "COUNT") && more {
                guard let c = ctx.int64OrReply(i + 1) else { return nil }
                if c < 1 {
                    ctx.reply.error(ErrorReplies.syntax)
                    return nil
                }
                options.count = c
                i += 2
            } else if ctx.arg(i, is: "MATCH") && more {
                let p = ctx[i + 1]
                options.pattern = (p.count == 1 && p[0] == 42) ? nil : p
                i += 2
            } else {
                let used = own(i)
                if used == 0 {
                    ctx.reply.error(ErrorReplies.syntax)
                    return nil
                }
                i += used
            }
        }
        return options
    }
}
