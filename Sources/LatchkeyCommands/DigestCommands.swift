// Native compare-and-delete for safe lock release without a script: DIGEST (XXH3-64 of a value),
// DELEX with IFEQ/IFNE/IFDEQ/IFDNE (Redis 8.4) and DELIFEQ (Valkey 9). SET's IF* conditions use
// `digestMatches` from here as well.
import LatchkeyCore
import LatchkeyKeyspace
import LatchkeyRESP

enum DigestCommands {
    /// Whether the XXH3 digest of `value` equals the hex `digest` (compared case-insensitively).
    static func digestMatches(_ value: ByteView, _ digest: ByteView) -> Bool {
        guard digest.count == 16 else { return false }
        let hex = XXH3.hex(XXH3.hash64(UnsafeRawPointer(value.base), value.count))
        for i in 0..<16 where ASCII.lower(digest[i]) != hex[i] { return false }
        return true
    }

    /// DIGEST key
    static func digest(_ ctx: CommandContext) {
        guard let e = ctx.lookupRead(ctx[1]) else {
            ctx.reply.null()
            return
        }
        guard let v = ctx.stringOrReply(e) else { return }
        ctx.reply.bulk(XXH3.hex(XXH3.hash64(UnsafeRawPointer(v.base), v.count)))
    }

    /// DELEX key [IFEQ value | IFNE value | IFDEQ digest | IFDNE digest]
    static func delex(_ ctx: CommandContext) {
        var condition = SetCondition.always
        if ctx.argc == 4 {
            let v = ctx[3]
            if ctx.arg(2, is: "IFEQ") {
                condition = .ifeq(v)
            } else if ctx.arg(2, is: "IFNE") {
                condition = .ifne(v)
            } else if ctx.arg(2, is: "IFDEQ") {
                condition = .ifdeq(v)
            } else if ctx.arg(2, is: "IFDNE") {
                condition = .ifdne(v)
            } else {
                ctx.reply.error(ErrorReplies.syntax)
                return
            }
        } else if ctx.argc != 2 {
            ctx.reply.error(ErrorReplies.syntax)
            return
        }
        deleteIf(ctx, condition)
    }

    /// DELIFEQ key value
    static func delifeq(_ ctx: CommandContext) { deleteIf(ctx, .ifeq(ctx[2])) }

    private static func deleteIf(_ ctx: CommandContext, _ condition: SetCondition) {
        var ref = ctx.lookupWrite(ctx[1])
        guard let e = ref.entry else {
            ctx.reply.integer(0)
            return
        }
        if case .always = condition {
            ctx.journal(.delete(db: ctx.db, key: ctx[1].bytes))
            ref.remove()
            ctx.notifyKeyspaceEvent(.generic, "del", ctx[1])
            ctx.reply.integer(1)
            return
        }
        guard let value = ctx.stringOrReply(e) else { return }
        let matches: Bool
        switch condition {
        case .ifeq(let v): matches = value.equals(v)
        case .ifne(let v): matches = !value.equals(v)
        case .ifdeq(let d): matches = digestMatches(value, d)
        case .ifdne(let d): matches = !digestMatches(value, d)
        default: matches = true
        }
        guard matches else {
            ctx.reply.integer(0)
            return
        }
        ctx.journal(.delete(db: ctx.db, key: ctx[1].bytes))
        ref.remove()
        ctx.notifyKeyspaceEvent(.generic, "del", ctx[1])
        ctx.reply.integer(1)
    }
}

extension ByteView {
    /// Byte equality with another view.
    @inlinable func equals(_ other: ByteView) -> Bool {
        guard count == other.count else { return false }
        for i in 0..<count where base[i] != other.base[i] { return false }
        return true
    }
}
