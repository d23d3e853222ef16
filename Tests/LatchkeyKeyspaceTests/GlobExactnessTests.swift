// The iterative glob matcher against a transliteration of Redis's recursive stringmatchlen (the
// reference: exponential, so only used on short inputs here), over many random small patterns
// and strings; plus the cases that used to run out of a step budget and answer wrongly.
import LatchkeyCore
import Testing

@testable import LatchkeyKeyspace

@Suite("Glob exactness") struct GlobExactnessTests {
    /// Redis 7.0's stringmatchlen, recursive, without its nesting limit (inputs here are short).
    static func reference(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        func m(_ pi0: Int, _ si0: Int) -> Bool {
            var pi = pi0
            var si = si0
            while pi < p.count && si < s.count {
                switch p[pi] {
                case 42:
                    while pi + 1 < p.count && p[pi + 1] == 42 { pi += 1 }
                    if pi + 1 == p.count { return true }
                    var k = si
                    while k < s.count {
                        if m(pi + 1, k) { return true }
                        k += 1
                    }
                    return false
                case 63: si += 1
                case 91:
                    pi += 1
                    let not = pi < p.count && p[pi] == 94
                    if not { pi += 1 }
                    var matched = false
                    while true {
                        if p.count - pi > 1 && p[pi] == 92 {
                            pi += 1
                            if p[pi] == s[si] { matched = true }
                        } else if pi < p.count && p[pi] == 93 {
                            break
                        } else if pi >= p.count {
                            pi -= 1
                            break
                        } else if p.count - pi >= 3 && p[pi + 1] == 45 {
                            var lo = p[pi]
                            var hi = p[pi + 2]
                            if lo > hi { swap(&lo, &hi) }
                            pi += 2
                            if s[si] >= lo && s[si] <= hi { matched = true }
                        } else if p[pi] == s[si] {
                            matched = true
                        }
                        pi += 1
                    }
                    if not { matched = !matched }
                    if !matched { return false }
                    si += 1
                case 92 where p.count - pi >= 2:
                    pi += 1
                    if p[pi] != s[si] { return false }
                    si += 1
                default:
                    if p[pi] != s[si] { return false }
                    si += 1
                }
                pi += 1
                if si == s.count {
                    while pi < p.count && p[pi] == 42 { pi += 1 }
                    break
                }
            }
            return pi == p.count && si == s.count
        }
        return m(0, 0)
    }

    @Test("agrees with Redis's recursive matcher on 50,000 random small cases") func randomAgreement() {
        var rng = SplitMix(seed: 16)
        let pAlphabet = Array("ab*?[]^-\\".utf8)
        let sAlphabet = Array("ab[-\\]^".utf8)
        for _ in 0..<50_000 {
            let p = (0..<Int(rng.next() % 9)).map { _ in pAlphabet[Int(rng.next() % UInt64(pAlphabet.count))] }
            let s = (0..<Int(rng.next() % 9)).map { _ in sAlphabet[Int(rng.next() % UInt64(sAlphabet.count))] }
            let want = Self.reference(p, s)
            let got = Glob.matches(p, s)
            #expect(
                got == want,
                "pattern \(String(decoding: p, as: UTF8.self)) string \(String(decoding: s, as: UTF8.self))")
            if got != want { return }
        }
    }

    @Test("star-heavy patterns answer right, however many keys (once wrong after a step budget)") func starHeavy() {
        let pattern = Bytes(String(repeating: "*a", count: 15).utf8) + Bytes("*b".utf8)
        let hit = Bytes(repeating: 97, count: 40) + [98]
        for _ in 0..<200 { #expect(!Glob.matches(pattern, Bytes("k".utf8) + Bytes(repeating: 97, count: 30))) }
        #expect(Glob.matches(pattern, hit))
        #expect(Glob.matches(Bytes(String(repeating: "*a", count: 500).utf8) + [42], Bytes(repeating: 97, count: 4000)))
    }

    @Test("more than 1000 non-trailing star groups never match, as in Redis") func nestingLimit() {
        let s = Bytes(repeating: 97, count: 3000)
        #expect(Glob.matches(Bytes(String(repeating: "a*", count: 1001).utf8), s))
        #expect(!Glob.matches(Bytes(String(repeating: "a*", count: 1002).utf8), s))
        #expect(Glob.matches(Bytes(String(repeating: "*a", count: 1000).utf8), s))
        #expect(!Glob.matches(Bytes(String(repeating: "*a", count: 1001).utf8), s))
    }
}

/// A tiny deterministic PRNG (SplitMix64) so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
