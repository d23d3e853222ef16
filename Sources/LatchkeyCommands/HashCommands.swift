// Hash commands (Redis's t_hash.c): HSET HMSET HSETNX HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS
// HVALS HINCRBY HINCRBYFLOAT HSTRLEN HSCAN HRANDFIELD. Parse first, look up with WRONGTYPE from
// the one helper, journal the resulting fields (HINCRBY journals the new value, an effect), then
// reply. HGETALL and HRANDFIELD WITHVALUES reply maps/pairs in RESP3 as Redis does.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

enum HashCommands {
    /// HSET key field value [field value ...]
    static func hset(_ ctx: CommandContext) {
        guard let added = setFieldsOrReply(ctx) else { return }
        ctx.reply.integer(added)
    }

    /// HMSET key field value [field value ...]
    static func hmset(_ ctx: CommandContext) {
        guard setFieldsOrReply(ctx) != nil else { return }
        ctx.reply.ok()
    }

    /// Sets argv[2...] as pairs; returns how many fields were new.
    private static func setFieldsOrReply(_ ctx: CommandContext) -> Int? {
        if ctx.argc % 2 != 0 {
            ctx.reply.error(ErrorReplies.arity(ctx.spec?.fullName ?? "hset"))
            return nil
        }
        var ref = ctx.lookupWrite(ctx[1])
        guard ctx.typeOrReply(ref.entry, .hash) else { return nil }
        if ref.entry == nil { ref.setHash(HashValue()) }
        let pairs = (2..<ctx.argc).map { ctx[$0].bytes }
        ctx.journal(.hashSet(db: ctx.db, key: ctx[1].bytes, pairs: pairs))
        return ref.mutate { e -> Int in
            var added = 0
            var i = 0
            while i < pairs.count {
                if e.hash.set(pairs[i], pairs[i + 1]) { added += 1 }
                i += 2
            }
            return added
        }
    }

    /// HSETNX key field value
    static func hsetnx(_ ctx: CommandContext) {
        var ref = ctx.lookupWrite(ctx[1])
        guard ctx.typeOrReply(ref.entry, .hash) else { return }
        if let e = ref.entry, e.hash.get(ctx[2]) != nil {
            ctx.reply.integer(0)
            return
        }
        if ref.entry == nil { ref.setHash(HashValue()) }
        let pair = [ctx[2].bytes, ctx[3].bytes]
        ctx.journal(.hashSet(db: ctx.db, key: ctx[1].bytes, pairs: pair))
        ref.mutate { $0.hash.set(pair[0], pair[1]) }
        ctx.reply.integer(1)
    }

    /// The hash at argv[1] for reading; `.wrongType` after replying.
    private static func read(_ ctx: CommandContext) -> Lookup<HashValue> { ctx.hashOrReply(ctx.lookupRead(ctx[1])) }

    /// HGET key field
    static func hget(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        if let v = h.value?.get(ctx[2]) { ctx.reply.bulk(v) } else { ctx.reply.null() }
    }

    /// HMGET key field [field ...]
    static func hmget(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        ctx.reply.arrayHeader(ctx.argc - 2)
        for i in 2..<ctx.argc {
            if let v = h.value?.get(ctx[i]) { ctx.reply.bulk(v) } else { ctx.reply.null() }
        }
    }

    /// HGETALL key
    static func hgetall(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        guard let hash = h.value else { return ctx.reply.mapHeader(0) }
        ctx.reply.mapHeader(hash.count)
        hash.forEach { f, v in
            ctx.reply.bulk(f)
            ctx.reply.bulk(v)
        }
    }

    /// HKEYS key
    static func hkeys(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        ctx.reply.arrayHeader(h.value?.count ?? 0)
        h.value?.forEach { f, _ in ctx.reply.bulk(f) }
    }

    /// HVALS key
    static func hvals(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        ctx.reply.arrayHeader(h.value?.count ?? 0)
        h.value?.forEach { _, v in ctx.reply.bulk(v) }
    }

    /// HLEN key
    static func hlen(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        ctx.reply.integer(h.value?.count ?? 0)
    }

    /// HEXISTS key field
    static func hexists(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        ctx.reply.integer(h.value?.get(ctx[2]) != nil ? 1 : 0)
    }

    /// HSTRLEN key field
    static func hstrlen(_ ctx: CommandContext) {
        guard case let h = read(ctx), !h.isWrongType else { return }
        ctx.reply.integer(h.value?.get(ctx[2])?.count ?? 0)
    }

    /// HDEL key field [field ...]
    static func hdel(_ ctx: CommandContext) {
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else { return ctx.reply.integer(0) }
        guard ctx.typeOrReply(e, .hash) else { return }
        var removed: [Bytes] = []
        ref.mutate { e in
            for i in 2..<ctx.argc where e.hash.remove(ctx[i]) { removed.append(ctx[i].bytes) }
        }
        if !removed.isEmpty { ctx.journal(.hashDelete(db: ctx.db, key: ctx[1].bytes, fields: removed)) }
        ctx.reply.integer(removed.count)
    }

    /// HINCRBY key field increment
    static func hincrby(_ ctx: CommandContext) {
        guard let delta = ctx.int64OrReply(3) else { return }
        var ref = ctx.lookupWrite(ctx[1])
        guard ctx.typeOrReply(ref.entry, .hash) else { return }
        var current: Int64 = 0
        if let old = ref.entry?.hash.get(ctx[2]) {
            guard let v = ASCII.parseInt64(old) else { return ctx.reply.error(ErrorReplies.hashNotInteger) }
            current = v
        }
        let (result, overflow) = current.addingReportingOverflow(delta)
        if overflow { return ctx.reply.error(ErrorReplies.overflow) }
        storeField(ctx, &ref, ASCII.decimal(result))
        ctx.reply.integer(result)
    }

    /// HINCRBYFLOAT key field increment
    static func hincrbyfloat(_ ctx: CommandContext) {
        guard let delta = parseFloat(ctx[3]) else { return ctx.reply.error(ErrorReplies.notFloat) }
        if delta.isInfinite { return ctx.reply.error(ErrorReplies.valueNanOrInf) }
        var ref = ctx.lookupWrite(ctx[1])
        guard ctx.typeOrReply(ref.entry, .hash) else { return }
        var current = 0.0
        if let old = ref.entry?.hash.get(ctx[2]) {
            guard let v = old.withByteView({ parseFloat($0) }) else { return ctx.reply.error(ErrorReplies.hashNotFloat) }
            current = v
        }
        let result = current + delta
        if result.isNaN || result.isInfinite { return ctx.reply.error(ErrorReplies.incrNanOrInf) }
        let text = Bytes(formatFloat(result).utf8)
        storeField(ctx, &ref, text)
        ctx.reply.bulk(text)
    }

    private static func storeField(_ ctx: CommandContext, _ ref: inout KeyRef, _ value: Bytes) {
        if ref.entry == nil { ref.setHash(HashValue()) }
        let field = ctx[2].bytes
        ctx.journal(.hashSet(db: ctx.db, key: ctx[1].bytes, pairs: [field, value]))
        ref.mutate { $0.hash.set(field, value) }
    }

    /// Redis's strtold rules as far as clients see them: no spaces, no NaN.
    static func parseFloat(_ v: ByteView) -> Double? {
        guard v.count > 0, v[0] != 32, v[v.count - 1] != 32, let d = Double(v.string), !d.isNaN else { return nil }
        return d
    }

    /// Redis's human long-double format: integers without a point, otherwise the shortest
    /// decimal that reads back the same, never in exponent form.
    static func formatFloat(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e17 { return String(Int64(d)) }
        let s = String(d)
        guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return s }
        // Expand d.ddde±x into plain digits.
        let mantissa = String(s[..<e])
        guard let exp = Int(s[s.index(after: e)...]) else { return s }
        let negative = mantissa.hasPrefix("-")
        var digits = String(mantissa.filter { $0 != "-" })
        let point = digits.firstIndex(of: ".").map { digits.distance(from: digits.startIndex, to: $0) } ?? digits.count
        digits.removeAll { $0 == "." }
        let pos = point + exp
        var out: String
        if pos <= 0 {
            out = "0." + String(repeating: "0", count: -pos) + digits
        } else if pos >= digits.count {
            out = digits + String(repeating: "0", count: pos - digits.count)
        } else {
            out = String(digits.prefix(pos)) + "." + String(digits.dropFirst(pos))
        }
        return (negative ? "-" : "") + out
    }
}
