// LMOVE RPOPLPUSH LMPOP and the blocking forms BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP. A blocking
// command first tries to serve at once, exactly as its non-blocking twin; when every key is empty
// it blocks (ListBlocking.swift) unless it runs inside MULTI, where Redis replies nil at once
// instead. (Scripts cannot call them at all: redis-server 7.0 refuses them from Lua, and so does
// the gate; `mayBlock` still checks `fromScript` so no path could ever block a script.)
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

/// The outcome of moving one element between lists.
enum MoveResult {
    case moved(Bytes)
    case empty
    case wrongType
}

extension ListCommands {
    /// Pops one element from `source` and pushes it onto `destination`, journaling both halves.
    /// Types are checked before anything changes.
    static func moveOne(
        engine: CommandEngine, db: Int, source: ByteView, destination: ByteView, fromLeft: Bool, toLeft: Bool,
        now: Int64
    ) -> MoveResult {
        let ks = engine.keyspace
        guard let s = ks.lookupRead(db: db, source, now: now) else { return .empty }
        guard s.type == .list else { return .wrongType }
        if let d = ks.lookupRead(db: db, destination, now: now), d.type != .list { return .wrongType }
        var src = ks.lookupWrite(db: db, source, now: now)
        engine.journalIfEnabled(.listPop(db: db, key: source.bytes, atHead: fromLeft, count: 1))
        let x = src.mutate { $0.list.pop(left: fromLeft)! }
        let sourceEmptied = !src.exists
        var dst = ks.lookupWrite(db: db, destination, now: now)
        if dst.entry == nil {
            dst.setList(ListValue())
            engine.notify(.new, "new", destination, db: db)
        }
        engine.journalIfEnabled(.listPush(db: db, key: destination.bytes, atHead: toLeft, elements: [x]))
        dst.mutate { $0.list.push(x, left: toLeft) }
        // Redis's order: the destination's events (new, push) before the source's (pop, del).
        engine.notify(.list, toLeft ? "lpush" : "rpush", destination, db: db)
        engine.notify(.list, fromLeft ? "lpop" : "rpop", source, db: db)
        if sourceEmptied { engine.notify(.generic, "del", source, db: db) }
        engine.signalListReady(db: db, key: destination)
        return .moved(x)
    }

    /// LEFT / RIGHT at argument `i`; nil after replying a syntax error.
    static func sideOrReply(_ ctx: CommandContext, _ i: Int) -> Bool? {
        if ctx.arg(i, is: "LEFT") { return true }
        if ctx.arg(i, is: "RIGHT") { return false }
        ctx.reply.error(ErrorReplies.syntax)
        return nil
    }

    static func replyMove(_ ctx: CommandContext, _ r: MoveResult) {
        switch r {
        case .moved(let x): ctx.reply.bulk(x)
        case .empty: ctx.reply.null()
        case .wrongType: ctx.reply.error(ErrorReplies.wrongType)
        }
    }

    /// LMOVE source destination LEFT | RIGHT LEFT | RIGHT
    static func lmove(_ ctx: CommandContext) {
        guard let from = sideOrReply(ctx, 3), let to = sideOrReply(ctx, 4) else { return }
        moveAndReply(ctx, fromLeft: from, toLeft: to)
    }

    /// RPOPLPUSH source destination
    static func rpoplpush(_ ctx: CommandContext) { moveAndReply(ctx, fromLeft: false, toLeft: true) }

    /// The non-blocking moves: argv[1] to argv[2], answered at once.
    private static func moveAndReply(_ ctx: CommandContext, fromLeft: Bool, toLeft: Bool) {
        let result = moveOne(
            engine: ctx.engine, db: ctx.db, source: ctx[1], destination: ctx[2], fromLeft: fromLeft, toLeft: toLeft,
            now: ctx.nowMs)
        replyMove(ctx, result)
    }

    /// Parsed `numkeys key [key ...] LEFT | RIGHT [COUNT count]` starting at argument `at`.
    struct MPopArgs {
        var keys: [Int]
        var left: Bool
        var count: Int
    }

    static func mpopArgsOrReply(_ ctx: CommandContext, at: Int) -> MPopArgs? {
        guard let n = ASCII.parseInt64(ctx[at]), n > 0 else {
            ctx.reply.error(ErrorReplies.numkeysPositive)
            return nil
        }
        // Redis has no "more keys than arguments" error here: the direction is simply missing.
        guard n < Int64(ctx.argc - at - 1) else {
            ctx.reply.error(ErrorReplies.syntax)
            return nil
        }
        let numkeys = Int(n)
        let whereAt = at + 1 + numkeys
        guard let left = sideOrReply(ctx, whereAt) else { return nil }
        var count = 1
        var sawCount = false
        var j = whereAt + 1
        while j < ctx.argc {
            guard ctx.arg(j, is: "COUNT"), j + 1 < ctx.argc, !sawCount else {
                ctx.reply.error(ErrorReplies.syntax)
                return nil
            }
            guard let c = ASCII.parseInt64(ctx[j + 1]), c > 0 else {
                ctx.reply.error(ErrorReplies.countPositive)
                return nil
            }
            count = Int(clamping: c)
            sawCount = true
            j += 2
        }
        return MPopArgs(keys: Array((at + 1)...(at + numkeys)), left: left, count: count)
    }

    /// Serves an MPOP from the first non-empty key; returns false when all were empty (nothing
    /// replied) and nil after replying WRONGTYPE.
    static func mpopNow(_ ctx: CommandContext, _ args: MPopArgs) -> Bool? {
        for i in args.keys {
            var ref = ctx.lookupWrite(ctx[i])
            guard let e = ref.entry else { continue }
            guard ctx.typeOrReply(e, .list) else { return nil }
            let n = min(args.count, e.list.count)
            ctx.journal(.listPop(db: ctx.db, key: ctx[i].bytes, atHead: args.left, count: n))
            ctx.reply.arrayHeader(2)
            ctx.reply.bulk(ctx[i])
            ctx.reply.arrayHeader(n)
            ref.mutate { e in for _ in 0..<n { ctx.reply.bulk(e.list.pop(left: args.left)!) } }
            notifyPopped(ctx, ctx[i], left: args.left, emptied: !ref.exists)
            return true
        }
        return false
    }

    /// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
    static func lmpop(_ ctx: CommandContext) {
        guard let args = mpopArgsOrReply(ctx, at: 1) else { return }
        guard let served = mpopNow(ctx, args) else { return }
        if !served { ctx.reply.nullArray() }
    }

    // MARK: blocking

    /// A blocking timeout in seconds (fractions allowed) at argument `i`, as an absolute server
    /// deadline in ms (0 = forever); nil after replying. Like Redis, a timeout that rounds down
    /// to 0 ms waits forever.
    static func deadlineOrReply(_ ctx: CommandContext, _ i: Int) -> Int64? {
        let text = ctx[i].string
        guard let first = text.utf8.first, first != 32, let seconds = Double(text), !seconds.isNaN else {
            ctx.reply.error(ErrorReplies.timeoutNotFloat)
            return nil
        }
        if seconds < 0 {
            ctx.reply.error(ErrorReplies.timeoutNegative)
            return nil
        }
        let ms = seconds * 1000
        // Redis converts with a C cast, which yields LLONG_MIN for anything past the range
        // (inf, 1e300): those are "negative" there, so they are here too.
        guard ms < 9.223372036854775807e18 else {
            ctx.reply.error(ErrorReplies.timeoutNegative)
            return nil
        }
        let whole = Int64(ms)
        if whole > Int64.max - ctx.nowMs {
            ctx.reply.error(ErrorReplies.timeoutOutOfRange)
            return nil
        }
        return whole > 0 ? ctx.nowMs + whole : 0
    }

    /// Whether this command may block: not inside MULTI/EXEC nor a script.
    static func mayBlock(_ ctx: CommandContext) -> Bool { !ctx.fromScript && !ctx.client.inTransactionExec }

    /// BLPOP key [key ...] timeout
    static func blpop(_ ctx: CommandContext) { bpopGeneric(ctx, left: true) }
    /// BRPOP key [key ...] timeout
    static func brpop(_ ctx: CommandContext) { bpopGeneric(ctx, left: false) }

    static func bpopGeneric(_ ctx: CommandContext, left: Bool) {
        guard let deadline = deadlineOrReply(ctx, ctx.argc - 1) else { return }
        for i in 1..<(ctx.argc - 1) {
            var ref = ctx.lookupWrite(ctx[i])
            guard let e = ref.entry else { continue }
            guard ctx.typeOrReply(e, .list) else { return }
            ctx.journal(.listPop(db: ctx.db, key: ctx[i].bytes, atHead: left, count: 1))
            ctx.reply.arrayHeader(2)
            ctx.reply.bulk(ctx[i])
            ctx.reply.bulk(ref.mutate { $0.list.pop(left: left)! })
            notifyPopped(ctx, ctx[i], left: left, emptied: !ref.exists)
            return
        }
        guard mayBlock(ctx) else { return ctx.reply.nullArray() }
        ctx.engine.block(
            ctx, keys: (1..<(ctx.argc - 1)).map { ctx[$0].bytes }, deadlineMs: deadline, op: .pop(left: left))
    }

    /// BLMOVE source destination LEFT | RIGHT LEFT | RIGHT timeout
    static func blmove(_ ctx: CommandContext) {
        guard let from = sideOrReply(ctx, 3), let to = sideOrReply(ctx, 4) else { return }
        bmoveGeneric(ctx, fromLeft: from, toLeft: to, timeoutAt: 5)
    }

    /// BRPOPLPUSH source destination timeout
    static func brpoplpush(_ ctx: CommandContext) { bmoveGeneric(ctx, fromLeft: false, toLeft: true, timeoutAt: 3) }

    static func bmoveGeneric(_ ctx: CommandContext, fromLeft: Bool, toLeft: Bool, timeoutAt: Int) {
        guard let deadline = deadlineOrReply(ctx, timeoutAt) else { return }
        let src = ctx.lookupRead(ctx[1])
        guard ctx.typeOrReply(src, .list) else { return }
        if src != nil {
            return replyMove(
                ctx,
                moveOne(
                    engine: ctx.engine, db: ctx.db, source: ctx[1], destination: ctx[2], fromLeft: fromLeft,
                    toLeft: toLeft, now: ctx.nowMs))
        }
        guard mayBlock(ctx) else { return ctx.reply.null() }
        ctx.engine.block(
            ctx, keys: [ctx[1].bytes], deadlineMs: deadline,
            op: .move(destination: ctx[2].bytes, fromLeft: fromLeft, toLeft: toLeft))
    }

    /// BLMPOP timeout numkeys key [key ...] LEFT | RIGHT [COUNT count]
    static func blmpop(_ ctx: CommandContext) {
        guard let deadline = deadlineOrReply(ctx, 1) else { return }
        guard let args = mpopArgsOrReply(ctx, at: 2) else { return }
        guard let served = mpopNow(ctx, args) else { return }
        if served { return }
        guard mayBlock(ctx) else { return ctx.reply.nullArray() }
        ctx.engine.block(
            ctx, keys: args.keys.map { ctx[$0].bytes }, deadlineMs: deadline,
            op: .mpop(left: args.left, count: args.count))
    }
}
