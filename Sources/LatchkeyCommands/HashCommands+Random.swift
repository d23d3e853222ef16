// HSCAN and HRANDFIELD. HSCAN returns a small (listpack) hash whole with cursor 0 as Redis
// does; a big one is walked by position in the dictionary's order (a field present for the whole
// scan is returned unless the hash is resized in between; see docs/resp.md). HRANDFIELD follows
// Redis's count rules: positive = distinct fields, negative = may repeat.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

extension HashCommands {
    /// HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]
    static func hscan(_ ctx: CommandContext) {
        // Redis's order: the cursor, then the key (missing: an empty scan, whatever the options
        // say; another type: WRONGTYPE), then the options.
        guard let cursor = KeyCommands.parseCursor(ctx[2]) else { return ctx.reply.error(ErrorReplies.invalidCursor) }
        guard case let h = ctx.hashOrReply(ctx.lookupRead(ctx[1])), !h.isWrongType else { return }
        guard h.value != nil else {
            ctx.reply.arrayHeader(2)
            ctx.reply.bulk(string: "0")
            return ctx.reply.arrayHeader(0)
        }
        var noValues = false
        let options = ScanOptions.parse(ctx, from: 3) { i in
            guard ctx.arg(i, is: "NOVALUES") else { return 0 }
            noValues = true
            return 1
        }
        guard let options else { return }
        let count = options.count
        let pattern = options.pattern
        let pairs = h.value?.pairs ?? []
        let small = h.value?.encodingName != "hashtable"
        // Positions are bounded by the hash's size before any addition (a client cursor can be
        // anything up to 2^64-1).
        let position = UInt64(bitPattern: Int64(cursor))
        let start = small ? 0 : Int(min(position, UInt64(pairs.count)))
        let end = small ? pairs.count : start + min(Int(clamping: count), pairs.count - start)
        var out: [Bytes] = []
        if start < end {
            for (f, v) in pairs[start..<end] {
                if let pattern, !f.withByteView({ Glob.matches(pattern, $0) }) { continue }
                out.append(f)
                if !noValues { out.append(v) }
            }
        }
        let next = end >= pairs.count ? 0 : end
        ctx.reply.arrayHeader(2)
        ctx.reply.bulk(ASCII.decimal(Int64(next)))
        ctx.reply.arrayHeader(out.count)
        for b in out { ctx.reply.bulk(b) }
    }

    /// HRANDFIELD key [count [WITHVALUES]]
    static func hrandfield(_ ctx: CommandContext) {
        if ctx.argc == 2 {
            guard case let h = ctx.hashOrReply(ctx.lookupRead(ctx[1])), !h.isWrongType else { return }
            guard let hash = h.value else { return ctx.reply.null() }
            let pairs = hash.pairs
            ctx.reply.bulk(pairs[Int.random(in: 0..<pairs.count)].0)
            return
        }
        guard let count = ctx.int64OrReply(2) else { return }
        var withValues = false
        if ctx.argc == 4 && ctx.arg(3, is: "WITHVALUES") {
            withValues = true
        } else if ctx.argc >= 4 {
            return ctx.reply.error(ErrorReplies.syntax)
        }
        if count == Int64.min || (withValues && count < -(Int64.max / 2)) {
            return ctx.reply.error(ErrorReplies.hrandfieldRange)
        }
        guard case let h = ctx.hashOrReply(ctx.lookupRead(ctx[1])), !h.isWrongType else { return }
        guard let hash = h.value, count != 0 else { return ctx.reply.arrayHeader(0) }
        let pairs = hash.pairs
        var picked: [(Bytes, Bytes)]
        if count < 0 {
            let n = Int(clamping: count.magnitude)
            guard n <= 1 << 24 else { return ctx.reply.error(ErrorReplies.hrandfieldRange) }
            picked = (0..<n).map { _ in pairs[Int.random(in: 0..<pairs.count)] }
        } else if count >= Int64(pairs.count) {
            picked = pairs
        } else {
            picked = Array(pairs.shuffled().prefix(Int(count)))
        }
        let pairsAsArrays = withValues && ctx.reply.isRESP3
        ctx.reply.arrayHeader(withValues && !pairsAsArrays ? picked.count * 2 : picked.count)
        for (f, v) in picked {
            if pairsAsArrays { ctx.reply.arrayHeader(2) }
            ctx.reply.bulk(f)
            if withValues { ctx.reply.bulk(v) }
        }
    }
}
