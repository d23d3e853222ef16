// Glob matching with Redis's stringmatchlen rules (KEYS, SCAN MATCH, CONFIG GET): `*`, `?`,
// `[abc]`, `[^a]`, `[a-z]`, `\x` escapes; byte-wise, optionally ASCII case-insensitive.
import LatchkeyCore

public enum Glob {
    /// Whether `string` matches `pattern`.
    public static func matches(_ pattern: ByteView, _ string: ByteView, caseInsensitive: Bool = false) -> Bool {
        var budget = 1_000_000  // Redis caps pathological patterns too (nesting / backtracking)
        return match(pattern.base, pattern.count, string.base, string.count, caseInsensitive, &budget, nesting: 0)
    }

    /// Convenience for owned bytes and strings.
    public static func matches(_ pattern: Bytes, _ string: Bytes, caseInsensitive: Bool = false) -> Bool {
        pattern.withUnsafeBufferPointer { p in
            string.withUnsafeBufferPointer { s in
                let pb = p.baseAddress ?? UnsafePointer(bitPattern: 1)!
                let sb = s.baseAddress ?? UnsafePointer(bitPattern: 1)!
                return matches(ByteView(base: pb, count: p.count), ByteView(base: sb, count: s.count),
                               caseInsensitive: caseInsensitive)
            }
        }
    }

    private static func fold(_ c: UInt8, _ ci: Bool) -> UInt8 { ci ? ASCII.lower(c) : c }

    private static func match(_ p0: UnsafePointer<UInt8>, _ pn0: Int, _ s0: UnsafePointer<UInt8>, _ sn0: Int,
                              _ ci: Bool, _ budget: inout Int, nesting: Int) -> Bool {
        var p = p0, pn = pn0, s = s0, sn = sn0
        budget -= 1
        // Like Redis, give up (no match) past 1000 nested stars rather than exhaust the stack.
        if budget < 0 || nesting > 1000 { return false }
        while pn > 0 && sn > 0 {
            switch p[0] {
            case 42:  // '*'
                while pn > 1 && p[1] == 42 { p += 1; pn -= 1 }
                if pn == 1 { return true }
                while sn > 0 {
                    if match(p + 1, pn - 1, s, sn, ci, &budget, nesting: nesting + 1) { return true }
                    if budget < 0 { return false }
                    s += 1; sn -= 1
                }
                return false
            case 63:  // '?'
                s += 1; sn -= 1
            case 91:  // '['
                p += 1; pn -= 1
                let not = pn > 0 && p[0] == 94
                if not { p += 1; pn -= 1 }
                var matched = false
                while true {
                    if pn > 1 && p[0] == 92 {  // escaped char
                        p += 1; pn -= 1
                        if p[0] == s[0] { matched = true }
                    } else if pn > 0 && p[0] == 93 {
                        break
                    } else if pn == 0 {
                        p -= 1; pn += 1  // unterminated: Redis treats the end as ']'
                        break
                    } else if pn >= 3 && p[1] == 45 {  // range a-z
                        var start = fold(p[0], ci), end = fold(p[2], ci)
                        let c = fold(s[0], ci)
                        if start > end { swap(&start, &end) }
                        p += 2; pn -= 2
                        if c >= start && c <= end { matched = true }
                    } else {
                        if fold(p[0], ci) == fold(s[0], ci) { matched = true }
                    }
                    p += 1; pn -= 1
                }
                if not { matched = !matched }
                if !matched { return false }
                s += 1; sn -= 1
            case 92:  // '\\'
                if pn >= 2 { p += 1; pn -= 1 }
                fallthrough
            default:
                if fold(p[0], ci) != fold(s[0], ci) { return false }
                s += 1; sn -= 1
            }
            p += 1; pn -= 1
            if sn == 0 {
                while pn > 0 && p[0] == 42 { p += 1; pn -= 1 }
                break
            }
        }
        return pn == 0 && sn == 0
    }
}
