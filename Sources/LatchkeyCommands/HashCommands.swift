import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

// Hash commands (Redis's t_hash.c): HSET HMSET HSETNX HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS
// HVALS HINCRBY HINCRBYFLOAT HSTRLEN HSCAN HRANDFIELD. Parse first, look up with WRONGTYPE from
// the one helper, journal the resulting fields (HINCRBY journals the new value, an effect), then
// reply. HGETALL and HRANDFIELD WITHVALUES reply maps/pairs in RESP3 as Redis does.
#if canImport(Glibc)
import Glibc
#endif

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
        if ref.entry == nil {
            ref.setHash(HashValue())
            ctx.notifyKeyspaceEvent(.new, "new", ctx[1])
        }
        defer { ctx.notifyKeyspaceEvent(.hash, "hset", ctx[1]) }
        ctx.journal(.hashSet(db: ctx.db, key: ctx[1].bytes, pairs: (2..<ctx.argc).map { ctx[$0].bytes }))
        return ref.mutate { e -> Int in
            var added = 0
            var i = 2
            while i < ctx.argc {
                if e.hash.set(ctx[i], ctx[i + 1]) { added += 1 }
                i += 2
            }
            return added
        }
    }

    /// HSETNX key field value
    static func hsetnx(_ ctx: CommandContext) {
        var ref = ctx.lookupWrite(ctx[1])
        guard ctx.typeOrReply(ref.entry, .hash) else { return }
        if let e = ref.entry, e.hash.withValue(ctx[2], { $0 != nil }) {
            ctx.reply.integer(0)
            return
        }
        if ref.entry == nil {
            ref.setHash(HashValue())
            ctx.notifyKeyspaceEvent(.new, "new", ctx[1])
        }
        ctx.journal(.hashSet(db: ctx.db, key: ctx[1].bytes, pairs: [ctx[2].bytes, ctx[3].bytes]))
        ref.mutate { $0.hash.set(ctx[2], ctx[3]) }
        ctx.notifyKeyspaceEvent(.hash, "hset", ctx[1])
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
        for i in 2..<ctx.argc { if let v = h.value?.get(ctx[i]) { ctx.reply.bulk(v) } else { ctx.reply.null() } }
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
        ref.mutate { e in for i in 2..<ctx.argc where e.hash.remove(ctx[i]) { removed.append(ctx[i].bytes) } }
        if !removed.isEmpty {
            ctx.journal(.hashDelete(db: ctx.db, key: ctx[1].bytes, fields: removed))
            ctx.notifyKeyspaceEvent(.hash, "hdel", ctx[1])
            if !ref.exists { ctx.notifyKeyspaceEvent(.generic, "del", ctx[1]) }
        }
        ctx.reply.integer(removed.count)
    }

    /// HINCRBY key field increment
    static func hincrby(_ ctx: CommandContext) {
        guard let delta = ctx.int64OrReply(3) else { return }
        var ref = ctx.lookupWrite(ctx[1])
        guard ctx.typeOrReply(ref.entry, .hash) else { return }
        guard let current = currentNumber(ref, ctx[2], ASCII.parseInt64) else {
            return ctx.reply.error(ErrorReplies.hashNotInteger)
        }
        let (result, overflow) = current.addingReportingOverflow(delta)
        if overflow { return ctx.reply.error(ErrorReplies.overflow) }
        ASCII.withDecimal(result) { storeField(ctx, &ref, $0) }
        ctx.notifyKeyspaceEvent(.hash, "hincrby", ctx[1])
        ctx.reply.integer(result)
    }

    /// HINCRBYFLOAT key field increment — in long double, parsed and printed as Redis does
    /// (strtold, then "%.17Lf" with trailing zeros removed), so results match digit for digit.
    static func hincrbyfloat(_ ctx: CommandContext) {
        guard let delta = parseLongDouble(ctx[3]) else { return ctx.reply.error(ErrorReplies.notFloat) }
        if delta.isInfinite { return ctx.reply.error(ErrorReplies.valueNanOrInf) }
        var ref = ctx.lookupWrite(ctx[1])
        guard ctx.typeOrReply(ref.entry, .hash) else { return }
        guard let current = currentNumber(ref, ctx[2], parseLongDouble) else {
            return ctx.reply.error(ErrorReplies.hashNotFloat)
        }
        let result = current + delta
        if result.isNaN || result.isInfinite { return ctx.reply.error(ErrorReplies.incrNanOrInf) }
        guard let text = formatLongDouble(result) else { return ctx.reply.error(ErrorReplies.hrandfieldRange) }
        text.withByteView { storeField(ctx, &ref, $0) }
        ctx.notifyKeyspaceEvent(.hash, "hincrbyfloat", ctx[1])
        ctx.reply.bulk(text)
    }

    /// The number an increment starts from: 0 when the key or the field is absent, nil when the
    /// field holds something `parse` refuses.
    @inline(__always) private static func currentNumber<T: Numeric>(
        _ ref: KeyRef, _ field: ByteView, _ parse: (ByteView) -> T?
    ) -> T? {
        guard let e = ref.entry else { return 0 }
        return e.hash.withValue(field) { v -> T? in
            guard let v else { return 0 }
            return parse(v)
        }
    }

    private static func storeField(_ ctx: CommandContext, _ ref: inout KeyRef, _ value: ByteView) {
        if ref.entry == nil {
            ref.setHash(HashValue())
            ctx.notifyKeyspaceEvent(.new, "new", ctx[1])
        }
        ctx.journal(.hashSet(db: ctx.db, key: ctx[1].bytes, pairs: [ctx[2].bytes, value.bytes]))
        ref.mutate { $0.hash.set(ctx[2], value) }
    }

    /// Redis's string2ld: strtold over the whole argument, no leading space, no NaN, at most
    /// 5 KB (MAX_LONG_DOUBLE_CHARS).
    static func parseLongDouble(_ v: ByteView) -> LongDouble? {
        guard v.count > 0, v.count <= maxLongDoubleChars, v[0] != 32, !(v[0] >= 9 && v[0] <= 13) else { return nil }
        var text = v.bytes.map { CChar(bitPattern: $0) }
        text.append(0)
        return text.withUnsafeBufferPointer { buf -> LongDouble? in
            var end: UnsafeMutablePointer<CChar>? = nil
            errno = 0
            let d = parseLongDoubleC(buf.baseAddress!, &end)
            guard let end, end - UnsafeMutablePointer(mutating: buf.baseAddress!) == v.count, !d.isNaN else {
                return nil
            }
            // strtold reports over/underflow with ERANGE; Redis rejects it too.
            if errno == ERANGE && (d.isInfinite || d == 0) { return nil }
            return d
        }
    }

    static let maxLongDoubleChars = 5 * 1024

    /// Redis's ld2string(LD_STR_HUMAN): "%.17Lf", trailing zeros (and a bare point) removed,
    /// "-0" printed as "0"; nil when it does not fit MAX_LONG_DOUBLE_CHARS.
    static func formatLongDouble(_ d: LongDouble) -> Bytes? {
        var buf = [CChar](repeating: 0, count: maxLongDoubleChars)
        let n = withVaList([d]) { vsnprintf(&buf, maxLongDoubleChars, longDoubleFormat, $0) }
        guard n > 0, Int(n) + 1 <= maxLongDoubleChars else { return nil }
        var out = buf[0..<Int(n)].map { UInt8(bitPattern: $0) }
        if out.contains(46) {  // '.'
            while out.last == 48 { out.removeLast() }
            if out.last == 46 { out.removeLast() }
        }
        if out == [45, 48] { out = [48] }
        return out
    }
}

// Redis computes HINCRBYFLOAT in C's long double: x86's 80-bit format, which Swift has as
// Float80. Where Swift has no such type (arm64), double precision is used instead, and long
// fractions may differ from Redis in their last digits there (docs/resp.md).
#if arch(x86_64) || arch(i386)
typealias LongDouble = Float80
private let longDoubleFormat = "%.17Lf"
#else
typealias LongDouble = Double
private let longDoubleFormat = "%.17f"
#endif

@inline(__always) private func parseLongDoubleC(
    _ p: UnsafePointer<CChar>, _ end: inout UnsafeMutablePointer<CChar>?
) -> LongDouble {
    #if arch(x86_64) || arch(i386)
    strtold(p, &end)
    #else
    strtod(p, &end)
    #endif
}
