// List commands (Redis's t_list.c): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LREM LTRIM LINSERT LPOS. Each handler parses every argument first, then looks up the key
// (WRONGTYPE through one helper), journals the effect, then replies. Pushes wake clients blocked
// on the key (ListBlocking.swift) once the command that pushed has finished; LMOVE, LMPOP and the
// blocking commands are in ListCommands+Move.swift.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

enum ListCommands {
    /// LPUSH key element [element ...]
    static func lpush(_ ctx: CommandContext) { pushGeneric(ctx, left: true, onlyIfExists: false) }
    /// RPUSH key element [element ...]
    static func rpush(_ ctx: CommandContext) { pushGeneric(ctx, left: false, onlyIfExists: false) }
    /// LPUSHX key element [element ...]
    static func lpushx(_ ctx: CommandContext) { pushGeneric(ctx, left: true, onlyIfExists: true) }
    /// RPUSHX key element [element ...]
    static func rpushx(_ ctx: CommandContext) { pushGeneric(ctx, left: false, onlyIfExists: true) }

    static func pushGeneric(_ ctx: CommandContext, left: Bool, onlyIfExists: Bool) {
        let key = ctx[1]
        var ref = ctx.lookupWrite(key)
        guard ctx.typeOrReply(ref.entry, .list) else { return }
        if ref.entry == nil {
            if onlyIfExists {
                ctx.reply.integer(0)
                return
            }
            ref.setList(ListValue())
            ctx.notifyKeyspaceEvent(.new, "new", key)
        }
        ctx.journal(.listPush(db: ctx.db, key: key.bytes, atHead: left, elements: (2..<ctx.argc).map { ctx[$0].bytes }))
        let length = ref.mutate { e -> Int in
            for i in 2..<ctx.argc { e.list.push(ctx[i], left: left) }
            return e.list.count
        }
        ctx.notifyKeyspaceEvent(.list, left ? "lpush" : "rpush", key)
        ctx.engine.signalListReady(db: ctx.db, key: key)
        ctx.reply.integer(length)
    }

    /// LPOP key [count]
    static func lpop(_ ctx: CommandContext) { popGeneric(ctx, left: true) }
    /// RPOP key [count]
    static func rpop(_ ctx: CommandContext) { popGeneric(ctx, left: false) }

    static func popGeneric(_ ctx: CommandContext, left: Bool) {
        if ctx.argc > 3 {
            ctx.reply.error(ErrorReplies.arity(ctx.spec?.fullName ?? (left ? "lpop" : "rpop")))
            return
        }
        var count: Int? = nil
        if ctx.argc == 3 {
            guard let c = ASCII.parseInt64(ctx[2]), c >= 0 else {
                ctx.reply.error(ErrorReplies.mustBePositive)
                return
            }
            count = Int(clamping: c)
        }
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            if count == nil { ctx.reply.null() } else { ctx.reply.nullArray() }
            return
        }
        guard ctx.typeOrReply(e, .list) else { return }
        guard let count else {
            ctx.journal(.listPop(db: ctx.db, key: ctx[1].bytes, atHead: left, count: 1))
            let x = ref.mutate { $0.list.pop(left: left) }
            notifyPopped(ctx, ctx[1], left: left, emptied: !ref.exists)
            if let x { ctx.reply.bulk(x) } else { ctx.reply.null() }
            return
        }
        let n = min(count, e.list.count)
        if n > 0 { ctx.journal(.listPop(db: ctx.db, key: ctx[1].bytes, atHead: left, count: n)) }
        ctx.reply.arrayHeader(n)
        ref.mutate { e in for _ in 0..<n { ctx.reply.bulk(e.list.pop(left: left)!) } }
        if n > 0 { notifyPopped(ctx, ctx[1], left: left, emptied: !ref.exists) }
    }

    /// The events of a pop: lpop/rpop, then del when it emptied the list (Redis's order).
    static func notifyPopped(_ ctx: CommandContext, _ key: ByteView, left: Bool, emptied: Bool) {
        ctx.notifyKeyspaceEvent(.list, left ? "lpop" : "rpop", key)
        if emptied { ctx.notifyKeyspaceEvent(.generic, "del", key) }
    }

    /// LLEN key
    static func llen(_ ctx: CommandContext) {
        guard case let found = ctx.listOrReply(ctx.lookupRead(ctx[1])), !found.isWrongType else { return }
        ctx.reply.integer(found.value?.count ?? 0)
    }

    /// Resolves a Redis list index (negative counts from the tail); nil when out of range.
    static func resolve(_ index: Int64, count: Int) -> Int? {
        let i = index < 0 ? index + Int64(count) : index
        return i >= 0 && i < Int64(count) ? Int(i) : nil
    }

    /// Redis's range clamping for LRANGE/LTRIM: nil when the range is empty.
    static func clampRange(_ start: Int64, _ stop: Int64, count: Int) -> (Int, Int)? {
        let n = Int64(count)
        var a = start < 0 ? start + n : start
        var b = stop < 0 ? stop + n : stop
        if a < 0 { a = 0 }
        if a > b || a >= n { return nil }
        if b >= n { b = n - 1 }
        return (Int(a), Int(b))
    }

    /// LRANGE key start stop
    static func lrange(_ ctx: CommandContext) {
        guard let start = ctx.int64OrReply(2), let stop = ctx.int64OrReply(3) else { return }
        guard case let found = ctx.listOrReply(ctx.lookupRead(ctx[1])), !found.isWrongType else { return }
        guard let list = found.value, let (a, b) = clampRange(start, stop, count: list.count) else {
            ctx.reply.arrayHeader(0)
            return
        }
        ctx.reply.arrayHeader(b - a + 1)
        for i in a...b { list.packed(i).withByteView { ctx.reply.bulk($0) } }
    }

    /// LINDEX key index
    static func lindex(_ ctx: CommandContext) {
        // Redis looks the key up (nil, WRONGTYPE) before it reads the index.
        guard case let found = ctx.listOrReply(ctx.lookupRead(ctx[1])), !found.isWrongType else { return }
        guard let list = found.value else { return ctx.reply.null() }
        guard let index = ctx.int64OrReply(2) else { return }
        guard let i = resolve(index, count: list.count) else {
            ctx.reply.null()
            return
        }
        ctx.reply.bulk(list[i])
    }

    /// LSET key index element
    static func lset(_ ctx: CommandContext) {
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            ctx.reply.error(ErrorReplies.noSuchKey)
            return
        }
        guard ctx.typeOrReply(e, .list) else { return }
        guard let index = ctx.int64OrReply(2) else { return }
        guard let i = resolve(index, count: e.list.count) else {
            ctx.reply.error(ErrorReplies.indexOutOfRange)
            return
        }
        let value = ctx[3].bytes
        ctx.journal(.listSet(db: ctx.db, key: ctx[1].bytes, index: i, value: value))
        ref.mutate { $0.list.set(i, value) }
        ctx.notifyKeyspaceEvent(.list, "lset", ctx[1])
        ctx.reply.ok()
    }

    /// LREM key count element
    static func lrem(_ ctx: CommandContext) {
        guard let count = ctx.int64OrReply(2) else { return }
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            ctx.reply.integer(0)
            return
        }
        guard ctx.typeOrReply(e, .list) else { return }
        let value = ctx[3].bytes
        let removed = ref.mutate { $0.list.remove(count: count, value: value) }
        if removed > 0 {
            ctx.journal(.listRemove(db: ctx.db, key: ctx[1].bytes, count: count, value: value))
            ctx.notifyKeyspaceEvent(.list, "lrem", ctx[1])
            if !ref.exists { ctx.notifyKeyspaceEvent(.generic, "del", ctx[1]) }
        }
        ctx.reply.integer(removed)
    }

    /// LTRIM key start stop
    static func ltrim(_ ctx: CommandContext) {
        guard let start = ctx.int64OrReply(2), let stop = ctx.int64OrReply(3) else { return }
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            ctx.reply.ok()
            return
        }
        guard ctx.typeOrReply(e, .list) else { return }
        if let (a, b) = clampRange(start, stop, count: e.list.count) {
            if a > 0 || b < e.list.count - 1 {
                ctx.journal(.listTrim(db: ctx.db, key: ctx[1].bytes, start: a, stop: b))
                ref.mutate { $0.list.trim(start: a, stop: b) }
            }
            ctx.notifyKeyspaceEvent(.list, "ltrim", ctx[1])
        } else {
            ctx.journal(.delete(db: ctx.db, key: ctx[1].bytes))
            ref.remove()
            ctx.notifyKeyspaceEvent(.list, "ltrim", ctx[1])
            ctx.notifyKeyspaceEvent(.generic, "del", ctx[1])
        }
        ctx.reply.ok()
    }

    /// LINSERT key BEFORE | AFTER pivot element
    static func linsert(_ ctx: CommandContext) {
        let after: Bool
        if ctx.arg(2, is: "AFTER") {
            after = true
        } else if ctx.arg(2, is: "BEFORE") {
            after = false
        } else {
            ctx.reply.error(ErrorReplies.syntax)
            return
        }
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            ctx.reply.integer(0)
            return
        }
        guard ctx.typeOrReply(e, .list) else { return }
        let list = e.list
        let pivot = ctx[3]
        var at: Int? = nil
        for i in 0..<list.count where list.packed(i).equals(pivot) {
            at = after ? i + 1 : i
            break
        }
        guard let at else {
            ctx.reply.integer(-1)
            return
        }
        let value = ctx[4].bytes
        ctx.journal(.listInsert(db: ctx.db, key: ctx[1].bytes, index: at, value: value))
        let length = ref.mutate { e -> Int in
            e.list.insert(value, at: at)
            return e.list.count
        }
        ctx.notifyKeyspaceEvent(.list, "linsert", ctx[1])
        ctx.reply.integer(length)
    }

    /// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
    static func lpos(_ ctx: CommandContext) {
        var rank: Int64 = 1
        var count: Int64? = nil
        var maxlen: Int64 = 0
        var j = 3
        while j < ctx.argc {
            guard j + 1 < ctx.argc else {
                ctx.reply.error(ErrorReplies.syntax)
                return
            }
            if ctx.arg(j, is: "RANK") {
                guard let r = ctx.int64OrReply(j + 1) else { return }
                if r == Int64.min {
                    ctx.reply.error(ErrorReplies.rankOutOfRange)
                    return
                }
                if r == 0 {
                    ctx.reply.error(ErrorReplies.rankZero)
                    return
                }
                rank = r
            } else if ctx.arg(j, is: "COUNT") {
                // Redis answers a non-integer COUNT/MAXLEN with the same text as a negative one.
                guard let c = ASCII.parseInt64(ctx[j + 1]), c >= 0 else {
                    ctx.reply.error(ErrorReplies.countNegative)
                    return
                }
                count = c
            } else if ctx.arg(j, is: "MAXLEN") {
                guard let m = ASCII.parseInt64(ctx[j + 1]), m >= 0 else {
                    ctx.reply.error(ErrorReplies.maxlenNegative)
                    return
                }
                maxlen = m
            } else {
                ctx.reply.error(ErrorReplies.syntax)
                return
            }
            j += 2
        }
        guard case let found = ctx.listOrReply(ctx.lookupRead(ctx[1])), !found.isWrongType else { return }
        guard let list = found.value else {
            if count != nil { ctx.reply.arrayHeader(0) } else { ctx.reply.null() }
            return
        }
        let element = ctx[2]
        var matches: [Int] = []
        let want = count.map { $0 == 0 ? Int.max : Int(clamping: $0) } ?? 1
        var skip = Int(clamping: rank.magnitude) - 1
        let n = list.count
        var compared: Int64 = 0
        var k = 0
        while k < n && matches.count < want {
            if maxlen != 0 && compared >= maxlen { break }
            compared += 1
            let i = rank > 0 ? k : n - 1 - k
            if list.packed(i).equals(element) { if skip > 0 { skip -= 1 } else { matches.append(i) } }
            k += 1
        }
        if count != nil {
            ctx.reply.arrayHeader(matches.count)
            for m in matches { ctx.reply.integer(m) }
        } else if let m = matches.first {
            ctx.reply.integer(m)
        } else {
            ctx.reply.null()
        }
    }
}

extension Lookup {
    var isWrongType: Bool { if case .wrongType = self { return true } else { return false } }
    var value: T? { if case .found(let v) = self { return v } else { return nil } }
}
