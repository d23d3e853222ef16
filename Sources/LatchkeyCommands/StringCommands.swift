// String commands: SET (every option, including Redis 8.4's IFEQ/IFNE/IFDEQ/IFDNE), GET, SETNX,
// SETEX, PSETEX, GETSET, GETDEL. Each handler parses options first, then looks up, journals the
// effect with absolute times, then replies. Counters live in CounterCommands, compare-and-delete
// in DigestCommands, MGET/MSET/APPEND/STRLEN in StringCommands+Multi.swift.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

/// How SET decides whether to write.
enum SetCondition {
    case always, nx, xx
    case ifeq(ByteView)
    case ifne(ByteView)
    case ifdeq(ByteView)
    case ifdne(ByteView)
}

/// The expiry part of SET-like commands.
enum SetExpiry {
    case none, keepTTL
    /// Relative or absolute; `milliseconds` multiplies seconds.
    case ex(ByteView)
    case px(ByteView)
    case exat(ByteView)
    case pxat(ByteView)
}

enum StringCommands {
    /// GET key
    static func get(_ ctx: CommandContext) {
        guard let e = ctx.lookupRead(ctx[1]) else {
            ctx.server.stats.keyspaceMisses &+= 1
            ctx.notifyKeyspaceEvent(.keyMiss, "keymiss", ctx[1])
            ctx.reply.null()
            return
        }
        ctx.server.stats.keyspaceHits &+= 1
        guard let v = ctx.stringOrReply(e) else { return }
        ctx.reply.bulk(v)
    }

    /// SET key value [NX | XX | IFEQ v | IFNE v | IFDEQ d | IFDNE d] [GET]
    ///     [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]
    static func set(_ ctx: CommandContext) {
        var condition = SetCondition.always
        var expiry = SetExpiry.none
        var wantGet = false
        // Which word set `condition` (NX 1, XX 2, IF… 3) and `expiry` (KEEPTTL 1, EX 2, PX 3,
        // EXAT 4, PXAT 5); 0: none yet.
        var conditionWord = 0
        var expiryWord = 0
        var j = 3
        let argc = ctx.argc
        while j < argc {
            let opt = ctx[j]
            let hasNext = j + 1 < argc
            // Redis only rejects conflicting options: repeating the same one is allowed (NX NX,
            // GET GET, EX 10 EX 20, KEEPTTL KEEPTTL) and the last value wins.
            // `may(group, word)`: no option of the group yet, or this same word again.
            func may(_ group: Int, _ word: Int) -> Bool { group == 0 || group == word }
            if opt.equalsUppercase("NX") && may(conditionWord, 1) {
                condition = .nx
                conditionWord = 1
            } else if opt.equalsUppercase("XX") && may(conditionWord, 2) {
                condition = .xx
                conditionWord = 2
            } else if opt.equalsUppercase("GET") {
                wantGet = true
            } else if opt.equalsUppercase("KEEPTTL") && may(expiryWord, 1) {
                expiry = .keepTTL
                expiryWord = 1
            } else if opt.equalsUppercase("EX") && may(expiryWord, 2) && hasNext {
                expiry = .ex(ctx[j + 1])
                expiryWord = 2
                j += 1
            } else if opt.equalsUppercase("PX") && may(expiryWord, 3) && hasNext {
                expiry = .px(ctx[j + 1])
                expiryWord = 3
                j += 1
            } else if opt.equalsUppercase("EXAT") && may(expiryWord, 4) && hasNext {
                expiry = .exat(ctx[j + 1])
                expiryWord = 4
                j += 1
            } else if opt.equalsUppercase("PXAT") && may(expiryWord, 5) && hasNext {
                expiry = .pxat(ctx[j + 1])
                expiryWord = 5
                j += 1
            } else if opt.equalsUppercase("IFEQ") && conditionWord == 0 && hasNext {
                condition = .ifeq(ctx[j + 1])
                conditionWord = 3
                j += 1
            } else if opt.equalsUppercase("IFNE") && conditionWord == 0 && hasNext {
                condition = .ifne(ctx[j + 1])
                conditionWord = 3
                j += 1
            } else if opt.equalsUppercase("IFDEQ") && conditionWord == 0 && hasNext {
                condition = .ifdeq(ctx[j + 1])
                conditionWord = 3
                j += 1
            } else if opt.equalsUppercase("IFDNE") && conditionWord == 0 && hasNext {
                condition = .ifdne(ctx[j + 1])
                conditionWord = 3
                j += 1
            } else {
                ctx.reply.error(ErrorReplies.syntax)
                return
            }
            j += 1
        }
        setGeneric(
            ctx, key: ctx[1], value: ctx[2], condition: condition, expiry: expiry, wantGet: wantGet, command: "set")
    }

    /// Converts a SET-style expiry to absolute ms; nil after replying with an error.
    /// Returns 0 for "no expiry" and -1 for KEEPTTL.
    static func absoluteExpiryOrReply(_ ctx: CommandContext, _ expiry: SetExpiry, command: String) -> Int64? {
        let arg: ByteView
        let seconds: Bool
        let relative: Bool
        switch expiry {
        case .none: return 0
        case .keepTTL: return -1
        case .ex(let v):
            arg = v
            seconds = true
            relative = true
        case .px(let v):
            arg = v
            seconds = false
            relative = true
        case .exat(let v):
            arg = v
            seconds = true
            relative = false
        case .pxat(let v):
            arg = v
            seconds = false
            relative = false
        }
        guard var ms = ASCII.parseInt64(arg) else {
            ctx.reply.error(ErrorReplies.notInteger)
            return nil
        }
        if ms <= 0 || (seconds && ms > Int64.max / 1000) {
            ctx.reply.error(ErrorReplies.invalidExpire(command))
            return nil
        }
        if seconds { ms *= 1000 }
        if relative {
            if ms > Int64.max - ctx.nowMs {
                ctx.reply.error(ErrorReplies.invalidExpire(command))
                return nil
            }
            ms += ctx.nowMs
        }
        return ms
    }

    /// The shared SET path (SET, SETNX, SETEX, PSETEX, GETSET).
    /// Replies +OK / nil, or the old value with `wantGet`; `replyInteger` makes SETNX reply :1/:0.
    static func setGeneric(
        _ ctx: CommandContext, key: ByteView, value: ByteView, condition: SetCondition, expiry: SetExpiry,
        wantGet: Bool, command: String, replyInteger: Bool = false
    ) {
        guard let expireAt = absoluteExpiryOrReply(ctx, expiry, command: command) else { return }
        if value.count > Entry.maxValueLength {
            ctx.reply.error(ErrorReplies.stringTooLong)
            return
        }
        let dbIndex = ctx.db
        var ref = ctx.lookupWrite(key)
        let old = ref.entry
        // Plain SET overwrites any type; reading the old value (GET, IF*) needs a string.
        var readsOld = wantGet
        if case .always = condition {
        } else if case .nx = condition {
        } else if case .xx = condition {
        } else {
            readsOld = true
        }
        if readsOld, let old, old.type != .string {
            ctx.reply.error(ErrorReplies.wrongType)
            return
        }
        let apply: Bool
        switch condition {
        case .always: apply = true
        case .nx: apply = old == nil
        case .xx: apply = old != nil
        case .ifeq(let v): apply = old.map { $0.stringValue.equals(v) } ?? false
        case .ifne(let v): apply = old.map { !$0.stringValue.equals(v) } ?? true
        case .ifdeq(let d): apply = old.map { DigestCommands.digestMatches($0.stringValue, d) } ?? false
        case .ifdne(let d): apply = old.map { !DigestCommands.digestMatches($0.stringValue, d) } ?? true
        }
        var at = expireAt
        if at == -1 { at = old?.expireAt ?? 0 }  // KEEPTTL
        // EXAT/PXAT in the past: the key is set and immediately gone, as in Redis.
        let goneAtOnce = at != 0 && at <= ctx.nowMs
        // Log before reply: the effect is journaled before any reply byte, even GET's old value.
        if apply {
            if goneAtOnce {
                ctx.journal(.delete(db: dbIndex, key: key.bytes))
            } else {
                ctx.journal(.set(db: dbIndex, key: key.bytes, value: value.bytes, expireAtMs: at))
            }
        }
        if wantGet {
            // The old value is read before the entry changes (WRONGTYPE would stop here for other types).
            if let old { ctx.reply.bulk(old.stringValue) } else { ctx.reply.null() }
        }
        guard apply else {
            if replyInteger { ctx.reply.integer(0) } else if !wantGet { ctx.reply.null() }
            return
        }
        if goneAtOnce { ref.remove() } else { ref.setString(value, expireAt: at) }
        // Redis's order: new (a key was added), set, then expire when a TTL was given.
        if old == nil { ctx.notifyKeyspaceEvent(.new, "new", key) }
        ctx.notifyKeyspaceEvent(.string, "set", key)
        if expireAt > 0 { ctx.notifyKeyspaceEvent(.generic, "expire", key) }
        if goneAtOnce {  // Redis deletes it as an expiry: counted, and `expired` follows
            ctx.server.stats.expiredKeys &+= 1
            ctx.notifyKeyspaceEvent(.expired, "expired", key)
        }
        if replyInteger { ctx.reply.integer(1) } else if !wantGet { ctx.reply.ok() }
    }

    /// SETNX key value
    static func setnx(_ ctx: CommandContext) {
        setGeneric(
            ctx, key: ctx[1], value: ctx[2], condition: .nx, expiry: .none, wantGet: false, command: "setnx",
            replyInteger: true)
    }

    /// SETEX key seconds value
    static func setex(_ ctx: CommandContext) {
        setGeneric(
            ctx, key: ctx[1], value: ctx[3], condition: .always, expiry: .ex(ctx[2]), wantGet: false, command: "setex")
    }

    /// PSETEX key milliseconds value
    static func psetex(_ ctx: CommandContext) {
        setGeneric(
            ctx, key: ctx[1], value: ctx[3], condition: .always, expiry: .px(ctx[2]), wantGet: false, command: "psetex")
    }

    /// GETSET key value
    static func getset(_ ctx: CommandContext) {
        setGeneric(ctx, key: ctx[1], value: ctx[2], condition: .always, expiry: .none, wantGet: true, command: "getset")
    }

    /// GETDEL key
    static func getdel(_ ctx: CommandContext) {
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            ctx.reply.null()
            return
        }
        guard let v = ctx.stringOrReply(e) else { return }
        ctx.journal(.delete(db: ctx.db, key: ctx[1].bytes))
        ctx.reply.bulk(v)
        ref.remove()
        ctx.notifyKeyspaceEvent(.generic, "del", ctx[1])
    }
}
