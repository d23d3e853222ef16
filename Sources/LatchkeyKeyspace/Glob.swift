// Glob matching with Redis's stringmatchlen rules (KEYS, SCAN MATCH, CONFIG GET): `*`, `?`,
// `[abc]`, `[^a]`, `[a-z]`, `\x` escapes; byte-wise, optionally ASCII case-insensitive.
// Every token but `*` matches exactly one byte, so one backtrack point (the last star) is enough:
// the matcher is iterative, O(pattern × string) at worst, has no step budget and never gives a
// wrong answer. Redis's one limit is kept: more than 1000 non-trailing star groups never match.
import LatchkeyCore

public enum Glob {
    /// Redis gives up (no match) when its recursion passes this many star groups.
    static let maxNestedStars = 1000

    /// Whether `string` matches `pattern`.
    public static func matches(_ pattern: ByteView, _ string: ByteView, caseInsensitive: Bool = false) -> Bool {
        match(pattern.base, pattern.count, string.base, string.count, caseInsensitive)
    }

    /// Convenience for owned bytes and strings.
    public static func matches(_ pattern: Bytes, _ string: Bytes, caseInsensitive: Bool = false) -> Bool {
        pattern.withUnsafeBufferPointer { p in
            string.withUnsafeBufferPointer { s in
                let pb = p.baseAddress ?? UnsafePointer(bitPattern: 1)!
                let sb = s.baseAddress ?? UnsafePointer(bitPattern: 1)!
                return matches(
                    ByteView(base: pb, count: p.count), ByteView(base: sb, count: s.count),
                    caseInsensitive: caseInsensitive)
            }
        }
    }

    @inline(__always) private static func fold(_ c: UInt8, _ ci: Bool) -> UInt8 { ci ? ASCII.lower(c) : c }

    private static func match(
        _ p: UnsafePointer<UInt8>, _ pn: Int, _ s: UnsafePointer<UInt8>, _ sn: Int, _ ci: Bool
    ) -> Bool {
        // Redis's loop runs only while both have bytes left: an empty string matches only an
        // empty pattern (KEYS/SCAN special-case a lone "*" before calling the matcher).
        if sn == 0 { return pn == 0 }
        if nonTrailingStarGroups(p, pn) > maxNestedStars { return false }
        var pi = 0
        var si = 0
        var starP = -1
        var starS = 0  // pattern index after the last star group, string index it resumed at
        while si < sn {
            if pi < pn && p[pi] == 42 {  // '*'
                while pi < pn && p[pi] == 42 { pi += 1 }
                if pi == pn { return true }
                starP = pi
                starS = si
                continue
            }
            if pi < pn {
                let used = token(p + pi, pn - pi, s[si], ci)
                if used > 0 {
                    pi += used
                    si += 1
                    continue
                }
            }
            // Mismatch: let the last star swallow one more byte and retry after it.
            guard starP >= 0 else { return false }
            starS += 1
            si = starS
            pi = starP
        }
        while pi < pn && p[pi] == 42 { pi += 1 }
        return pi == pn
    }

    /// Matches the non-star token at `p` against byte `c`: the pattern bytes it spans, or 0 when
    /// it does not match. Token boundaries never depend on `c` (so star counting can use them).
    @inline(__always) private static func token(_ p: UnsafePointer<UInt8>, _ pn: Int, _ c: UInt8, _ ci: Bool) -> Int {
        switch p[0] {
        case 63:  // '?'
            return 1
        case 91:  // '['
            var q = 1
            let not = q < pn && p[q] == 94  // '^'
            if not { q += 1 }
            var matched = false
            while true {
                if pn - q > 1 && p[q] == 92 {  // escaped char (compared as is, like Redis)
                    q += 1
                    if p[q] == c { matched = true }
                } else if q < pn && p[q] == 93 {  // ']'
                    break
                } else if q >= pn {
                    q = pn - 1  // unterminated: Redis treats the end as ']'
                    break
                } else if pn - q >= 3 && p[q + 1] == 45 {  // range a-z
                    var lo = fold(p[q], ci)
                    var hi = fold(p[q + 2], ci)
                    if lo > hi { swap(&lo, &hi) }
                    let f = fold(c, ci)
                    if f >= lo && f <= hi { matched = true }
                    q += 2
                } else if fold(p[q], ci) == fold(c, ci) {
                    matched = true
                }
                q += 1
            }
            return matched != not ? q + 1 : 0
        case 92 where pn >= 2:  // '\\' escapes the next byte
            return fold(p[1], ci) == fold(c, ci) ? 2 : 0
        default: return fold(p[0], ci) == fold(c, ci) ? 1 : 0
        }
    }

    /// Star groups followed by more pattern: each is one level of Redis's recursion.
    private static func nonTrailingStarGroups(_ p: UnsafePointer<UInt8>, _ pn: Int) -> Int {
        var groups = 0
        var i = 0
        while i < pn {
            if p[i] == 42 {
                while i < pn && p[i] == 42 { i += 1 }
                if i < pn { groups += 1 }
                continue
            }
            // Any byte gives the same boundaries; 0 is as good as another.
            let used = tokenLength(p + i, pn - i)
            i += used
        }
        return groups
    }

    /// The length of the non-star token at `p`.
    private static func tokenLength(_ p: UnsafePointer<UInt8>, _ pn: Int) -> Int {
        switch p[0] {
        case 91:
            var q = 1
            if q < pn && p[q] == 94 { q += 1 }
            while true {
                if pn - q > 1 && p[q] == 92 {
                    q += 1
                } else if q < pn && p[q] == 93 {
                    break
                } else if q >= pn {
                    q = pn - 1
                    break
                } else if pn - q >= 3 && p[q + 1] == 45 {
                    q += 2
                }
                q += 1
            }
            return q + 1
        case 92 where pn >= 2: return 2
        default: return 1
        }
    }
}
